import type { KObject } from './store.ts';
import {
  claimPods,
  isReady,
  isTerminating,
  ownedBy,
  podFromTemplate,
  replicasOf,
  specOf,
  templateHash,
  writeIfChanged,
  type WorkloadHost,
} from './workloads.ts';

const REVISION_LABEL = 'controller-revision-hash';

const ordinalOf = (set: KObject, pod: KObject): number => {
  const m = new RegExp(`^${set.metadata.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(
    pod.metadata.name,
  );
  return m ? Number(m[1]) : -1;
};

/**
 * StatefulSets with the OrderedReady policy: pods `<name>-<ordinal>` are created one at a time, each once the one
 * before is ready; scale-down and rolling updates go from the highest ordinal down, one pod at a time, and a pod is
 * recreated under the same name only after the old one is gone (its grace period included).
 */
export function reconcileStatefulSets(host: WorkloadHost, ns: string): void {
  const { store } = host;
  for (const set of store.peek('statefulsets', ns)) {
    const spec = specOf(set);
    const want = replicasOf(set);
    const revision = `${set.metadata.name}-${templateHash(spec.template)}`;
    const byOrdinal = new Map<number, KObject>();
    // An adopted pod keeps running as it is: it counts as the current revision rather than being rolled at once.
    for (const p of claimPods(store, set, store.peek('pods', ns), { [REVISION_LABEL]: revision }))
      byOrdinal.set(ordinalOf(set, p), p);
    const busy = [...byOrdinal.values()].some((p) => isTerminating(p) || !isReady(p));
    let acted = false;
    for (let i = 0; i < want && !acted; i++) {
      const pod = byOrdinal.get(i);
      if (!pod) {
        // A pod of that name that is not ours (or still terminating) blocks the ordinal, as on a real cluster.
        if (store.get('pods', ns, `${set.metadata.name}-${i}`)) {
          acted = true;
          continue;
        }
        host.createPod(
          podFromTemplate(
            set,
            spec.template,
            { name: `${set.metadata.name}-${i}` },
            { [REVISION_LABEL]: revision, 'statefulset.kubernetes.io/pod-name': `${set.metadata.name}-${i}` },
          ),
        );
        acted = true;
      } else if (isTerminating(pod) || !isReady(pod)) acted = true;
    }
    if (!acted) {
      const surplus = [...byOrdinal.entries()].filter(([i]) => i >= want).sort(([a], [b]) => b - a)[0];
      if (surplus && !busy) {
        host.deletePod(ns, surplus[1].metadata.name);
        acted = true;
      }
    }
    if (!acted && !busy) {
      const stale = [...byOrdinal.entries()]
        .filter(([i, p]) => i < want && p.metadata.labels?.[REVISION_LABEL] !== revision)
        .sort(([a], [b]) => b - a)[0];
      if (stale) host.deletePod(ns, stale[1].metadata.name);
    }
    const current = store.get('statefulsets', ns, set.metadata.name);
    if (!current) continue;
    const pods = ownedBy(set, store.peek('pods', ns)).filter((p) => !isTerminating(p));
    const ready = pods.filter(isReady).length;
    const updated = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision).length;
    writeIfChanged(store, 'statefulsets', current, {
      ...current,
      status: {
        observedGeneration: current.metadata.generation ?? 1,
        replicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
        currentReplicas: updated,
        updatedReplicas: updated,
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      },
    });
  }
}
