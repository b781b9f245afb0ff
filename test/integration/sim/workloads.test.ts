import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';
import type { KObject } from '../../../src/sim/store.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const run = promisify(execFile);
const hasKubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);
if (!hasKubectl) console.warn('kubectl is not installed: the workload tests of the simulator are skipped');

let sim: Simulator;
let dir: string;
let env: NodeJS.ProcessEnv;

const kubectl = (...args: string[]) =>
  run('kubectl', ['--request-timeout=10s', ...args], { env, timeout: 20_000 });
const pods = (ns = 'default'): KObject[] => sim.cluster().store.peek('pods', ns);
const live = (prefix: string): KObject[] =>
  pods().filter((p) => p.metadata.name.startsWith(prefix) && !p.metadata.deletionTimestamp);
const ready = (p: KObject): boolean =>
  ((p.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

beforeAll(async () => {
  sim = createSimulator({ control: false });
  await sim.start();
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-workloads-'));
  sim.writeKubeconfig(join(dir, 'config'));
  env = { ...process.env, KUBECONFIG: join(dir, 'config'), HOME: dir };
});

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasKubectl)('apps/v1 workloads through the real kubectl', () => {
  it('creates, scales and rolls a Deployment within maxSurge and maxUnavailable', async () => {
    await kubectl('create', 'deployment', 'web', '--image=sim', '--port=8080', '--replicas=3');
    expect((await kubectl('get', 'deployments')).stdout).toMatch(/web/);
    await waitFor(() => live('web-').filter(ready).length === 3, { message: '3 ready pods of web' });
    const rs = sim.cluster().store.peek('replicasets', 'default');
    expect(rs).toHaveLength(1);
    expect(live('web-').every((p) => p.metadata.labels?.['pod-template-hash'])).toBe(true);

    await kubectl('scale', 'deployment/web', '--replicas=4');
    await waitFor(() => live('web-').filter(ready).length === 4, { message: 'scaled to 4' });
    await kubectl('scale', 'deployment/web', '--replicas=3');
    await waitFor(() => live('web-').length === 3, { message: 'scaled back to 3' });

    const before = new Set(live('web-').map((p) => p.metadata.name));
    let maxLive = 0;
    let minReady = Infinity;
    const watch = setInterval(() => {
      maxLive = Math.max(maxLive, live('web-').length);
      minReady = Math.min(minReady, live('web-').filter(ready).length);
    }, 1);
    try {
      expect((await kubectl('rollout', 'restart', 'deployment/web')).stdout).toMatch(/restarted/);
      await waitFor(
        () =>
          live('web-').length === 3 && live('web-').every((p) => !before.has(p.metadata.name) && ready(p)),
        { timeoutMs: 10_000, message: 'every pod replaced' },
      );
    } finally {
      clearInterval(watch);
    }
    // 25% of 3: surge rounds up to 1, unavailable down to 0.
    expect(maxLive).toBeLessThanOrEqual(4);
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(sim.cluster().store.peek('replicasets', 'default')).toHaveLength(2);
    // Replaced pods terminate for their grace period rather than vanish.
    expect(pods().filter((p) => before.has(p.metadata.name) && p.metadata.deletionTimestamp).length).toBe(3);
    const out = (await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.status.updatedReplicas}')).stdout;
    expect(out).toBe('3');
  });

  it('names StatefulSet pods by ordinal and creates them in order', async () => {
    const manifest = join(dir, 'sts.yaml');
    writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          replicas: 2,
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { containers: [{ name: 'db', image: 'sim', ports: [{ containerPort: 5432 }] }] },
          },
        },
      }),
    );
    await kubectl('create', '--validate=false', '-f', manifest);
    await waitFor(() => live('db-').filter(ready).length === 2, { message: 'db-0 and db-1 ready' });
    expect(
      live('db-')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['db-0', 'db-1']);
    await kubectl('scale', 'sts/db', '--replicas=1');
    await waitFor(() => live('db-').length === 1, { message: 'scaled down' });
    expect(live('db-')[0]?.metadata.name).toBe('db-0');
    expect((await kubectl('get', 'sts', 'db', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('1');
  });

  it('keeps a deleted pod terminating for its grace period; 0 is at once', async () => {
    const core = sim.cluster();
    await kubectl('run', 'solo', '--image=sim', '--port=8080');
    await waitFor(() => pods().some((p) => p.metadata.name === 'solo' && ready(p)));
    core.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'solo', namespace: 'default' },
      spec: { selector: { run: 'solo' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await waitFor(() => core.store.get('endpointslices', 'default', 'solo-sim'));
    await kubectl('delete', 'pod', 'solo', '--wait=false', '--grace-period=5');
    const terminating = core.store.get('pods', 'default', 'solo');
    expect(terminating?.metadata.deletionTimestamp).toBeTruthy();
    expect(terminating?.metadata.deletionGracePeriodSeconds).toBe(5);
    // Its endpoint: not ready for new connections, still serving, terminating.
    await waitFor(() => {
      const ep = (
        core.store.get('endpointslices', 'default', 'solo-sim')?.endpoints as
          Array<{ conditions: Record<string, boolean> }> | undefined
      )?.[0];
      return ep?.conditions.terminating && ep.conditions.serving && !ep.conditions.ready;
    });
    expect(core.runtime.backendPort('default', 'solo', 8080)).toBeDefined();
    await kubectl('delete', 'pod', 'solo', '--grace-period=0', '--force');
    expect(core.store.get('pods', 'default', 'solo')).toBeUndefined();
    expect(core.runtime.backendPort('default', 'solo', 8080)).toBeUndefined();
  });
});
