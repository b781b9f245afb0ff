import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { resourceByName } from './resources.ts';
import type { Simulator } from './index.ts';

export interface ControlServer {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
}

/**
 * Fault injection from outside the process (documented in docs/simulator.md). Plain HTTP on loopback, POST only for
 * changes; answers JSON.
 */
export function createControlServer(sim: Simulator, host: string): ControlServer {
  let url = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://control');
      const seg = u.pathname.split('/').filter(Boolean);
      const reply = (code: number, body: unknown): void => {
        res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      };
      try {
        if (seg[0] !== 'clusters' || !seg[1])
          return reply(200, {
            clusters: sim.clusters().map((c) => ({ name: c.name, url: c.url, version: c.version })),
          });
        const c = sim.cluster(seg[1]);
        const action = seg.slice(2).join('/');
        if (req.method === 'GET' && action === 'requests') return reply(200, c.requestCounts());
        if (req.method !== 'POST') return reply(405, { error: 'use POST' });
        const q = (k: string): string | null => u.searchParams.get(k);
        const pod = /^pods\/([^/]+)\/([^/]+)\/(delete|ready|unready|reset)$/.exec(action);
        if (pod?.[1] && pod[2] && pod[3]) {
          const [, ns, name, what] = pod;
          if (what === 'delete') {
            const grace = q('gracePeriodSeconds');
            c.remove(resourceByName.get('pods')!, ns, name, {
              gracePeriodSeconds: grace === null ? undefined : Number(grace),
            });
          } else if (what === 'reset') return reply(200, { sessions: c.pf.resetPod(ns, name) });
          else c.runtime.setReady(ns, name, what === 'ready');
          return reply(200, { ok: true });
        }
        if (action === 'watches/close') return reply(200, { closed: c.store.closeWatches() });
        if (action === 'expire') {
          c.store.expire();
          return reply(200, { ok: true });
        }
        if (action === 'restart') {
          await c.restart(Number(q('downMs') ?? 0));
          return reply(200, { ok: true, url: c.url });
        }
        if (action === 'latency') {
          c.setLatency(Number(q('ms') ?? 0));
          return reply(200, { ok: true });
        }
        if (action === 'fail') {
          c.failNext(
            Number(q('count') ?? 1),
            Number(q('status') ?? 500),
            Number(q('retryAfter') ?? 0) || undefined,
          );
          return reply(200, { ok: true });
        }
        return reply(404, { error: `unknown action ${action}` });
      } catch (err) {
        reply(400, { error: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
  return {
    async start() {
      server.listen(0, host);
      await once(server, 'listening');
      url = `http://${host}:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
    get url() {
      return url;
    },
  };
}
