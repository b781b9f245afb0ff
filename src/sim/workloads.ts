import { createHash } from 'node:crypto';
import type { KObject, Store } from './store.ts';

/** What the apps controllers need of the cluster: its objects, and pod creation and deletion with their effects. */
export interface WorkloadHost {
  store: Store;
  createPod(body: KObject): KObject;
  deletePod(namespace: string, name: string): void;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplate;
  strategy?: {
    type?: string;
    rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
  };
  paused?: boolean;
  serviceName?: string;
}

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export const specOf = (o: KObject): WorkloadSpec => o.spec ?? {};
export const replicasOf = (o: KObject): number => specOf(o).replicas ?? 1;

export const ownerRef = (o: KObject): OwnerRef => ({
  apiVersion: 'apps/v1',
  kind: o.kind ?? '',
  name: o.metadata.name,
  uid: o.metadata.uid ?? '',
  controller: true,
  blockOwnerDeletion: true,
});

export const controllerOf = (o: KObject): OwnerRef | undefined =>
  (o.metadata.ownerReferences as OwnerRef[] | undefined)?.find((r) => r.controller);

export const ownedBy = (owner: KObject, objects: KObject[]): KObject[] =>
  objects.filter((o) => controllerOf(o)?.uid === owner.metadata.uid);

export const isTerminating = (p: KObject): boolean => Boolean(p.metadata.deletionTimestamp);

export function isReady(p: KObject): boolean {
  const status = p.status as
    { phase?: string; conditions?: Array<{ type: string; status: string }> } | undefined;
  return (
    status?.phase === 'Running' &&
    (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** Pods that count for a controller: not finished, not terminating. */
export const activePods = (pods: KObject[]): KObject[] =>
  pods.filter((p) => {
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    return !isTerminating(p) && phase !== 'Succeeded' && phase !== 'Failed';
  });

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, stable hash of a pod template in the alphabet Kubernetes uses for pod-template-hash. */
export function templateHash(template: PodTemplate | undefined): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += SAFE[(digest[i] ?? 0) % SAFE.length];
  return out;
}

/** Resolves an int-or-percent of `total`, rounding up (surge) or down (unavailable), as the deployment controller. */
export function intOrPercent(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return roundUp ? Math.ceil(total * 0.25) : Math.floor(total * 0.25);
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number(value) || 0;
  const raw = (total * Number(m[1])) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/** Writes `next` when it differs from what is stored; every write re-triggers reconciliation, so no-ops must not. */
export function writeIfChanged(store: Store, resource: string, before: KObject, next: KObject): KObject {
  const strip = (o: KObject) => JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: '' } });
  return strip(before) === strip(next) ? before : store.update(resource, next);
}

/** A pod from a template, owned by `owner`. */
export function podFromTemplate(
  owner: KObject,
  template: PodTemplate | undefined,
  name: { name?: string; generateName?: string },
  extraLabels: Record<string, string> = {},
): KObject {
  return {
    metadata: {
      name: name.name ?? '',
      ...(name.generateName ? { generateName: name.generateName } : {}),
      namespace: owner.metadata.namespace,
      labels: { ...template?.metadata?.labels, ...extraLabels },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    spec: structuredClone(template?.spec ?? {}),
  };
}

/** A metav1.LabelSelector against labels; an empty selector matches nothing here (a workload always has one). */
export function selectorMatches(
  sel: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const exprs = sel?.matchExpressions ?? [];
  const pairs = Object.entries(sel?.matchLabels ?? {});
  if (pairs.length === 0 && exprs.length === 0) return false;
  if (!pairs.every(([k, v]) => labels?.[k] === v)) return false;
  return exprs.every((e) => {
    const has = labels !== undefined && e.key in labels;
    const value = labels?.[e.key];
    if (e.operator === 'In') return has && (e.values ?? []).includes(value ?? '');
    if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(value ?? '');
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    return false;
  });
}

/**
 * The pods `owner` controls, after adopting live orphans its selector matches (the controllers' ControllerRef
 * adoption): a pod made by hand with the right labels becomes the workload's, as on a real cluster.
 */
export function claimPods(
  store: Store,
  owner: KObject,
  pods: KObject[],
  /** Labels an adopted pod gets where it has none of them (a StatefulSet's revision: taken as it is). */
  stamp: Record<string, string> = {},
): KObject[] {
  for (const p of pods) {
    if (controllerOf(p) || isTerminating(p) || !selectorMatches(specOf(owner).selector, p.metadata.labels))
      continue;
    const current = store.get('pods', p.metadata.namespace, p.metadata.name);
    if (!current) continue;
    store.update('pods', {
      ...current,
      metadata: {
        ...current.metadata,
        labels: { ...stamp, ...current.metadata.labels },
        ownerReferences: [
          ...((current.metadata.ownerReferences as OwnerRef[] | undefined) ?? []),
          ownerRef(owner),
        ],
      },
    });
  }
  return ownedBy(owner, store.peek('pods', owner.metadata.namespace));
}

export const selectorText = (o: KObject): string =>
  Object.entries(specOf(o).selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
