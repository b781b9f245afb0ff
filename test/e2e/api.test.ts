import { execFile, spawn } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { EventSource } from 'eventsource';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { ORIGINAL_HOSTS, ipOf, startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { SPEC, validateResponse } from '../helpers/openapi.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const KEY = 'e2e-secret-key';
let env: E2eEnv;
let cli: CliProcess;
let base: string;

beforeAll(async () => {
  env = await startE2eEnv();
  cli = runCli(['-x', 'one', '--api-addr', '127.2.27.1:0', ...env.flags()], {
    env: { KUBEFWD_API_KEY: KEY },
  });
  const m = await cli.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000);
  base = m[1] as string;
});
afterAll(async () => {
  await cli?.stop('SIGTERM');
  await env?.close();
});

async function api(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${KEY}`,
      ...(options.body !== undefined || options.raw ? { 'Content-Type': 'application/json' } : {}),
      ...options.headers,
    },
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    json: json as { success: boolean; data: Record<string, unknown>; error?: { code: string } },
    text,
    headers: res.headers,
  };
}

/** Calls and checks the answer against openapi.yaml. */
async function checked(
  method: string,
  template: string,
  path: string,
  options: Parameters<typeof api>[2] = {},
) {
  const r = await api(method, path, options);
  expect(
    validateResponse(template, method, r.status, r.json),
    `${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`,
  ).toEqual([]);
  return r;
}

describe('idle mode end to end through the REST API', () => {
  it('starts idle, then forwards a namespace and a single service added through the API, with SSE, metrics, captures', async () => {
    expect(cli.stdout()).toMatch(/Idle mode/);
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(validateResponse('/api/health', 'get', 200, await health.json())).toEqual([]);

    const events: Array<{ type: string; data: Record<string, unknown> }> = [];
    const es = new EventSource(`${base}/api/v1/events`, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${KEY}` } }),
    });
    for (const t of ['service.added', 'service.removed', 'namespace.added', 'forward.connected']) {
      es.addEventListener(t, (e) =>
        events.push({
          type: t,
          data: JSON.parse((e as { data: string }).data) as Record<string, unknown>,
        }),
      );
    }
    await new Promise<void>((resolve, reject) => {
      es.onopen = () => resolve();
      es.onerror = () => reject(new Error('SSE failed'));
    });
    const curlSse = spawn('curl', [
      '-sN',
      '-H',
      `Authorization: Bearer ${KEY}`,
      `${base}/api/v1/events?type=ServiceAdded`,
    ]);
    let curlOut = '';
    curlSse.stdout.on('data', (d: Buffer) => (curlOut += d.toString()));
    await waitFor(() => curlOut.includes(': connected'), { timeoutMs: 5000 });

    const added = await checked('POST', '/api/v1/services', '/api/v1/services', {
      body: { namespace: 'alpha', service_name: 'web' },
    });
    expect(added.status, added.text).toBe(201);
    const ip = added.json.data.localIP as string;
    expect(ipOf(env.hosts(), 'web.alpha')).toBe(ip);
    expect(
      (
        await checked('POST', '/api/v1/services', '/api/v1/services', {
          body: { namespace: 'alpha', service_name: 'web' },
        })
      ).json.error?.code,
    ).toBe('ALREADY_EXISTS');
    const ns = await checked('POST', '/api/v1/namespaces', '/api/v1/namespaces', {
      body: { namespace: 'beta' },
    });
    expect(ns.status).toBe(201);
    await waitFor(() => ipOf(env.hosts(), 'db-0.db.beta'), { timeoutMs: 10_000 });
    await waitFor(() => events.some((e) => e.type === 'service.added' && e.data.key === 'web.alpha.one'), {
      timeoutMs: 5000,
    });
    await waitFor(() => curlOut.includes('event: service.added'), { timeoutMs: 5000 });
    expect(curlOut).not.toContain('event: namespace.added');

    // Traffic made with curl: counted, sampled into history, captured.
    for (let i = 0; i < 5; i++)
      await run('curl', ['-s', '-o', '/dev/null', `http://${ip}:8080/captured/${i}`]);
    const list = await checked('GET', '/api/v1/services', '/api/v1/services');
    const web = (list.json.data.services as Array<Record<string, unknown>>).find(
      (s) => s.key === 'web.alpha.one',
    );
    expect(web?.totalBytesIn).toBeGreaterThan(0);
    const http = await checked(
      'GET',
      '/api/v1/services/{key}/http',
      '/api/v1/services/web.alpha.one/http?count=10',
    );
    const logs = http.json.data.logs as Array<{ path: string; statusCode: number; method: string }>;
    expect(logs.map((l) => l.path)).toEqual([
      '/captured/0',
      '/captured/1',
      '/captured/2',
      '/captured/3',
      '/captured/4',
    ]);
    expect(logs.every((l) => l.statusCode === 200 && l.method === 'GET')).toBe(true);
    expect((logs as unknown as Array<{ pod: string }>).every((l) => /^web-/.test(l.pod))).toBe(true);

    // Endpoints: connections and bytes per pod; the service's own balancing policy, set and cleared.
    const eps = await checked(
      'GET',
      '/api/v1/services/{key}/endpoints',
      '/api/v1/services/web.alpha.one/endpoints',
    );
    const endpoints = eps.json.data.endpoints as Array<{
      pod: string;
      connectionsTotal: number;
      bytesIn: number;
    }>;
    expect(endpoints.reduce((n, e) => n + e.connectionsTotal, 0)).toBe(5);
    expect(endpoints.every((e) => e.bytesIn > 0 === e.connectionsTotal > 0)).toBe(true);
    expect(eps.json.data.balancing).toMatchObject({ policy: 'round-robin', override: null });
    const set = await checked(
      'PUT',
      '/api/v1/services/{key}/balancing',
      '/api/v1/services/web.alpha.one/balancing',
      {
        body: { policy: 'least-conn' },
      },
    );
    expect(set.json.data.balancing).toMatchObject({ policy: 'least-conn', override: 'least-conn' });
    const wrong = await checked(
      'PUT',
      '/api/v1/services/{key}/balancing',
      '/api/v1/services/web.alpha.one/balancing',
      {
        body: { policy: 'random' },
      },
    );
    expect([wrong.status, wrong.json.error?.code]).toEqual([400, 'BAD_REQUEST']);
    const missing = await checked(
      'PUT',
      '/api/v1/services/{key}/balancing',
      '/api/v1/services/nope.alpha.one/balancing',
      {
        body: { policy: null },
      },
    );
    expect(missing.status).toBe(404);
    const reset = await checked(
      'PUT',
      '/api/v1/services/{key}/balancing',
      '/api/v1/services/web.alpha.one/balancing',
      {
        body: { policy: null },
      },
    );
    expect(reset.json.data.balancing).toMatchObject({ policy: 'round-robin', override: null });
    const fwdKey = (web?.forwards as Array<{ key: string }>)[0]?.key as string;
    await checked('GET', '/api/v1/forwards/{key}/http', `/api/v1/forwards/${fwdKey}/http`);
    await waitFor(
      async () => {
        const h = await checked(
          'GET',
          '/api/v1/metrics/services/{key}/history',
          '/api/v1/metrics/services/web.alpha.one/history?duration=1m&interval=1s',
        );
        return (h.json.data.points as Array<{ bytesIn: number }>).some((p) => p.bytesIn > 0);
      },
      { timeoutMs: 5000 },
    );
    const logs2 = await checked('GET', '/api/v1/logs', '/api/v1/logs?service=web.alpha.one&level=info');
    expect((logs2.json.data.logs as Array<{ message: string }>).map((l) => l.message)).toContain(
      'forwarding web.alpha.one on ' + ip,
    );
    const metrics = await checked('GET', '/api/v1/metrics', '/api/v1/metrics');
    expect(metrics.json.data.totalBytesIn).toBeGreaterThan(0);

    // Every other read route answers per the spec.
    for (const [template, path] of [
      ['/api/info', '/api/info'],
      ['/api/v1/forwards', '/api/v1/forwards?status=active'],
      ['/api/v1/namespaces', '/api/v1/namespaces'],
      ['/api/v1/namespaces/{key}', '/api/v1/namespaces/beta.one'],
      ['/api/v1/metrics/services', '/api/v1/metrics/services'],
      ['/api/v1/metrics/history', '/api/v1/metrics/history?duration=1h&interval=1m'],
      ['/api/v1/diagnostics', '/api/v1/diagnostics'],
      ['/api/v1/diagnostics/network', '/api/v1/diagnostics/network'],
      ['/api/v1/history/events', '/api/v1/history/events?count=20'],
      ['/api/v1/history/stats', '/api/v1/history/stats'],
      ['/api/v1/logs', '/api/v1/logs?count=5'],
      ['/api/v1/kubernetes/contexts', '/api/v1/kubernetes/contexts'],
      ['/api/v1/kubernetes/namespaces', '/api/v1/kubernetes/namespaces'],
      ['/api/v1/kubernetes/services', '/api/v1/kubernetes/services?namespace=alpha'],
      ['/api/v1/kubernetes/pods/{namespace}', '/api/v1/kubernetes/pods/alpha?service_name=web'],
      [
        '/api/v1/kubernetes/pods/{namespace}/{podName}/logs',
        '/api/v1/kubernetes/pods/beta/db-0/logs?tail_lines=3',
      ],
      ['/api/v1/kubernetes/endpoints/{namespace}/{serviceName}', '/api/v1/kubernetes/endpoints/alpha/web'],
      ['/api/v1/kubernetes/events/{namespace}', '/api/v1/kubernetes/events/alpha'],
    ] as const) {
      const r = await checked('GET', template, path);
      expect(r.status, path).toBe(200);
    }

    // A reconnection asked for through the API is in the service's reconnection history (documented path and the
    // older one).
    await checked('POST', '/api/v1/services/{key}/reconnect', '/api/v1/services/web.alpha.one/reconnect');
    for (const [template, path] of [
      [
        '/api/v1/services/{key}/history/reconnections',
        '/api/v1/services/web.alpha.one/history/reconnections',
      ],
      ['/api/v1/history/reconnections/{key}', '/api/v1/history/reconnections/web.alpha.one'],
    ] as const) {
      const r = await checked('GET', template, path);
      expect((r.json.data as unknown as Array<{ data: { key: string } }>).map((e) => e.data.key)).toContain(
        'web.alpha.one',
      );
    }

    // Remove everything: the hosts file returns to its original bytes.
    expect((await checked('DELETE', '/api/v1/services/{key}', '/api/v1/services/web.alpha.one')).status).toBe(
      200,
    );
    expect((await checked('DELETE', '/api/v1/namespaces/{key}', '/api/v1/namespaces/beta.one')).status).toBe(
      200,
    );
    await waitFor(() => events.some((e) => e.type === 'service.removed'), { timeoutMs: 5000 });
    const hosts = env.hosts();
    // Only the API's own name is left, in our marked block; every other line is as before.
    const ours = (l: string): boolean =>
      l.startsWith('# kubefwd managed block') || l === '127.2.27.1 kubefwd.internal';
    expect(
      hosts
        .split('\n')
        .filter((l) => !ours(l))
        .join('\n'),
    ).toBe(ORIGINAL_HOSTS);
    expect(hosts.split('\n').filter((l) => l.startsWith('127.'))).toEqual([
      '127.0.0.1 localhost',
      '127.2.27.1 kubefwd.internal',
    ]);
    es.close();
    curlSse.kill();
  });

  it('refuses what it must: token, Host, Origin, size, JSON, unknown routes', async () => {
    expect(
      (await api('GET', '/api/v1/services', { headers: { Authorization: 'Bearer wrong' } })).json.error?.code,
    ).toBe('UNAUTHORIZED');
    expect((await api('GET', '/api/v1/services', { headers: { Authorization: '' } })).status).toBe(401);
    const rebind = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${base}/api/v1/services`);
      request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          headers: { Host: 'attacker.example', Authorization: `Bearer ${KEY}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(rebind).toBe(403);
    const cross = await api('POST', '/api/v1/namespaces', {
      body: { namespace: 'alpha' },
      headers: { Origin: 'https://evil.example' },
    });
    expect(cross.status).toBe(403);
    const local = await api('GET', '/api/v1/services', { headers: { Origin: 'http://localhost:3000' } });
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(
      (await api('POST', '/api/v1/namespaces', { raw: JSON.stringify({ namespace: 'x'.repeat(100_000) }) }))
        .json.error?.code,
    ).toBe('PAYLOAD_TOO_LARGE');
    expect((await api('POST', '/api/v1/namespaces', { raw: '{"namespace": ' })).json.error?.code).toBe(
      'BAD_REQUEST',
    );
    expect(
      (await api('POST', '/api/v1/namespaces', { body: { namespace: 'Bad Name\n' } })).json.error?.code,
    ).toBe('BAD_REQUEST');
    expect((await api('GET', '/api/v1/nope')).json.error?.code).toBe('NOT_FOUND');
    expect((await api('GET', '/api/v1/services/%E0%A4%A')).status).toBeLessThan(500);
    expect((await api('GET', '/api/v1/metrics/history?duration=5years')).json.error?.code).toBe(
      'BAD_REQUEST',
    );
    const res = await api('GET', '/api/v1/services');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('survives 10,000 requests generated from openapi.yaml with hostile values: no 5xx, hosts file intact', async () => {
    const ops = Object.entries(SPEC.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => !['streamEvents', 'streamLogs'].includes(op.operationId))
        .map(([method, op]) => ({ path, method, op })),
    );
    const hostile = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '../../etc/passwd',
        '%00',
        'a\r\nX-Injected: 1',
        '127.0.0.1 evil',
        '#',
        '\u202e',
        'x'.repeat(300),
        '-1',
        '99999999999',
        'alpha',
        'web.alpha.one',
        'true',
      ),
    );
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ops),
        fc.array(hostile, { minLength: 4, maxLength: 4 }),
        async ({ path, method, op }, values) => {
          let i = 0;
          const url = path.replace(/\{\w+\}/g, () =>
            encodeURIComponent(values[i++ % values.length] as string),
          );
          const query = (op.parameters ?? [])
            .filter((p) => p.in === 'query')
            .map((p, j) => `${p.name}=${encodeURIComponent(values[j % values.length] as string)}`)
            .join('&');
          const body =
            method === 'post'
              ? { namespace: values[0], service_name: values[1], context: values[2], selector: values[3] }
              : undefined;
          const r = await api(
            method.toUpperCase(),
            `${url}${query ? `?${query}` : ''}`,
            body ? { body } : {},
          );
          calls++;
          expect(r.status, `${method} ${url}?${query} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
          if (r.json) expect(typeof r.json.success === 'boolean' || path === '/api/health').toBe(true);
        },
      ),
      { numRuns: 10_000 },
    );
    expect(calls).toBe(10_000);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    for (const line of env.hosts().split('\n')) expect(line).not.toMatch(/evil|Injected|passwd/);
  });
});
