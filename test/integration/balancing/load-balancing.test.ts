import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimFixture } from '../../../src/sim/fixture.ts';
import type { KObject } from '../../../src/sim/store.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const pod = (name: string, app: string, annotations: Record<string, string> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'rel', labels: { app }, annotations },
  spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
});
const svc = (name: string, port: number, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'rel' },
  spec: { selector: { app: name }, ports: [{ port, targetPort: 8080 }], ...extra },
});
const fixture: SimFixture = {
  clusters: [
    {
      name: 'lb',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rel' } },
        svc('spread', 29080),
        ...['a', 'b', 'c'].map((x) => pod(`spread-${x}`, 'spread')),
        svc('busy', 29081),
        ...['a', 'b', 'c'].map((x) => pod(`busy-${x}`, 'busy')),
        svc('sticky', 29082, {
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
        }),
        ...['a', 'b', 'c'].map((x) => pod(`sticky-${x}`, 'sticky')),
        svc('head', 29083, { clusterIP: 'None' }),
        ...['a', 'b', 'c'].map((x) => pod(`head-${x}`, 'head')),
      ],
    },
  ],
};

let env: DaemonEnv;
beforeAll(async () => {
  env = await startDaemonEnv(fixture);
});
afterAll(async () => env?.close());

const record = (name: string) => {
  const r = env.daemon.engine?.registry.get(`${name}.rel.lb`);
  if (!r) throw new Error(`${name} is not forwarded`);
  return r;
};

function get(
  name: string,
  port: number,
  options: { path?: string; localAddress?: string; host?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(
        {
          host: options.host ?? record(name).ip,
          port,
          path: options.path ?? '/',
          agent: false,
          localAddress: options.localAddress,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve((JSON.parse(body) as { pod: string }).pod));
        },
      )
      .on('error', reject);
  });
}

/** One request to start using the service, then every endpoint's session connected. */
async function warm(name: string, port: number): Promise<void> {
  await get(name, port);
  await waitFor(() => {
    const eps = record(name).forward.endpoints();
    return eps.length === 3 && eps.every((e) => e.connected);
  });
}

const tally = (pods: string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const p of pods) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
};

describe('load balancing over ready endpoints', () => {
  it('round-robin: 300 connections over 3 ready pods, max/min ≤ 1.2; per-endpoint counts agree', async () => {
    await warm('spread', 29080);
    const before = new Map(
      record('spread')
        .forward.endpoints()
        .map((e) => [e.pod, e.connectionsTotal]),
    );
    const served: string[] = [];
    for (let batch = 0; batch < 30; batch++)
      served.push(...(await Promise.all(Array.from({ length: 10 }, () => get('spread', 29080)))));
    const counts = [...tally(served).values()];
    expect(counts).toHaveLength(3);
    expect(Math.max(...counts) / Math.min(...counts)).toBeLessThanOrEqual(1.2);
    await waitFor(() =>
      record('spread')
        .forward.endpoints()
        .every((e) => e.connectionsActive === 0),
    );
    for (const e of record('spread').forward.endpoints()) {
      expect(e.connectionsTotal - (before.get(e.pod) ?? 0)).toBe(tally(served).get(e.pod));
      expect(e.bytesIn).toBeGreaterThan(0);
      expect(e.bytesOut).toBeGreaterThan(0);
    }
  });

  it('least-conn steers new connections away from the pod holding long transfers', async () => {
    record('busy').forward.setPolicy('least-conn');
    await warm('busy', 29081);
    // Four long uploads still under way (a paused download would stall its pod's whole session, as with kubectl:
    // the port-forward protocol has no per-stream flow control): least-conn places them 2-1-1.
    const held: http.ClientRequest[] = [];
    for (let i = 0; i < 4; i++) {
      const req = http.request({
        host: record('busy').ip,
        port: 29081,
        method: 'POST',
        path: '/upload',
        agent: false,
        headers: { 'Content-Length': '100000000' },
      });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(1000));
      held.push(req);
      await waitFor(
        () =>
          record('busy')
            .forward.endpoints()
            .reduce((n, e) => n + e.connectionsActive, 0) ===
          i + 1,
      );
    }
    try {
      const loaded = record('busy')
        .forward.endpoints()
        .find((e) => e.connectionsActive === 2)?.pod;
      expect(loaded).toBeDefined();
      const served: string[] = [];
      for (let i = 0; i < 30; i++) {
        served.push(await get('busy', 29081));
      }
      expect(served).not.toContain(loaded);
      expect(new Set(served).size).toBe(2);
    } finally {
      for (const r of held) r.destroy();
    }
  });

  it('sessionAffinity ClientIP keeps each client address on one pod', async () => {
    await warm('sticky', 29082);
    for (const localAddress of ['127.0.0.5', '127.0.0.6', '127.0.0.7']) {
      const served: string[] = [];
      for (let i = 0; i < 20; i++) served.push(await get('sticky', 29082, { localAddress }));
      expect(new Set(served).size).toBe(1);
    }
    expect(record('sticky').forward.balancing().affinityMs).toBe(60_000);
  });

  it("headless: each pod's own name keeps going to its pod; the service's name spreads over them", async () => {
    await warm('head', 29083);
    const spread: string[] = [];
    for (let i = 0; i < 30; i++) spread.push(await get('head', 29083));
    expect(new Set(spread)).toEqual(new Set(['head-a', 'head-b', 'head-c']));
    const perPod = record('head').podForwards;
    expect([...perPod.keys()].sort()).toEqual(['head-a', 'head-b', 'head-c']);
    for (const [name, entry] of perPod) {
      const served = new Set<string>();
      for (let i = 0; i < 6; i++) served.add(await get('head', 29083, { host: entry.ip }));
      expect(served).toEqual(new Set([name]));
    }
  });

  it('first keeps every connection on the oldest ready pod, as before', async () => {
    record('spread').forward.setPolicy('first');
    try {
      const served: string[] = [];
      for (let i = 0; i < 30; i++) served.push(await get('spread', 29080));
      expect(new Set(served)).toEqual(new Set([record('spread').forward.snapshot()[0]?.podName]));
    } finally {
      record('spread').forward.setPolicy(undefined);
    }
    expect(record('spread').forward.balancing()).toMatchObject({
      policy: 'round-robin',
      override: undefined,
    });
  });
});
