import { CoreV1Api, KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createReflector, WATCH_IDLE_TIMEOUT_MS, type Reflector } from '../../../src/cluster/reflector.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';

let sim: Simulator | undefined;
const reflectors: Array<Reflector<V1Pod> | Reflector<V1Service>> = [];
afterEach(async () => {
  await Promise.all(reflectors.splice(0).map((r) => r.close()));
  await sim?.close();
});

describe('reflector on a quiet namespace', () => {
  it('re-opens a silent watch only after its own idle timeout, which outlasts a minute between bookmarks', async () => {
    // Bookmarks once a minute, as kube-apiserver sends them: nothing else comes on this watch.
    sim = createSimulator({
      control: false,
      bookmarkIntervalMs: 60_000,
      fixture: {
        clusters: [
          { name: 'q', objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quiet' } }] },
        ],
      },
    });
    await sim.start();
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfigYaml());
    const core = kc.makeApiClient(CoreV1Api);
    const cluster = sim.cluster();
    const count = (what: string): number => cluster.requestCounts()[what] ?? 0;
    // The default: services of the namespace.
    const lasting = createReflector<V1Service>({
      kc,
      path: '/api/v1/namespaces/quiet/services',
      list: () => core.listNamespacedService({ namespace: 'quiet' }),
      onEvent: () => undefined,
      log: silentLogger(),
    });
    reflectors.push(lasting);
    lasting.start();
    await lasting.synced;
    await waitFor(() => count('watch services') === 1);
    // Pods, with a reflector told to give up after 300 ms of silence: it re-opens its watch, again and again.
    const hasty = createReflector<V1Pod>({
      kc,
      path: '/api/v1/namespaces/quiet/pods',
      list: () => core.listNamespacedPod({ namespace: 'quiet' }),
      onEvent: () => undefined,
      log: silentLogger(),
      watchIdleTimeoutMs: 300,
    });
    reflectors.push(hasty);
    hasty.start();
    await hasty.synced;
    await waitFor(() => count('watch pods') >= 3, { timeoutMs: 15_000 });
    // Meanwhile the default one kept its single watch (client-node alone would have dropped it after 30 s).
    expect(WATCH_IDLE_TIMEOUT_MS).toBeGreaterThan(2 * 60_000);
    expect(count('watch services')).toBe(1);
    expect(count('list services')).toBe(1);
    expect(lasting.stale).toBe(false);
  });
});

describe('reflector cache', () => {
  it('keeps objects without their managedFields and last-applied annotation, from the list and from the watch', async () => {
    const managedFields = [
      { manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
    ];
    const service = (name: string): V1Service => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace: 'm',
        labels: { app: name },
        annotations: {
          owner: 'team-a',
          'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Service"}',
        },
        managedFields,
      },
      spec: { selector: { app: name }, ports: [{ port: 80 }] },
    });
    sim = createSimulator({
      control: false,
      fixture: {
        clusters: [
          {
            name: 'm',
            objects: [
              { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'm' } },
              service('listed') as never,
            ],
          },
        ],
      },
    });
    await sim.start();
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfigYaml());
    const core = kc.makeApiClient(CoreV1Api);
    const seen: V1Service[] = [];
    const r = createReflector<V1Service>({
      kc,
      path: '/api/v1/namespaces/m/services',
      list: () => core.listNamespacedService({ namespace: 'm' }),
      onEvent: (_type, obj) => seen.push(obj),
      log: silentLogger(),
    });
    reflectors.push(r);
    r.start();
    await r.synced;
    // The server keeps them: the reflector is what drops them.
    expect(
      (await core.readNamespacedService({ namespace: 'm', name: 'listed' })).metadata?.managedFields,
    ).toBeDefined();
    await core.createNamespacedService({ namespace: 'm', body: service('watched') });
    await waitFor(() => r.get('watched'));
    for (const name of ['listed', 'watched']) {
      expect(r.get(name)?.metadata?.labels).toEqual({ app: name });
      expect(r.get(name)?.metadata?.managedFields).toBeUndefined();
      expect(r.get(name)?.metadata?.annotations).toEqual({ owner: 'team-a' });
    }
    expect(seen.every((s) => s.metadata?.managedFields === undefined)).toBe(true);
  });
});
