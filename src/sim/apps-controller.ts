import { reconcileDeployments } from './deployment-controller.ts';
import { reconcileReplicaSets } from './replicaset-controller.ts';
import { reconcileStatefulSets } from './statefulset-controller.ts';
import type { KObject } from './store.ts';
import { ownedBy, selectorText, specOf, type WorkloadHost } from './workloads.ts';

export const WORKLOADS = new Set(['deployments', 'replicasets', 'statefulsets']);

/** Runs the apps controllers over one namespace; each writes only what changed, so a pass with nothing to do is quiet. */
export function reconcileApps(host: WorkloadHost, ns: string): void {
  if (
    host.store.peek('deployments', ns).length === 0 &&
    host.store.peek('replicasets', ns).length === 0 &&
    host.store.peek('statefulsets', ns).length === 0
  )
    return;
  reconcileDeployments(host, ns);
  reconcileReplicaSets(host, ns);
  reconcileStatefulSets(host, ns);
}

/** What the API server fills in on create, so kubectl and the controllers read the fields they expect. */
export function defaultWorkload(resource: string, obj: KObject): void {
  const spec = (obj.spec ??= {}) as Record<string, unknown> & ReturnType<typeof specOf>;
  spec.replicas ??= 1;
  const template = (spec.template ??= {});
  const podSpec = (template.spec ??= {});
  podSpec.terminationGracePeriodSeconds ??= 30;
  podSpec.restartPolicy ??= 'Always';
  podSpec.dnsPolicy ??= 'ClusterFirst';
  if (resource === 'deployments') {
    spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  } else if (resource === 'statefulsets') {
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    spec.revisionHistoryLimit ??= 10;
  }
  obj.metadata.generation = 1;
  obj.status ??= {};
}

/** The objects a workload owns, which go with it (background propagation). */
export function dependentsOf(host: WorkloadHost, owner: KObject): Array<{ resource: string; obj: KObject }> {
  const ns = owner.metadata.namespace;
  return [
    ...ownedBy(owner, host.store.peek('replicasets', ns)).map((obj) => ({ resource: 'replicasets', obj })),
    ...ownedBy(owner, host.store.peek('pods', ns)).map((obj) => ({ resource: 'pods', obj })),
  ];
}

/** The autoscaling/v1 Scale view of a workload. */
export function scaleOf(obj: KObject): KObject {
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: specOf(obj).replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector: selectorText(obj) },
  };
}
