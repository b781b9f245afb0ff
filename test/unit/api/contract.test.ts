import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../src/api/app.ts';
import { OPENAPI_FILE, renderOpenApi } from '../../../src/api/openapi/build.ts';
import { EVENT_TYPES } from '../../../src/api/views.ts';
import { EVENT_TYPES as BUS_EVENT_TYPES } from '../../../src/daemon/bus.ts';
import { ERROR_CODES } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { packageVersion } from '../../../src/cli/version.ts';
import { createFakeViews } from '../../helpers/api-fakes.ts';
import { SPEC, SUPPORTED_KEYWORDS, keywordsUsed, resolve, validate } from '../../helpers/openapi.ts';

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** Every (method, path) the Express app routes, in OpenAPI template form. */
function routesOf(app: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods))
          out.add(`${m.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as { router: { stack: Layer[] } }).router.stack);
  return out;
}

const documented = new Set(
  Object.entries(SPEC.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
);

describe('openapi.yaml is the contract', () => {
  it('documents every route and routes every documented operation', () => {
    const app = createApiApp({
      views: createFakeViews().views,
      apiKey: 'k',
      allowedHosts: ['localhost'],
      log: silentLogger(),
    });
    const routed = routesOf(app);
    routed.delete('GET /'); // redirect to /docs (the UI, not part of the API)
    expect([...routed].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((d) => !routed.has(d)).sort()).toEqual([]);
  });

  it("has every route of the seed and the original's extras", () => {
    const seedAndOriginal = [
      'GET /api/health',
      'GET /api/info',
      'GET /api/v1/services',
      'POST /api/v1/services',
      'GET /api/v1/services/{key}',
      'DELETE /api/v1/services/{key}',
      'POST /api/v1/services/{key}/reconnect',
      'POST /api/v1/services/{key}/sync',
      'POST /api/v1/services/reconnect',
      'GET /api/v1/services/{key}/http',
      'GET /api/v1/services/{key}/history/reconnections',
      'GET /api/v1/forwards',
      'GET /api/v1/forwards/{key}',
      'GET /api/v1/forwards/{key}/http',
      'GET /api/v1/namespaces',
      'GET /api/v1/namespaces/{key}',
      'POST /api/v1/namespaces',
      'DELETE /api/v1/namespaces/{key}',
      'GET /api/v1/kubernetes/contexts',
      'GET /api/v1/kubernetes/namespaces',
      'GET /api/v1/kubernetes/services',
      'GET /api/v1/kubernetes/services/{namespace}/{name}',
      'GET /api/v1/kubernetes/pods/{namespace}',
      'GET /api/v1/kubernetes/pods/{namespace}/{podName}',
      'GET /api/v1/kubernetes/pods/{namespace}/{podName}/logs',
      'GET /api/v1/kubernetes/events/{namespace}',
      'GET /api/v1/kubernetes/endpoints/{namespace}/{serviceName}',
      'GET /api/v1/metrics',
      'GET /api/v1/metrics/services',
      'GET /api/v1/metrics/services/{key}',
      'GET /api/v1/metrics/services/{key}/history',
      'GET /api/v1/diagnostics',
      'GET /api/v1/diagnostics/errors',
      'GET /api/v1/diagnostics/services/{key}',
      'GET /api/v1/diagnostics/forwards/{key}',
      'GET /api/v1/diagnostics/network',
      'GET /api/v1/status',
      'GET /api/v1/analyze',
      'GET /api/v1/history/events',
      'GET /api/v1/history/errors',
      'GET /api/v1/history/reconnections',
      'GET /api/v1/history/stats',
      'GET /api/v1/logs',
      'GET /api/v1/logs/stream',
      'GET /api/v1/logs/system',
      'DELETE /api/v1/logs/system',
      'GET /api/v1/events',
      'GET /openapi.yaml',
    ];
    expect(seedAndOriginal.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('lists exactly the error codes of src/errors.ts, each with a documented response for its status', () => {
    expect(new Set(SPEC.components.schemas.ErrorCode?.enum as string[])).toEqual(
      new Set(Object.keys(ERROR_CODES)),
    );
    const described = Object.values(SPEC.components.responses).map((r) => String(r.description));
    for (const code of Object.keys(ERROR_CODES))
      expect(
        described.some((d) => d.includes(code)),
        code,
      ).toBe(true);
  });

  it('is what src/api/openapi/build.ts generates (regenerate with `node src/api/openapi/build.ts`)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApi(packageVersion()));
  });

  it('uses only schema keywords the test validator understands, and no dangling $ref', () => {
    expect([...keywordsUsed()].filter((k) => !SUPPORTED_KEYWORDS.has(k))).toEqual([]);
    for (const ops of Object.values(SPEC.paths))
      for (const op of Object.values(ops))
        for (const r of Object.values(op.responses)) expect(() => resolve(r)).not.toThrow();
  });

  it('gives every operation a unique operationId, a summary and the bearer scheme unless open', () => {
    const ops = Object.entries(SPEC.paths).flatMap(([p, o]) => Object.values(o).map((op) => ({ p, op })));
    expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
    for (const { p, op } of ops) {
      expect(op.summary, op.operationId).toBeTruthy();
      const open = Array.isArray(op.security) && op.security.length === 0;
      expect(open, p).toBe(p === '/api/health' || p === '/openapi.yaml');
      if (!open) expect(op.responses['401'], p).toBeDefined();
    }
  });

  it('names SSE events as the daemon bus does', () => {
    expect([...EVENT_TYPES]).toEqual([...BUS_EVENT_TYPES]);
    expect(SPEC.components.schemas.EventName?.enum).toEqual([...EVENT_TYPES]);
    const events = SPEC.paths['/api/v1/events']?.get;
    expect(Object.keys((events?.responses['200']?.content as object) ?? {})).toEqual(['text/event-stream']);
  });

  it('has a validator that can fail', () => {
    const service = { $ref: '#/components/schemas/Service' };
    expect(validate(service, { key: 1 }).length).toBeGreaterThan(0);
    expect(
      validate({ $ref: '#/components/schemas/Health' }, { status: 'healthy', timestamp: 'yesterday' }),
    ).toEqual(['$.timestamp: not a date-time: yesterday']);
    expect(validate({ $ref: '#/components/schemas/Forward' }, {}).length).toBeGreaterThan(20);
  });
});
