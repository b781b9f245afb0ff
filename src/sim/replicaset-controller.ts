import {
  activePods,
  claimPods,
  isReady,
  ownedBy,
  podFromTemplate,
  replicasOf,
  specOf,
  writeIfChanged,
  type WorkloadHost,
} from './workloads.ts';
import type { KObject } from './store.ts';

const created = (p: KObject): string => p.metadata.creationTimestamp ?? '';

/**
 * Keeps each ReplicaSet's count of live pods at its replicas: creates missing pods from the template, deletes the
 * surplus (not-ready ones first, then the newest), as the ReplicaSet controller does. Terminating pods do not count.
 */
export function reconcileReplicaSets(host: WorkloadHost, ns: string): void {
  const { store } = host;
  for (const rs of store.peek('replicasets', ns)) {
    const mine = claimPods(store, rs, store.peek('pods', ns));
    const active = activePods(mine);
    const want = replicasOf(rs);
    if (active.length < want) {
      for (let i = active.length; i < want; i++)
        host.createPod(podFromTemplate(rs, specOf(rs).template, { generateName: `${rs.metadata.name}-` }));
    } else if (active.length > want) {
      const victims = [...active].sort(
        (a, b) => Number(isReady(a)) - Number(isReady(b)) || created(b).localeCompare(created(a)),
      );
      for (const p of victims.slice(0, active.length - want)) host.deletePod(ns, p.metadata.name);
    }
    const current = store.get('replicasets', ns, rs.metadata.name);
    if (!current) continue;
    const now = activePods(ownedBy(rs, store.peek('pods', ns)));
    const ready = now.filter(isReady).length;
    writeIfChanged(store, 'replicasets', current, {
      ...current,
      status: {
        replicas: now.length,
        fullyLabeledReplicas: now.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: current.metadata.generation ?? 1,
      },
    });
  }
}
