import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SPEC, templateOf } from '../../helpers/openapi.ts';
import { startApi, type ApiHarness } from '../../helpers/api-harness.ts';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
});
afterEach(async () => {
  await api.close();
});

const data = (a: { json: unknown }) => (a.json as { data: Record<string, unknown> }).data;
const list = (a: { json: unknown }) => (a.json as { data: unknown[] }).data;
const meta = (a: { json: unknown }) => (a.json as { meta: Record<string, unknown> }).meta;
const code = (a: { json: unknown }) => (a.json as { error?: { code: string } }).error?.code;

const FWD = 'api.default.kind.api-7d9-x2.8080';

/** One successful call per documented JSON operation (SSE, /metrics and /openapi.yaml have their own tests). */
const EVERY_OPERATION: Array<[string, string, number, unknown?]> = [
  ['GET', '/api/health', 200],
  ['GET', '/api/info', 200],
  ['GET', '/api/v1/services', 200],
  ['POST', '/api/v1/services', 201, { namespace: 'default', service_name: 'web' }],
  ['POST', '/api/v1/services/reconnect', 200],
  ['GET', '/api/v1/services/api.default.kind', 200],
  ['POST', '/api/v1/services/api.default.kind/reconnect', 200],
  ['POST', '/api/v1/services/api.default.kind/sync?force=true', 200],
  ['GET', '/api/v1/services/api.default.kind/http?count=10', 200],
  ['GET', '/api/v1/services/db.data.kind/history/reconnections', 200],
  ['GET', '/api/v1/forwards', 200],
  ['GET', `/api/v1/forwards/${FWD}`, 200],
  ['GET', `/api/v1/forwards/${FWD}/http`, 200],
  ['GET', '/api/v1/namespaces', 200],
  ['POST', '/api/v1/namespaces', 201, { namespace: 'staging', selector: 'app=web' }],
  ['GET', '/api/v1/namespaces/default.kind', 200],
  ['GET', '/api/v1/kubernetes/contexts', 200],
  ['GET', '/api/v1/kubernetes/namespaces?context=kind', 200],
  ['GET', '/api/v1/kubernetes/services?namespace=default', 200],
  ['GET', '/api/v1/kubernetes/services/default/api', 200],
  ['GET', '/api/v1/kubernetes/pods/default?service_name=api', 200],
  ['GET', '/api/v1/kubernetes/pods/default/api-7d9-x2', 200],
  ['GET', '/api/v1/kubernetes/pods/default/api-7d9-x2/logs?tail_lines=1&container=main', 200],
  ['GET', '/api/v1/kubernetes/events/default?resource_kind=Pod&limit=5', 200],
  ['GET', '/api/v1/kubernetes/endpoints/default/api', 200],
  ['GET', '/api/v1/metrics', 200],
  ['GET', '/api/v1/metrics/services', 200],
  ['GET', '/api/v1/metrics/services/api.default.kind', 200],
  ['GET', '/api/v1/metrics/services/api.default.kind/history?duration=1h&interval=1m', 200],
  ['GET', '/api/v1/metrics/history?duration=30m', 200],
  ['GET', '/api/v1/diagnostics', 200],
  ['GET', '/api/v1/diagnostics/errors', 200],
  ['GET', '/api/v1/diagnostics/services/db.data.kind', 200],
  ['GET', `/api/v1/diagnostics/forwards/${FWD}`, 200],
  ['GET', '/api/v1/diagnostics/network', 200],
  ['GET', '/api/v1/status', 200],
  ['GET', '/api/v1/analyze', 200],
  ['GET', '/api/v1/history/events?count=20', 200],
  ['GET', '/api/v1/history/errors', 200],
  ['GET', '/api/v1/history/reconnections', 200],
  ['GET', '/api/v1/history/stats', 200],
  ['GET', '/api/v1/logs?count=50&level=info', 200],
  ['GET', '/api/v1/logs/system', 200],
  ['DELETE', '/api/v1/logs/system', 200],
  ['DELETE', '/api/v1/services/api.default.kind', 200],
  ['DELETE', '/api/v1/namespaces/default.kind', 200],
];

describe('every route answers per openapi.yaml', () => {
  it('covers every JSON operation of the spec', () => {
    const hit = new Set(EVERY_OPERATION.map(([m, p]) => `${m} ${templateOf(m, p)}`));
    const nonJson = new Set([
      'GET /api/v1/events',
      'GET /api/v1/logs/stream',
      'GET /metrics',
      'GET /openapi.yaml',
    ]);
    const all = Object.entries(SPEC.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(all.filter((o) => !hit.has(o) && !nonJson.has(o))).toEqual([]);
  });

  it.each(EVERY_OPERATION)('%s %s → %i, valid', async (method, path, status, body) => {
    const a = await api.checked(method, path, body === undefined ? {} : { body });
    expect(a.status).toBe(status);
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers the documented errors with valid envelopes too', async () => {
    const cases: Array<[string, string, number, string, unknown?]> = [
      ['GET', '/api/v1/services/nope.default.kind', 404, 'NOT_FOUND'],
      ['GET', '/api/v1/forwards/a.b.c.d.1', 404, 'NOT_FOUND'],
      ['GET', '/api/v1/namespaces/nope.kind', 404, 'NOT_FOUND'],
      ['GET', '/api/v1/namespaces/nodot', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/services/nodots', 400, 'BAD_REQUEST'],
      [
        'POST',
        '/api/v1/services',
        409,
        'ALREADY_EXISTS',
        { namespace: 'default', service_name: 'api', context: 'kind' },
      ],
      ['POST', '/api/v1/services', 404, 'K8S_NOT_FOUND', { namespace: 'default', service_name: 'missing' }],
      ['POST', '/api/v1/services', 400, 'BAD_REQUEST', { namespace: 'Default', service_name: 'x' }],
      ['POST', '/api/v1/services', 400, 'BAD_REQUEST', { namespace: 'default' }],
      ['POST', '/api/v1/namespaces', 409, 'ALREADY_EXISTS', { namespace: 'default' }],
      ['POST', '/api/v1/namespaces', 403, 'K8S_FORBIDDEN', { namespace: 'secret' }],
      ['GET', '/api/v1/kubernetes/services?namespace=secret', 403, 'K8S_FORBIDDEN'],
      ['GET', '/api/v1/kubernetes/pods/secret', 403, 'K8S_FORBIDDEN'],
      ['GET', '/api/v1/kubernetes/events/secret', 403, 'K8S_FORBIDDEN'],
      ['GET', '/api/v1/kubernetes/services', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/kubernetes/services/default/missing', 404, 'K8S_NOT_FOUND'],
      ['GET', '/api/v1/kubernetes/pods/default/api/logs?since_time=yesterday', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/metrics/services/nope.x.y/history', 404, 'NOT_FOUND'],
      ['GET', '/api/v1/metrics/history?duration=5years', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/metrics/history?duration=2d', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/metrics/history?duration=24h&interval=1s', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/services?limit=0', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/services?limit=1001', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/services?offset=-1', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/services?status=broken', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/services?limit=1&limit=2', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/history/events?count=1e3', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/history/events?type=Nope', 400, 'BAD_REQUEST'],
      ['GET', '/api/v1/logs?level=loud', 400, 'BAD_REQUEST'],
      ['POST', '/api/v1/services/nope.default.kind/reconnect', 404, 'NOT_FOUND'],
      ['POST', '/api/v1/services/api.default.kind/sync?force=maybe', 400, 'BAD_REQUEST'],
      ['DELETE', '/api/v1/services/nope.default.kind', 404, 'NOT_FOUND'],
    ];
    for (const [method, path, status, errorCode, body] of cases) {
      const a = await api.checked(method, path, body === undefined ? {} : { body });
      expect([path, a.status, code(a)]).toEqual([path, status, errorCode]);
      expect((a.json as { error: { message: string } }).error.message.length).toBeGreaterThan(3);
    }
  });
});

describe('what the routes do', () => {
  it('filters, searches, sorts and pages services as the original', async () => {
    const all = data(await api.checked('GET', '/api/v1/services'));
    expect((all.services as Array<{ key: string }>).map((s) => s.key)).toEqual([
      'api.default.kind',
      'db.data.kind',
    ]);
    expect(all.summary).toMatchObject({
      totalServices: 2,
      activeServices: 1,
      errorCount: 1,
      totalBytesIn: 200,
    });
    const errored = await api.checked('GET', '/api/v1/services?status=error');
    expect((data(errored).services as Array<{ key: string }>).map((s) => s.key)).toEqual(['db.data.kind']);
    const paged = await api.checked('GET', '/api/v1/services?limit=1&offset=1');
    expect((data(paged).services as Array<{ key: string }>).map((s) => s.key)).toEqual(['db.data.kind']);
    expect(meta(paged)).toMatchObject({ count: 1, total: 2 });
    const searched = await api.checked('GET', '/api/v1/services?search=DAT');
    expect(meta(searched)).toMatchObject({ count: 1, total: 1 });
    const ns = await api.checked('GET', '/api/v1/services?namespace=default&context=kind');
    expect(meta(ns).total).toBe(1);
  });

  it('adds a service with service_name or serviceName and answers its IP, hostnames, ports', async () => {
    const a = await api.checked('POST', '/api/v1/services', {
      body: { namespace: 'default', serviceName: 'web' },
    });
    expect(data(a)).toMatchObject({
      key: 'web.default.kind',
      localIP: '127.1.27.9',
      ports: [{ localPort: 80 }],
    });
    expect(api.fake.calls).toContain('add web.default.kind');
    const mismatch = await api.call('POST', '/api/v1/services', {
      body: { namespace: 'default', serviceName: 'a', service_name: 'b' },
    });
    expect(mismatch.status).toBe(400);
  });

  it('reconnects errored services, or all with force', async () => {
    expect(data(await api.checked('POST', '/api/v1/services/reconnect'))).toEqual({
      triggered: 1,
      services: ['db.data.kind'],
      force: false,
    });
    expect(data(await api.checked('POST', '/api/v1/services/reconnect?force=true')).triggered).toBe(2);
    await api.checked('POST', '/api/v1/services/api.default.kind/sync?force=true');
    expect(api.fake.calls).toContain('sync api.default.kind true');
  });

  it('finds keys whose context has a slash when it is percent-encoded', async () => {
    const ctx = 'arn:aws:eks:eu-west-1:123:cluster/prod';
    await api.checked('POST', '/api/v1/services', {
      body: { namespace: 'default', service_name: 'web', context: ctx },
    });
    const a = await api.checked('GET', `/api/v1/services/${encodeURIComponent(`web.default.${ctx}`)}`);
    expect(data(a).context).toBe(ctx);
  });

  it('summarises HTTP captures per forward and service', async () => {
    const a = data(await api.checked('GET', `/api/v1/forwards/${FWD}/http`));
    expect(a.summary).toMatchObject({
      totalRequests: 1,
      statusCodes: { '2xx': 1 },
      topPaths: [{ path: '/healthz', count: 1 }],
    });
    expect(a.logs).toEqual([
      expect.objectContaining({ method: 'GET', statusCode: 200, duration: '1.3ms', size: 120 }),
    ]);
    const s = data(await api.checked('GET', '/api/v1/services/api.default.kind/http'));
    expect((s.summary as { totalRequests: number }).totalRequests).toBe(1);
  });

  it('derives uptime from the injected clock and reports status, diagnostics and analysis', async () => {
    const info = data(await api.checked('GET', '/api/info'));
    expect(info).toMatchObject({
      version: '9.9.9',
      startTime: '2025-01-15T08:15:00.000Z',
      uptime: '2h15m30s',
    });
    const status = data(await api.checked('GET', '/api/v1/status'));
    expect(status).toMatchObject({ status: 'degraded', errorCount: 1, totalServices: 2 });
    const diag = data(await api.checked('GET', '/api/v1/diagnostics'));
    expect(diag.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'connection-refused', serviceKey: 'db.data.kind' }),
      ]),
    );
    const analysis = data(await api.checked('GET', '/api/v1/analyze'));
    expect(analysis.suggestedActions).toEqual([
      expect.objectContaining({
        action: 'reconnect',
        target: 'db.data.kind',
        endpoint: '/api/v1/services/db.data.kind/reconnect',
      }),
    ]);
    const fwd = data(await api.checked('GET', '/api/v1/diagnostics/forwards/db.data.kind.db-0.5432'));
    expect(fwd).toMatchObject({ kind: 'connection-refused', status: 'error' });
  });

  it('answers health bare: 200 healthy, 503 while syncing, without a token', async () => {
    const ok = await api.checked('GET', '/api/health', { token: false });
    expect(Object.keys(ok.json as object)).toEqual(['status', 'timestamp']);
    expect((ok.json as { status: string }).status).toBe('healthy');
    api.fake.setHealth('syncing');
    const syncing = await api.checked('GET', '/api/health', { token: false });
    expect([syncing.status, (syncing.json as { status: string }).status]).toEqual([503, 'syncing']);
    expect(data(await api.checked('GET', '/api/v1/status')).status).toBe('syncing');
  });

  it('filters logs by level and service, and clears them', async () => {
    api.fake.log('debug', 'noise');
    api.fake.log('error', 'boom', 'api.default.kind');
    api.fake.log('warn', 'careful', 'db.data.kind');
    const errors = data(await api.checked('GET', '/api/v1/logs?level=warning'));
    expect((errors.logs as Array<{ message: string }>).map((l) => l.message)).toEqual(['boom', 'careful']);
    const svc = data(await api.checked('GET', '/api/v1/logs?service=api.default'));
    expect((svc.logs as Array<{ message: string }>).map((l) => l.message)).toEqual(['boom']);
    const system = data(await api.checked('GET', '/api/v1/logs/system?count=2'));
    expect(system.totalCount).toBe(4);
    expect((system.logs as Array<{ message: string }>).map((l) => l.message)).toEqual(['careful', 'boom']);
    await api.checked('DELETE', '/api/v1/logs/system');
    expect(data(await api.checked('GET', '/api/v1/logs')).logs).toEqual([]);
  });

  it('lists history events with a type filter, dotted or CamelCase', async () => {
    await api.checked('POST', '/api/v1/services', { body: { namespace: 'default', service_name: 'web' } });
    await api.checked('POST', '/api/v1/namespaces', { body: { namespace: 'staging' } });
    const added = list(await api.checked('GET', '/api/v1/history/events?type=ServiceAdded'));
    expect((added as Array<{ type: string }>).map((e) => e.type)).toEqual(['service.added']);
    const both = list(
      await api.checked('GET', '/api/v1/history/events?type=service.added,namespace.added&count=1'),
    );
    expect((both as Array<{ type: string }>).map((e) => e.type)).toEqual(['namespace.added']);
  });

  it('serves Prometheus text and observes requests by route pattern, not path', async () => {
    const m = await api.call('GET', '/metrics');
    expect([m.status, m.headers['content-type']]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
    expect(m.text).toContain('kubefwd_up 1');
    await api.call('GET', '/api/v1/services/api.default.kind');
    await api.call('GET', '/api/v1/services/db.data.kind');
    await api.call('GET', '/nope');
    const routes = api.observed.map((o) => `${o.method} ${o.route} ${o.status}`);
    expect(routes.filter((r) => r === 'GET /api/v1/services/:key 200')).toHaveLength(2);
    expect(routes).toContain('GET unmatched 404');
    expect(api.observed.every((o) => o.seconds >= 0 && o.seconds < 10)).toBe(true);
  });

  it('serves openapi.yaml without a token', async () => {
    const a = await api.call('GET', '/openapi.yaml', { token: false });
    expect([a.status, a.headers['content-type']]).toEqual([200, 'application/yaml; charset=utf-8']);
    expect(a.text).toMatch(/^openapi: 3\.1\.0/);
  });
});
