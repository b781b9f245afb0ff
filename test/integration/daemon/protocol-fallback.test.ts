import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureCluster } from '../../../src/sim/fixture.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const cluster = (name: string, extra: Partial<FixtureCluster>): FixtureCluster => ({
  name,
  ...extra,
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rel' } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'rel' },
      spec: { selector: { app: 'web' }, ports: [{ port: 28180, targetPort: 8080 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `web-${name}`, namespace: 'rel', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
    },
  ],
});

const podBehind = (ip: string): Promise<string> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: ip, port: 28180, agent: false, timeout: 3000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve((JSON.parse(body) as { pod: string }).pod));
      })
      .on('error', reject);
  });

let env: DaemonEnv;
beforeAll(async () => {
  env = await startDaemonEnv(
    {
      clusters: [
        cluster('plain', {}),
        // Behind a proxy that passes WebSockets only: a 1.32 server has the tunnel, a 1.30 one only the old channels.
        cluster('proxied', { spdyUpgrade: false }),
        cluster('old', { version: '1.30', spdyUpgrade: false }),
      ],
    },
    { contexts: ['plain', 'proxied', 'old'] },
  );
});
afterAll(async () => env?.close());

describe('port-forward protocol per context', () => {
  it('SPDY where it gets through; the WebSocket tunnel, then legacy WebSockets, where a proxy strips it', async () => {
    const engine = env.daemon.engine;
    if (!engine) throw new Error('the daemon has no engine');
    await waitFor(() => engine.registry.list().length === 3, { timeoutMs: 10_000 });
    for (const r of engine.registry.list()) {
      expect(await podBehind(r.ip)).toBe(`web-${r.context}`);
    }
    expect(engine.transports.all()).toEqual({
      plain: 'spdy',
      proxied: 'websocket-tunnel',
      old: 'websocket-v4',
    });
  });
});
