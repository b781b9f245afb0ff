import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterClient } from '../../../src/cluster/cluster-client.ts';
import { listJson } from '../../../src/cluster/list-json.ts';
import { SharedTlsKubeConfig } from '../../../src/cluster/shared-tls-kubeconfig.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dialPortForward } from '../../../src/portforward/dial.ts';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';

let sim: Simulator | undefined;
let kc: SharedTlsKubeConfig | undefined;
afterEach(async () => {
  await kc?.close();
  await sim?.close();
});

/** A simulated cluster with one empty namespace, `ns`. */
async function startSim(): Promise<Simulator> {
  const started = createSimulator({
    control: false,
    fixture: {
      clusters: [{ name: 'c', objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } }] }],
    },
  });
  await started.start();
  return started;
}

describe('API connections shared per credentials', () => {
  it('reuses kept-alive connections, gives each watch its own, and closes them all', async () => {
    sim = await startSim();
    const cluster = sim.cluster();
    kc = new SharedTlsKubeConfig();
    kc.loadFromString(sim.kubeconfigYaml());
    const core = kc.makeApiClient(CoreV1Api);
    cluster.resetRequestCounts();

    // Generated API calls and plain JSON lists, one after the other: the connections of the first ones carry the
    // rest (one TLS handshake each, not one per request).
    const both = async () => {
      await core.listNamespacedService({ namespace: 'ns' });
      await listJson(kc!, '/api/v1/namespaces/ns/pods');
    };
    await both();
    const first = cluster.connectionCount();
    expect(first).toBeLessThanOrEqual(2);
    for (let i = 0; i < 5; i++) await both();
    expect(cluster.totalRequests()).toBe(12);
    expect(cluster.connectionCount()).toBe(first);

    // Long-lived watches hold a connection each; a request made meanwhile is not queued behind them.
    const ended: unknown[] = [];
    const watch = new Watch(kc);
    for (let i = 0; i < 3; i++)
      await watch.watch(
        '/api/v1/namespaces/ns/pods',
        {},
        () => undefined,
        (err) => ended.push(err),
      );
    await waitFor(() => cluster.requestCounts()['watch pods'] === 3);
    const list = await listJson(kc, '/api/v1/namespaces/ns/services');
    expect(list.items).toEqual([]);
    // At most one new connection per watch and one for the list.
    expect(cluster.connectionCount()).toBeLessThanOrEqual(first + 4);

    // Closing ends the watches' streams and every connection.
    await kc.close();
    await waitFor(() => ended.length === 3 && cluster.openConnectionCount() === 0);
  });

  it('still reads the credentials per request: a changed token is sent on the same connection', async () => {
    sim = await startSim();
    const cluster = sim.cluster();
    const shared = new SharedTlsKubeConfig();
    kc = shared;
    shared.loadFromString(sim.kubeconfigYaml());
    const withToken = (token: string) =>
      shared.loadFromOptions({
        clusters: shared.getClusters(),
        users: shared.getUsers().map((u) => ({ ...u, token })),
        contexts: shared.getContexts(),
        currentContext: shared.getCurrentContext(),
      });
    const status = (): Promise<number> =>
      listJson(shared, '/api/v1/namespaces/ns/pods').then(
        () => 200,
        (err: unknown) => (err as { code: number }).code,
      );
    const admin = shared.getCurrentUser()?.token ?? '';
    cluster.resetRequestCounts();
    expect(await status()).toBe(200);
    withToken('not-a-token');
    expect(await status()).toBe(401);
    withToken(admin);
    expect(await status()).toBe(200);
    expect(cluster.connectionCount()).toBe(1);
  });

  it('port-forward dials share the parsed TLS context of their credentials, and dial with it', async () => {
    sim = await startSim();
    sim.cluster().apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns' },
      spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
    });
    const base = new KubeConfig();
    base.loadFromString(sim.kubeconfigYaml());
    const client = createClusterClient({
      base,
      context: base.getCurrentContext(),
      index: 0,
      log: silentLogger(),
    });
    try {
      const first = await client.dialOptions('ns', 'p', [8080], 'spdy');
      const second = await client.dialOptions('ns', 'p', [8080], 'spdy');
      expect(first.ca).toBeDefined();
      expect(first.secureContext).toBeDefined();
      expect(second.secureContext).toBe(first.secureContext);
      // Both dials verify the server with the shared context (a wrong one would fail the handshake) and carry a PING.
      for (const options of [first, second]) {
        const session = await dialPortForward({ ...options, pingIntervalMs: 0 });
        expect(await session.ping()).toBeGreaterThanOrEqual(0);
        session.destroy();
      }
    } finally {
      await client.close();
    }
  });
});
