import type { KObject, Store } from './store.ts';

interface ServiceSpec {
  selector?: Record<string, string>;
  clusterIP?: string;
  ports?: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string }>;
}
interface PodLike {
  spec?: {
    containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }>;
    nodeName?: string;
  };
  status?: { podIP?: string; phase?: string; conditions?: Array<{ type: string; status: string }> };
}

const serving = (p: KObject): boolean =>
  ((p as PodLike).status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
/** Ready for new connections: serving and not terminating, as the EndpointSlice controller sets it. */
const ready = (p: KObject): boolean => serving(p) && !p.metadata.deletionTimestamp;

function resolvePort(
  pod: KObject,
  target: number | string | undefined,
  fallback: number,
): number | undefined {
  if (target === undefined) return fallback;
  if (typeof target === 'number' || /^\d+$/.test(target)) return Number(target);
  for (const c of (pod as PodLike).spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
  return undefined;
}

const selects = (
  sel: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean =>
  !!sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);

/** Keeps Endpoints and EndpointSlices in step with services and pod readiness, as the endpoints controllers do. */
export function reconcileEndpoints(store: Store, namespace: string): void {
  const pods = store.peek('pods', namespace).filter((p) => (p as PodLike).status?.podIP);
  for (const svc of store.peek('services', namespace)) {
    const spec = (svc.spec ?? {}) as ServiceSpec;
    if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
    const name = svc.metadata.name;
    const members = pods.filter((p) => selects(spec.selector, p.metadata.labels));
    const addr = (p: KObject) => ({
      ip: (p as PodLike).status?.podIP,
      nodeName: (p as PodLike).spec?.nodeName,
      targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid },
      ...(spec.clusterIP === 'None' ? { hostname: p.metadata.name } : {}),
    });
    const ports = (spec.ports ?? []).map((sp) => ({
      name: sp.name,
      port: members[0] ? (resolvePort(members[0], sp.targetPort, sp.port) ?? sp.port) : sp.port,
      protocol: sp.protocol ?? 'TCP',
    }));
    const subsets =
      members.length === 0
        ? []
        : [
            {
              ...(members.some(ready) ? { addresses: members.filter(ready).map(addr) } : {}),
              ...(members.some((p) => !ready(p))
                ? { notReadyAddresses: members.filter((p) => !ready(p)).map(addr) }
                : {}),
              ports,
            },
          ];
    upsert(store, 'endpoints', 'Endpoints', 'v1', {
      metadata: { name, namespace, labels: svc.metadata.labels },
      subsets,
    });
    upsert(store, 'endpointslices', 'EndpointSlice', 'discovery.k8s.io/v1', {
      metadata: {
        name: `${name}-sim`,
        namespace,
        labels: {
          'kubernetes.io/service-name': name,
          'endpointslice.kubernetes.io/managed-by': 'kubefwd-sim',
        },
      },
      addressType: 'IPv4',
      endpoints: members.map((p) => ({
        addresses: [(p as PodLike).status?.podIP],
        conditions: {
          ready: ready(p),
          serving: serving(p),
          terminating: Boolean(p.metadata.deletionTimestamp),
        },
        nodeName: (p as PodLike).spec?.nodeName,
        targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid },
      })),
      ports,
    });
  }
}

function upsert(store: Store, resource: string, kind: string, apiVersion: string, obj: KObject): void {
  const ns = obj.metadata.namespace;
  const current = store.get(resource, ns, obj.metadata.name);
  if (!current) {
    store.create(resource, kind, apiVersion, obj);
    return;
  }
  const strip = (o: KObject) =>
    JSON.stringify({ ...o, metadata: { labels: o.metadata.labels }, apiVersion: undefined, kind: undefined });
  if (strip(current) === strip(obj)) return;
  store.update(resource, { ...obj, metadata: { ...current.metadata, labels: obj.metadata.labels } });
}

export function removeEndpoints(store: Store, namespace: string, service: string): void {
  for (const [resource, name] of [
    ['endpoints', service],
    ['endpointslices', `${service}-sim`],
  ] as const) {
    if (store.get(resource, namespace, name)) store.delete(resource, namespace, name);
  }
}
