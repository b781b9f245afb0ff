import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../src/api/app.ts';
import type { ApiViews } from '../../../src/api/views.ts';
import { ERROR_CODES } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { SPEC } from '../../helpers/openapi.ts';

/** Lists every (method, path) the Express app routes, in OpenAPI template form. */
function routesOf(app: ReturnType<typeof createApiApp>['app']): Set<string> {
  const out = new Set<string>();
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods))
          out.add(`${m.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

describe('openapi.yaml is the contract', () => {
  it('documents every route and routes every documented operation', () => {
    const { app } = createApiApp({
      views: {} as ApiViews,
      apiKey: 'k',
      allowedHosts: ['localhost'],
      log: silentLogger(),
    });
    const routed = routesOf(app);
    routed.delete('GET /'); // the web console's page, not part of the API
    const documented = new Set(
      Object.entries(SPEC.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      ),
    );
    expect([...routed].filter((r) => !documented.has(r)).sort()).toEqual([]);
    expect([...documented].filter((d) => !routed.has(d)).sort()).toEqual([]);
  });

  it('lists exactly the error codes of src/errors.ts', () => {
    expect(new Set(SPEC.components.schemas.ErrorCode?.enum as string[])).toEqual(
      new Set(Object.keys(ERROR_CODES)),
    );
  });

  it('gives every operation a unique operationId', () => {
    const ids = Object.values(SPEC.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
