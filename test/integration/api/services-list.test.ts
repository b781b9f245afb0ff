import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schemas } from '../../../src/contract/contract.ts';
import type { KObject } from '../../../src/sim/store.ts';
import type { SimFixture } from '../../../src/sim/fixture.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { validateResponse } from '../../helpers/openapi.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { apiBase, call } from './fixture.ts';

const KEY = 'list-key-0123456789abcdef';
// Ports no other test forwards: tests of several files run at once on the same loopback IPs.
const PORT = 18_610;

const service = (name: string, namespace: string, app: string, targetPort: number | string): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector: { app }, ports: [{ port: PORT, targetPort }] },
});

/**
 * Two namespaces with the same service names (the list orders by name, then key): services on a ready pod
 * (active once their pod's session is open), services whose target port the pod does
 * not name and services without pods (pending).
 */
const fixture: SimFixture = {
  clusters: [
    {
      name: 'list',
      objects: ['pa', 'pb'].flatMap((ns) => [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web-0', namespace: ns, labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'web', image: 'sim', ports: [{ containerPort: 3000, name: 'http' }] }],
          },
        },
        ...['web-a', 'web-b', 'web-c'].map((name) => service(name, ns, 'web', 3000)),
        ...(ns === 'pa' ? ['bad-a', 'bad-b'].map((name) => service(name, ns, 'web', 'nope')) : []),
        ...['idle-a', 'idle-b'].map((name) => service(name, ns, 'none', 3000)),
      ]),
    },
  ],
};

/** A service as the contract describes it. */
type Service = Schemas['Service'];

/** The summary of a list as the views in it add up. */
const summaryOf = (xs: Service[]) => ({
  totalServices: xs.length,
  activeServices: xs.filter((s) => s.status === 'active').length,
  totalForwards: xs.reduce((n, s) => n + s.forwards.length, 0),
  activeForwards: xs.reduce((n, s) => n + s.activeCount, 0),
  errorCount: xs.reduce((n, s) => n + s.errorCount, 0),
  totalBytesIn: xs.reduce((n, s) => n + s.totalBytesIn, 0),
  totalBytesOut: xs.reduce((n, s) => n + s.totalBytesOut, 0),
  rateIn: xs.reduce((n, s) => n + s.rateIn, 0),
  rateOut: xs.reduce((n, s) => n + s.rateOut, 0),
});

let env: DaemonEnv;
let base: string;
const list = async (query: string) => {
  const r = await call(base, KEY, 'GET', `/api/v1/services${query}`);
  expect(r.status, r.text).toBe(200);
  expect(validateResponse('/api/v1/services', 'get', 200, r.json)).toEqual([]);
  return {
    services: r.json.data.services as Service[],
    summary: r.json.data.summary as Record<string, number>,
    meta: r.json.meta,
  };
};

beforeAll(async () => {
  env = await startDaemonEnv(fixture, { namespaces: ['pa', 'pb'], api: true, apiKey: KEY });
  base = apiBase(env);
}, 30_000);
afterAll(async () => env?.close());

describe('GET /api/v1/services pages and filters', () => {
  it('answers every combination of filter, search, offset and limit as the whole list says', async () => {
    const first = await list('?limit=1000');
    const web = first.services.find((s) => s.key === 'web-a.pa.list');
    if (!web) throw new Error('web-a.pa.list is not forwarded');
    // A connection through web-a.pa opens a session to its pod; the statuses settle once every pod has one.
    const socket = net.connect(PORT, web.localIP);
    socket.on('error', () => undefined);
    try {
      // The summary and the status filter follow state that changes without an event (a forward choosing a pod
      // whose session is open already) within a second: wait until they say what the views say.
      let all: Service[] = [];
      await waitFor(
        async () => {
          const r = await list('?limit=1000');
          all = r.services;
          return (
            all.filter((s) => s.serviceName.startsWith('web-')).every((s) => s.status === 'active') &&
            JSON.stringify(r.summary) === JSON.stringify(summaryOf(all))
          );
        },
        {
          timeoutMs: 10_000,
          message: 'the services on web-0 never became active in the list and its summary',
        },
      );
      expect(all.map((s) => s.key)).toEqual([
        'bad-a.pa.list',
        'bad-b.pa.list',
        'idle-a.pa.list',
        'idle-a.pb.list',
        'idle-b.pa.list',
        'idle-b.pb.list',
        'web-a.pa.list',
        'web-a.pb.list',
        'web-b.pa.list',
        'web-b.pb.list',
        'web-c.pa.list',
        'web-c.pb.list',
      ]);
      expect(new Set(all.map((s) => s.status))).toEqual(new Set(['active', 'pending']));
      const filters: Array<[string, (s: Service) => boolean]> = [
        ['', () => true],
        ['status=error', (s) => s.status === 'error'],
        ['status=active&namespace=pb', (s) => s.status === 'active' && s.namespace === 'pb'],
        ['status=pending', (s) => s.status === 'pending'],
        ['status=active', (s) => s.status === 'active'],
        ['status=partial', (s) => s.status === 'partial'],
        ['namespace=pb', (s) => s.namespace === 'pb'],
        ['namespace=pa&status=pending', (s) => s.namespace === 'pa' && s.status === 'pending'],
        ['context=list&namespace=pa', (s) => s.context === 'list' && s.namespace === 'pa'],
        ['context=other', () => false],
      ];
      const searches = ['', 'WEB', 'idle-b', '.pb', 'nothing'];
      const pages: Array<[number, number]> = [
        [0, 1000],
        [0, 2],
        [1, 3],
        [5, 100],
        [11, 1],
        [40, 5],
      ];
      for (const [filter, keep] of filters)
        for (const search of searches)
          for (const [offset, limit] of pages) {
            const q = `?${filter}&search=${encodeURIComponent(search)}&offset=${offset}&limit=${limit}`;
            const got = await list(q);
            const filtered = all.filter(keep);
            const matched = filtered.filter((s) =>
              `${s.serviceName} ${s.namespace} ${s.context}`.toLowerCase().includes(search.toLowerCase()),
            );
            const want = matched.slice(offset, offset + limit);
            expect(
              got.services.map((s) => s.key),
              q,
            ).toEqual(want.map((s) => s.key));
            expect(got.meta, q).toMatchObject({ count: want.length, total: matched.length });
            expect(got.summary, q).toEqual(summaryOf(filtered));
          }
      // The default page is 100 from the start.
      expect((await list('')).meta).toMatchObject({ count: all.length, total: all.length });
    } finally {
      socket.destroy();
    }
  });

  it('shows a connection through a service in the list read right after (the kept texts never hide a change)', async () => {
    const entry = async () => {
      const got = (await list('?limit=1000')).services.find((s) => s.key === 'web-c.pb.list');
      if (!got) throw new Error('web-c.pb.list is not in the list');
      return got;
    };
    // Read twice: the second answer is written from the texts the first one kept.
    await entry();
    const before = await entry();
    const total = (s: Service) => s.forwards.reduce((n, f) => n + f.connectionsTotal, 0);
    const socket = net.connect(PORT, before.localIP);
    socket.on('error', () => undefined);
    try {
      const answered = once(socket, 'data');
      socket.write('GET / HTTP/1.1\r\nHost: web-c\r\n\r\n');
      await answered;
      const during = await entry();
      expect(during.forwards.reduce((n, f) => n + f.connectionsActive, 0)).toBe(1);
      expect(total(during)).toBe(total(before) + 1);
      expect(during.totalBytesIn).toBeGreaterThan(before.totalBytesIn);
      expect(during.totalBytesOut).toBeGreaterThan(before.totalBytesOut);
    } finally {
      socket.destroy();
    }
    await waitFor(async () => (await entry()).forwards.every((f) => f.connectionsActive === 0), {
      timeoutMs: 10_000,
      message: 'the connection never closed in the list',
    });
    // Kept again once idle: the list's entry says what the service's own (never kept) view says.
    await entry();
    const after = await entry();
    const own = await call(base, KEY, 'GET', '/api/v1/services/web-c.pb.list');
    const fresh = own.json.data as Service;
    expect(total(after)).toBe(total(before) + 1);
    expect([after.totalBytesIn, after.totalBytesOut, after.status]).toEqual([
      fresh.totalBytesIn,
      fresh.totalBytesOut,
      fresh.status,
    ]);
    expect(after.forwards.map((f) => [f.key, f.lastActive, f.connectionsTotal])).toEqual(
      fresh.forwards.map((f) => [f.key, f.lastActive, f.connectionsTotal]),
    );
  });

  it('refuses a bad status, limit or offset with BAD_REQUEST', async () => {
    for (const q of ['status=busy', 'limit=0', 'limit=1001', 'offset=-1', 'limit=x']) {
      const r = await call(base, KEY, 'GET', `/api/v1/services?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json.error?.code, q).toBe('BAD_REQUEST');
    }
  });

  it('says the length of the list it writes in parts, and answers HEAD with the headers alone', async () => {
    const url = `${base}/api/v1/services?limit=5`;
    const headers = { Authorization: `Bearer ${KEY}` };
    const get = await fetch(url, { headers });
    const body = Buffer.from(await get.arrayBuffer());
    expect(get.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(get.headers.get('content-length'))).toBe(body.length);
    expect((JSON.parse(body.toString()) as { data: { services: unknown[] } }).data.services).toHaveLength(5);
    const head = await fetch(url, { method: 'HEAD', headers });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(body.length);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});
