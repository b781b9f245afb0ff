import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  createKubefwdClient,
  type DaemonEventMessage,
  type LogRecord,
} from '../../src/client/index.ts';
import { resolveConnection } from '../../src/client/connection.ts';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { waitFor } from '../helpers/wait-for.ts';

const KEY = 'client-e2e-key';
let env: E2eEnv;
let cli: CliProcess;
let base: string;

beforeAll(async () => {
  env = await startE2eEnv();
  cli = runCli(['--api-addr', '127.2.27.1:0', ...env.flags()], { env: { KUBEFWD_API_KEY: KEY } });
  base = (await cli.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
});
afterAll(async () => {
  await cli?.stop('SIGTERM');
  await env?.close();
});

describe('the typed client against an idle daemon', () => {
  it('adds a namespace, lists its services and follows the events it causes', async () => {
    const client = createKubefwdClient({ baseUrl: base, apiKey: KEY });
    const events: DaemonEventMessage[] = [];
    const follower = client.events({ types: ['service.added'], onEvent: (e) => events.push(e) });
    const logs: LogRecord[] = [];
    const logFollower = client.logs({ level: 'info', service: 'alpha', onLog: (l) => logs.push(l) });
    await follower.opened;
    await logFollower.opened;
    try {
      const added = await client.call(
        client.api.POST('/api/v1/namespaces', { body: { namespace: 'alpha', context: 'one' } }),
      );
      expect(added.key).toBe('alpha.one');
      const listed = await waitFor(
        async () => {
          const data = await client.call(
            client.api.GET('/api/v1/services', { params: { query: { namespace: 'alpha' } } }),
          );
          return data.services.length === 2 ? data : undefined;
        },
        { timeoutMs: 10_000 },
      );
      expect(listed.services.map((s) => s.serviceName).sort()).toEqual(['multi', 'web']);
      expect(listed.summary.totalServices).toBe(2);
      await waitFor(() => events.length >= 2, { timeoutMs: 10_000 });
      expect(new Set(events.map((e) => e.type))).toEqual(new Set(['service.added']));
      expect(events.map((e) => e.data.service).sort()).toEqual(['multi', 'web']);
      // The log stream, filtered by the daemon: only records about alpha's services, each with its id.
      const line = await waitFor(() => logs.find((l) => /^forwarding web\.alpha\.one on /.test(l.message)), {
        timeoutMs: 10_000,
      });
      expect(line).toMatchObject({ level: 'info', service: 'web.alpha.one' });
      expect(line.id).toBeGreaterThan(0);
      expect(logs.every((l) => (l.service ?? '').includes('alpha'))).toBe(true);
    } finally {
      follower.close();
      logFollower.close();
    }
  });

  it('says in meta how each answer was made: count and total on lists, cache or apiserver, stale', async () => {
    const client = createKubefwdClient({ baseUrl: base, apiKey: KEY });
    const page = await client.api.GET('/api/v1/services', {
      params: { query: { namespace: 'alpha', limit: 1, offset: 1 } },
    });
    expect(page.data?.data.services).toHaveLength(1);
    expect(page.data?.meta).toMatchObject({ count: 1, total: 2, source: 'cache', stale: false });

    const live = await client.api.GET('/api/v1/kubernetes/services', {
      params: { query: { namespace: 'beta', context: 'one' } },
    });
    expect(live.data?.data.services.map((s) => s.name)).toEqual(['db', 'external', 'pending']);
    expect(live.data?.meta).toMatchObject({ count: 3, total: 3, source: 'apiserver' });
    expect(live.data?.meta).not.toHaveProperty('stale');

    const history = await client.api.GET('/api/v1/history/events', { params: { query: { count: 1 } } });
    expect(history.data?.meta.count).toBe(1);
    expect(history.data?.meta.total).toBeGreaterThan(1);
  });

  it('turns an error envelope into an ApiError with its stable code', async () => {
    const client = createKubefwdClient({ baseUrl: base, apiKey: KEY });
    const err = await client
      .call(client.api.GET('/api/v1/services/{key}', { params: { path: { key: 'nope.alpha.one' } } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('NOT_FOUND');
    expect((err as ApiError).status).toBe(404);
  });

  it('says which key was refused and when no daemon answers', async () => {
    const wrong = createKubefwdClient({ baseUrl: base, apiKey: 'wrong' });
    const unauthorized = await wrong.call(wrong.api.GET('/api/v1/services')).catch((e: unknown) => e);
    expect((unauthorized as ApiError).code).toBe('UNAUTHORIZED');
    await expect(wrong.events({ onEvent: () => undefined }).opened).rejects.toThrow(/API key required/);
    await expect(wrong.logs({ onLog: () => undefined }).opened).rejects.toThrow(
      /cannot follow the log: API key required/,
    );

    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = createKubefwdClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY });
    const unavailable = await down.call(down.api.GET('/api/v1/services')).catch((e: unknown) => e);
    expect((unavailable as ApiError).code).toBe('API_UNAVAILABLE');
    expect((unavailable as ApiError).message).toMatch(/not reachable: ECONNREFUSED/);
  });

  it('finds the key the daemon keeps in its state directory', () => {
    const conn = resolveConnection({
      apiAddr: base.replace('http://', ''),
      stateDirs: [env.stateDir],
      env: {},
    });
    expect(conn).toEqual({ baseUrl: base, apiKey: KEY, keySource: `${env.stateDir}/api-key` });
    expect(resolveConnection({ apiAddr: '127.2.27.1:80', stateDirs: [], env: {} }).keySource).toBe('none');
  });
});
