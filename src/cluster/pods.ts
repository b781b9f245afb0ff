import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';

/** What the forwarder needs to know of a pod. */
export interface PodCandidate {
  namespace: string;
  name: string;
  uid: string;
  ready: boolean;
  terminating: boolean;
  /** containerPort by port name, plus every port number under its own decimal string. */
  containerPorts: Record<string, number>;
  creationTimestamp: string;
  phase: string;
  ip: string | undefined;
}

export function isPodReady(pod: V1Pod): boolean {
  if (pod.status?.phase !== 'Running') return false;
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function toPodCandidate(pod: V1Pod): PodCandidate {
  const containerPorts: Record<string, number> = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name) containerPorts[p.name] = p.containerPort;
      containerPorts[String(p.containerPort)] = p.containerPort;
    }
  }
  const created = pod.metadata?.creationTimestamp as unknown;
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    ready: isPodReady(pod),
    terminating: Boolean(pod.metadata?.deletionTimestamp),
    containerPorts,
    creationTimestamp:
      created instanceof Date ? created.toISOString() : typeof created === 'string' ? created : '',
    phase: pod.status?.phase ?? 'Unknown',
    ip: pod.status?.podIP,
  };
}

export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/** The conditions of the service's endpoints by pod uid, from its EndpointSlices (a missing `ready` means ready). */
export function endpointConditions(
  service: V1Service,
  slices: Iterable<V1EndpointSlice>,
): Map<string, { ready: boolean; terminating: boolean }> {
  const name = service.metadata?.name;
  const out = new Map<string, { ready: boolean; terminating: boolean }>();
  for (const slice of slices) {
    if (slice.metadata?.labels?.['kubernetes.io/service-name'] !== name) continue;
    for (const ep of slice.endpoints ?? []) {
      const uid = ep.targetRef?.kind === 'Pod' ? ep.targetRef.uid : undefined;
      if (uid)
        out.set(uid, {
          ready: ep.conditions?.ready ?? true,
          terminating: ep.conditions?.terminating ?? false,
        });
    }
  }
  return out;
}

/**
 * The pods a service selects, as forward candidates; finished pods (Succeeded/Failed) never are. With the
 * namespace's EndpointSlices, a pod takes connections only when its endpoint there is ready, as kube-proxy decides;
 * without them (not readable), the pod's own Ready condition decides.
 */
export function podsForService(
  service: V1Service,
  pods: Iterable<V1Pod>,
  slices?: Iterable<V1EndpointSlice>,
): PodCandidate[] {
  const conditions = slices ? endpointConditions(service, slices) : undefined;
  const out: PodCandidate[] = [];
  for (const pod of pods) {
    if (!selectorMatches(service.spec?.selector, pod.metadata?.labels)) continue;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const candidate = toPodCandidate(pod);
    if (conditions) {
      const c = conditions.get(candidate.uid);
      candidate.ready = c?.ready ?? false;
      candidate.terminating ||= c?.terminating ?? false;
    }
    out.push(candidate);
  }
  return out;
}

export type ServiceKind = 'normal' | 'headless' | 'no-selector' | 'external-name';

export function serviceKind(service: V1Service): ServiceKind {
  if (service.spec?.type === 'ExternalName') return 'external-name';
  if (!service.spec?.selector || Object.keys(service.spec.selector).length === 0) return 'no-selector';
  if (service.spec.clusterIP === 'None') return 'headless';
  return 'normal';
}
