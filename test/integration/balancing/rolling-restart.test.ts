import { execFile } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimFixture } from '../../../src/sim/fixture.ts';
import type { KObject } from '../../../src/sim/store.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const run = promisify(execFile);
const hasKubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);
if (!hasKubectl) console.warn('kubectl is not installed: the rolling-restart tests are skipped');

const DOWNLOAD_BYTES = 64 * 1024 * 1024;
const svc = (name: string, port: number): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'rel' },
  spec: { selector: { app: name }, ports: [{ port, targetPort: 8080 }] },
});
const fixture: SimFixture = {
  clusters: [
    {
      name: 'roll',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rel' } },
        svc('web', 29090),
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'rel' },
          spec: {
            replicas: 3,
            selector: { matchLabels: { app: 'web' } },
            template: {
              // Replacements become ready a while after they start, as behind a readiness probe.
              metadata: { labels: { app: 'web' }, annotations: { 'kubefwd.sim/ready-after-ms': '400' } },
              spec: { containers: [{ name: 'web', image: 'sim', ports: [{ containerPort: 8080 }] }] },
            },
          },
        },
        svc('bare', 29091),
        ...['bare-a', 'bare-b'].map((name): KObject => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'rel', labels: { app: 'bare' } },
          spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
        })),
      ],
    },
  ],
};

let env: DaemonEnv;
let dir: string;
let kubeEnv: NodeJS.ProcessEnv;
beforeAll(async () => {
  env = await startDaemonEnv(fixture);
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-roll-'));
  env.sim.writeKubeconfig(join(dir, 'config'));
  kubeEnv = { ...process.env, KUBECONFIG: join(dir, 'config'), HOME: dir };
});
afterAll(async () => {
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const kubectl = (...args: string[]) =>
  run('kubectl', ['--request-timeout=10s', '-n', 'rel', ...args], { env: kubeEnv, timeout: 20_000 });
const ipOf = (name: string): string => {
  const r = env.daemon.engine?.registry.get(`${name}.rel.roll`);
  if (!r) throw new Error(`${name} is not forwarded`);
  return r.ip;
};
const livePods = (prefix: string): KObject[] =>
  env.sim
    .cluster()
    .store.peek('pods', 'rel')
    .filter((p) => p.metadata.name.startsWith(prefix));

/** Requests one after another, without pause, until stopped; counts what failed and which pods answered. */
function requestLoop(ip: string, port: number) {
  let stop = false;
  const result = { ok: 0, failed: 0, errors: [] as string[], pods: new Set<string>() };
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const fail = (why: string): void => {
        result.failed++;
        if (result.errors.length < 5) result.errors.push(why);
        resolve();
      };
      http
        .get({ host: ip, port, path: '/', agent: false, timeout: 5000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => {
            try {
              result.pods.add((JSON.parse(body) as { pod: string }).pod);
              if (res.statusCode === 200) result.ok++;
              else fail(`status ${res.statusCode}`);
              resolve();
            } catch {
              fail(`bad body ${body.slice(0, 80)}`);
            }
          });
          res.on('error', (e) => fail(e.message));
        })
        .on('error', (e) => fail(e.message))
        .on('timeout', function (this: http.ClientRequest) {
          this.destroy(new Error('timeout'));
        });
    });
  const done = (async () => {
    while (!stop) await one();
  })();
  return {
    result,
    async stop() {
      stop = true;
      await done;
      return result;
    },
  };
}

describe.skipIf(!hasKubectl)('zero-downtime handover', () => {
  it('kubectl rollout restart of a 3-replica Deployment under a request loop: 0 failed, a long download on an old pod completes intact', async () => {
    await waitFor(
      () => livePods('web-').filter((p) => (p.status as { podIP?: string })?.podIP).length === 3,
      {
        message: 'three web pods',
      },
    );
    const ip = ipOf('web');
    await waitFor(async () => {
      const loop = requestLoop(ip, 29090);
      await new Promise((r) => setTimeout(r, 50));
      return (await loop.stop()).pods.size === 3;
    });
    const old = new Set(livePods('web-').map((p) => p.metadata.name));

    // The download is held (not read) until its pod terminates, so it surely outlives the pod's readiness.
    let received = 0;
    let downloadPod: string | undefined;
    const download = new Promise<{ status: number; complete: boolean }>((resolve) => {
      http
        .get({ host: ip, port: 29090, path: `/bytes/${DOWNLOAD_BYTES}`, agent: false }, (res) => {
          res.pause();
          res.on('data', (d: Buffer) => (received += d.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, complete: res.complete }));
          res.on('error', () => resolve({ status: -1, complete: false }));
          void waitFor(
            () =>
              (downloadPod = env.daemon.engine?.registry
                .get('web.rel.roll')
                ?.forward.endpoints()
                .find((e) => e.connectionsActive > 0)?.pod),
          )
            .then(() =>
              waitFor(
                () =>
                  env.sim.cluster().store.get('pods', 'rel', downloadPod ?? '')?.metadata.deletionTimestamp,
                {
                  timeoutMs: 20_000,
                },
              ),
            )
            .finally(() => res.resume());
        })
        .on('error', () => resolve({ status: -1, complete: false }));
    });
    await waitFor(() => downloadPod);
    expect(old.has(downloadPod ?? '')).toBe(true);

    const loop = requestLoop(ip, 29090);
    expect((await kubectl('rollout', 'restart', 'deployment/web')).stdout).toMatch(/restarted/);
    await waitFor(
      () => {
        const pods = livePods('web-');
        const fresh = pods.filter((p) => !old.has(p.metadata.name) && !p.metadata.deletionTimestamp);
        return (
          fresh.length === 3 &&
          pods.filter((p) => old.has(p.metadata.name)).every((p) => p.metadata.deletionTimestamp)
        );
      },
      { timeoutMs: 20_000, message: 'all three pods replaced' },
    );
    // Traffic reaches the new pods only.
    await waitFor(async () => {
      const probe = requestLoop(ip, 29090);
      await new Promise((r) => setTimeout(r, 100));
      const seen = (await probe.stop()).pods;
      return [...seen].every((p) => !old.has(p)) && seen.size === 3;
    });
    const result = await loop.stop();
    const got = await download;
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(10);
    expect(got).toEqual({ status: 200, complete: true });
    expect(received).toBe(DOWNLOAD_BYTES);
    const events = env.daemon.bus.since(0).map((e) => e.type);
    expect(events).toContain('endpoint.draining');
    expect(events).toContain('endpoint.removed');
  });

  it('deleting a bare pod of a 2-pod Service under a request loop: 0 failed', async () => {
    const ip = ipOf('bare');
    await waitFor(async () => {
      const loop = requestLoop(ip, 29091);
      await new Promise((r) => setTimeout(r, 50));
      return (await loop.stop()).pods.size === 2;
    });
    const loop = requestLoop(ip, 29091);
    await new Promise((r) => setTimeout(r, 100));
    await kubectl('delete', 'pod', 'bare-a', '--wait=false');
    await waitFor(async () => {
      const probe = requestLoop(ip, 29091);
      await new Promise((r) => setTimeout(r, 100));
      const seen = (await probe.stop()).pods;
      return seen.size === 1 && seen.has('bare-b');
    });
    const result = await loop.stop();
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.pods).toEqual(new Set(['bare-a', 'bare-b']));
  });
});
