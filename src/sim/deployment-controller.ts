import type { KObject } from './store.ts';
import {
  activePods,
  intOrPercent,
  isReady,
  ownedBy,
  ownerRef,
  replicasOf,
  specOf,
  templateHash,
  writeIfChanged,
  type WorkloadHost,
} from './workloads.ts';

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';

function setReplicas(host: WorkloadHost, rs: KObject, replicas: number): void {
  if (replicasOf(rs) === replicas) return;
  const current = host.store.get('replicasets', rs.metadata.namespace, rs.metadata.name);
  if (current) host.store.update('replicasets', { ...current, spec: { ...specOf(current), replicas } });
}

/** The ReplicaSet of the deployment's current template, created when there is none. */
function newReplicaSet(host: WorkloadHost, d: KObject, sets: KObject[]): KObject {
  const spec = specOf(d);
  const hash = templateHash(spec.template);
  const found = sets.find((rs) => rs.metadata.labels?.[HASH] === hash);
  const top = Math.max(0, ...sets.map(rev));
  if (found) {
    if (rev(found) === top) return found;
    // A template that comes back (a rollback) takes the next revision.
    return host.store.update('replicasets', {
      ...found,
      metadata: {
        ...found.metadata,
        annotations: { ...found.metadata.annotations, [REVISION]: String(top + 1) },
      },
    });
  }
  const revision = String(top + 1);
  const labels = { ...spec.template?.metadata?.labels, [HASH]: hash };
  return host.store.create('replicasets', 'ReplicaSet', 'apps/v1', {
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels,
      annotations: { [REVISION]: revision },
      ownerReferences: [ownerRef(d)],
      generation: 1,
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { ...spec.selector?.matchLabels, [HASH]: hash } },
      template: { ...spec.template, metadata: { ...spec.template?.metadata, labels } },
    },
  });
}

const unavailableOf = (d: KObject): number =>
  intOrPercent(specOf(d).strategy?.rollingUpdate?.maxUnavailable, replicasOf(d), false);

const rev = (rs: KObject): number => Number(rs.metadata.annotations?.[REVISION] ?? 0);

/**
 * Deployments as the deployment controller runs them: one ReplicaSet per pod template (named by its hash); a
 * RollingUpdate scales the new one up within maxSurge and the old ones down while at least replicas − maxUnavailable
 * pods stay ready; Recreate empties the old ones first.
 */
export function reconcileDeployments(host: WorkloadHost, ns: string): void {
  const { store } = host;
  for (const d of store.peek('deployments', ns)) {
    const spec = specOf(d);
    const want = replicasOf(d);
    let sets = ownedBy(d, store.peek('replicasets', ns));
    if (spec.paused) continue;
    const fresh = newReplicaSet(host, d, sets);
    sets = ownedBy(d, store.peek('replicasets', ns));
    const old = sets.filter((rs) => rs.metadata.uid !== fresh.metadata.uid);
    const pods = store.peek('pods', ns);
    const podsOf = (rs: KObject): KObject[] => activePods(ownedBy(rs, pods));
    if (spec.strategy?.type === 'Recreate') {
      for (const rs of old) setReplicas(host, rs, 0);
      const oldLeft = old.some((rs) => ownedBy(rs, pods).length > 0);
      if (!oldLeft) setReplicas(host, fresh, want);
    } else {
      let surge = intOrPercent(spec.strategy?.rollingUpdate?.maxSurge, want, true);
      const unavailable = unavailableOf(d);
      if (surge === 0 && unavailable === 0) surge = 1;
      const total = sets.reduce((n, rs) => n + replicasOf(rs), 0);
      const freshReplicas = replicasOf(fresh);
      if (freshReplicas > want) setReplicas(host, fresh, want);
      else if (total < want + surge && freshReplicas < want)
        setReplicas(host, fresh, Math.min(want, freshReplicas + (want + surge - total)));
      // Old pods go only while enough pods stay ready; not-ready old pods may always go.
      const ready = sets.reduce((n, rs) => n + podsOf(rs).filter(isReady).length, 0);
      let canRemove = ready - (want - unavailable);
      for (const rs of [...old].sort((a, b) => rev(a) - rev(b))) {
        const r = replicasOf(rs);
        if (r === 0) continue;
        const unready = podsOf(rs).filter((p) => !isReady(p)).length;
        const cut = Math.min(r, Math.max(0, canRemove) + Math.min(unready, r));
        if (cut <= 0) continue;
        setReplicas(host, rs, r - cut);
        canRemove -= Math.max(0, cut - unready);
      }
    }
    const current = store.get('deployments', ns, d.metadata.name);
    if (!current) continue;
    const all = sets.flatMap(podsOf);
    const updated = podsOf(fresh);
    const ready = all.filter(isReady).length;
    const gen = current.metadata.generation ?? 1;
    const complete = updated.length === want && all.length === want && ready === want;
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const prev = (current.status ?? {}) as { conditions?: Array<Record<string, string>> };
    const condition = (type: string, status: string, reason: string, message: string) => {
      const old = prev.conditions?.find((c) => c.type === type);
      const same = old?.status === status && old.reason === reason;
      return {
        type,
        status,
        reason,
        message,
        lastUpdateTime: same ? (old.lastUpdateTime ?? stamp) : stamp,
        lastTransitionTime: old?.status === status ? (old.lastTransitionTime ?? stamp) : stamp,
      };
    };
    writeIfChanged(store, 'deployments', current, {
      ...current,
      metadata: {
        ...current.metadata,
        annotations: { ...current.metadata.annotations, [REVISION]: String(rev(fresh)) },
      },
      status: {
        observedGeneration: gen,
        replicas: all.length,
        updatedReplicas: updated.length,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(want > ready ? { unavailableReplicas: want - ready } : {}),
        conditions: [
          condition(
            'Available',
            ready >= want - unavailableOf(d) ? 'True' : 'False',
            ready >= want ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
            ready >= want
              ? 'Deployment has minimum availability.'
              : 'Deployment does not have minimum availability.',
          ),
          condition(
            'Progressing',
            'True',
            complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
            complete
              ? `ReplicaSet "${fresh.metadata.name}" has successfully progressed.`
              : `ReplicaSet "${fresh.metadata.name}" is progressing.`,
          ),
        ],
      },
    });
  }
}
