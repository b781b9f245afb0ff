import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { ClusterClient } from './cluster-client.ts';
import { fromKubeError } from './kube-errors.ts';
import { followPodLog, type FollowLogQuery } from './pod-log-follow.ts';
import { isPodReady } from './pods.ts';

/** Read-only views of a cluster for the API's discovery routes; every failure is translated to our codes. */
export interface K8sServiceInfo {
  name: string;
  namespace: string;
  type: string;
  clusterIP: string | undefined;
  ports: Array<{ name?: string | undefined; port: number; targetPort: string | number; protocol: string }>;
  selector: Record<string, string> | undefined;
}

export interface K8sPodInfo {
  name: string;
  namespace: string;
  phase: string;
  ready: string;
  isReady: boolean;
  restarts: number;
  ip: string | undefined;
  node: string | undefined;
  labels: Record<string, string> | undefined;
  containers: string[];
  startTime: string | undefined;
  terminating: boolean;
}

/** client-node hands timestamps over as Date objects (strings from some servers): the API sends ISO strings. */
export const iso = (d: unknown): string | undefined =>
  d instanceof Date ? d.toISOString() : typeof d === 'string' ? d : undefined;

export function serviceInfo(svc: V1Service): K8sServiceInfo {
  return {
    name: svc.metadata?.name ?? '',
    namespace: svc.metadata?.namespace ?? '',
    type: svc.spec?.type ?? 'ClusterIP',
    clusterIP: svc.spec?.clusterIP,
    ports: (svc.spec?.ports ?? []).map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol: p.protocol ?? 'TCP',
    })),
    selector: svc.spec?.selector,
  };
}

export function podInfo(pod: V1Pod): K8sPodInfo {
  const statuses = pod.status?.containerStatuses ?? [];
  const containers = pod.spec?.containers ?? [];
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: `${statuses.filter((s) => s.ready).length}/${containers.length}`,
    isReady: isPodReady(pod),
    restarts: statuses.reduce((n, s) => n + s.restartCount, 0),
    ip: pod.status?.podIP,
    node: pod.spec?.nodeName,
    labels: pod.metadata?.labels,
    containers: containers.map((c) => c.name),
    startTime: iso(pod.status?.startTime),
    terminating: Boolean(pod.metadata?.deletionTimestamp),
  };
}

export function createDiscovery(client: ClusterClient) {
  const ctx = client.context;
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw fromKubeError(err, `${what} (context "${ctx}")`);
    }
  };
  return {
    namespaces: () =>
      wrap('listing namespaces', async () =>
        (await client.core.listNamespace()).items.map((n) => ({
          name: n.metadata?.name ?? '',
          status: n.status?.phase ?? 'Active',
        })),
      ),
    services: (namespace: string) =>
      wrap(`listing services in "${namespace}"`, async () =>
        (await client.core.listNamespacedService({ namespace })).items.map(serviceInfo),
      ),
    service: (namespace: string, name: string) =>
      wrap(`reading service "${namespace}/${name}"`, async () =>
        serviceInfo(await client.core.readNamespacedService({ namespace, name })),
      ),
    pods: (namespace: string, query: { labelSelector?: string; fieldSelector?: string } = {}) =>
      wrap(`listing pods in "${namespace}"`, async () =>
        (await client.core.listNamespacedPod({ namespace, ...query })).items.map(podInfo),
      ),
    pod: (namespace: string, name: string) =>
      wrap(`reading pod "${namespace}/${name}"`, () => client.core.readNamespacedPod({ namespace, name })),
    podLogs: (
      namespace: string,
      name: string,
      query: {
        container?: string;
        tailLines?: number;
        sinceSeconds?: number;
        previous?: boolean;
        timestamps?: boolean;
      },
    ) =>
      wrap(`reading logs of pod "${namespace}/${name}"`, () =>
        client.core.readNamespacedPodLog({ namespace, name, ...query }),
      ),
    followPodLog: (
      namespace: string,
      name: string,
      query: FollowLogQuery,
      onLine: (line: string) => void,
      onEnd: () => void,
    ) =>
      wrap(`following logs of pod "${namespace}/${name}"`, () =>
        followPodLog(client.kc, { namespace, name }, query, onLine, onEnd),
      ),
    events: (namespace: string, query: { fieldSelector?: string; limit?: number } = {}) =>
      wrap(
        `listing events in "${namespace}"`,
        async () => (await client.core.listNamespacedEvent({ namespace, ...query })).items,
      ),
    endpoints: (namespace: string, name: string) =>
      wrap(`reading endpoints "${namespace}/${name}"`, () =>
        client.core.readNamespacedEndpoints({ namespace, name }),
      ),
  };
}

export type Discovery = ReturnType<typeof createDiscovery>;
