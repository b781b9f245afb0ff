import { once } from 'node:events';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { CoreV1Api, KubeConfig, PortForward, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';
import { resourceByName } from '../../../src/sim/resources.ts';
import { waitFor } from '../../helpers/wait-for.ts';

let sim: Simulator;
let kc: KubeConfig;

const fixture = {
  clusters: [
    {
      name: 'c1',
      users: [
        {
          name: 'bob',
          token: 'bob-token',
          rules: [{ verbs: ['get', 'list', 'watch'], resources: ['pods'], namespaces: ['team'] }],
        },
      ],
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'secret' } },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'app-0',
            namespace: 'team',
            labels: { app: 'app' },
            annotations: { 'kubefwd.sim/backend-7000': 'echo' },
          },
          spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 7000 }] }] },
        },
      ],
    },
  ],
};

beforeAll(async () => {
  sim = createSimulator({ fixture, control: false, bookmarkIntervalMs: 100 });
  await sim.start();
  kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
});
afterAll(async () => sim.close());

const podDef = resourceByName.get('pods')!;
const newPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'team', labels: { app: 'app' } },
  spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
});

describe('@kubernetes/client-node against the simulator', () => {
  it('informers see add, update and delete, and relist after 410', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/team/pods', () =>
      core.listNamespacedPod({ namespace: 'team' }),
    );
    const seen: string[] = [];
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('update', (p) => seen.push(`update ${p.metadata?.name}`));
    informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    informer.on('error', () => undefined);
    await informer.start();
    expect(seen).toContain('add app-0');
    await core.createNamespacedPod({ namespace: 'team', body: newPod('app-1') });
    await waitFor(() => seen.includes('add app-1') && seen.includes('update app-1'), { timeoutMs: 5000 });
    await core.deleteNamespacedPod({ namespace: 'team', name: 'app-1', gracePeriodSeconds: 0 });
    await waitFor(() => seen.includes('delete app-1'), { timeoutMs: 5000 });

    // Expire every version and change state behind the informer's back: it must relist and converge.
    const cluster = sim.cluster();
    cluster.store.expire();
    cluster.create(podDef, newPod('app-2'));
    await waitFor(() => informer.list('team').some((p) => p.metadata?.name === 'app-2'), {
      timeoutMs: 10_000,
    });
    expect(cluster.requestCounts()['list pods']).toBeGreaterThanOrEqual(2);
    await informer.stop();
  });

  it('answers 403 with the real message for a forbidden user, and 401 for an unknown token', async () => {
    const bob = new KubeConfig();
    bob.loadFromString(sim.kubeconfigYaml());
    bob.setCurrentContext('c1-bob');
    const core = bob.makeApiClient(CoreV1Api);
    expect((await core.listNamespacedPod({ namespace: 'team' })).items.length).toBeGreaterThan(0);
    const denied = (await core.listNamespacedPod({ namespace: 'secret' }).catch((e: unknown) => e)) as {
      code: number;
      body: string;
    };
    expect(denied.code).toBe(403);
    expect(denied.body).toContain(
      'pods is forbidden: User \\"bob\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"secret\\"',
    );
    const bad = new KubeConfig();
    bad.loadFromString(sim.kubeconfigYaml().replace(/token: .*/g, 'token: nope'));
    await expect(bad.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
  });

  it("client-node's PortForward (legacy WebSocket) round-trips through a pod", async () => {
    const pf = new PortForward(kc);
    const out = new PassThrough();
    const input = new PassThrough();
    const errors = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (d: Buffer) => chunks.push(d));
    const ws: unknown = await pf.portForward('team', 'app-0', [7000], out, errors, input);
    input.write('hello over v4');
    await waitFor(() => Buffer.concat(chunks).toString().includes('hello over v4'), { timeoutMs: 5000 });
    (ws as { close(): void }).close();
  });
});

describe('simulator faults', () => {
  it('restarts on the same port and fails the next N requests with a status', async () => {
    const cluster = sim.cluster();
    const port = cluster.port;
    await cluster.restart(50);
    expect(cluster.port).toBe(port);
    const core = kc.makeApiClient(CoreV1Api);
    cluster.failNext(2, 429, 1);
    await expect(core.listNamespace()).rejects.toMatchObject({ code: 429 });
    await expect(core.listNamespace()).rejects.toMatchObject({ code: 429 });
    expect((await core.listNamespace()).items.length).toBeGreaterThan(0);
    const server = net.connect(port, '127.0.0.1');
    await once(server, 'connect');
    server.destroy();
  });
});
