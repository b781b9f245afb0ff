/**
 * Read-only discovery of the clusters in the kubeconfig. Implementations translate Kubernetes failures once: a
 * permission denial throws KubefwdError('K8S_FORBIDDEN'), a missing object 'K8S_NOT_FOUND', an unreachable server
 * 'K8S_UNAVAILABLE' — never an empty list standing in for "not allowed". `context` absent means the default context.
 */

export interface KubeContext {
  name: string;
  cluster: string | null;
  server: string | null;
  namespace: string | null;
  /** Used by this kubefwd (one of its `-x` contexts, or the current one). */
  active: boolean;
}

export interface KubeContexts {
  currentContext: string;
  contexts: KubeContext[];
}

export interface KubeNamespace {
  name: string;
  status: string;
  /** A watcher of kubefwd forwards it. */
  forwarded: boolean;
}

export interface KubeServicePort {
  name: string | null;
  port: number;
  targetPort: number | string;
  protocol: string;
}

export interface KubeService {
  name: string;
  namespace: string;
  type: string;
  clusterIP: string | null;
  ports: KubeServicePort[];
  selector: Record<string, string> | null;
  forwarded: boolean;
  forwardKey: string | null;
}

export interface KubePod {
  name: string;
  namespace: string;
  phase: string;
  /** Ready containers over all, e.g. "1/2". */
  ready: string;
  isReady: boolean;
  restarts: number;
  ip: string | null;
  node: string | null;
  labels: Record<string, string>;
  containers: string[];
  startTime: string | null;
  terminating: boolean;
  isForwarded: boolean;
  forwardedPort: number | null;
}

export interface KubePodCondition {
  type: string;
  status: string;
  reason: string | null;
  message: string | null;
}

export interface KubePodDetail extends KubePod {
  context: string;
  annotations: Record<string, string>;
  conditions: KubePodCondition[];
  forwardKey: string | null;
}

export interface PodQuery {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Pods selected by this service's selector. */
  serviceName?: string | undefined;
}

export interface PodLogsQuery {
  container?: string | undefined;
  tailLines: number;
  /** RFC 3339; only lines after it. */
  sinceTime?: string | undefined;
  previous: boolean;
  timestamps: boolean;
}

export interface PodLogs {
  podName: string;
  namespace: string;
  context: string;
  containerName: string | null;
  logs: string[];
  lineCount: number;
  truncated: boolean;
}

export interface KubeEventQuery {
  kind?: string | undefined;
  name?: string | undefined;
  limit: number;
}

export interface KubeEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  source: string;
  objectKind: string | null;
  objectName: string | null;
}

export interface EndpointAddress {
  ip: string;
  hostname?: string | undefined;
  nodeName?: string | undefined;
  podName?: string | undefined;
}

export interface EndpointSubset {
  addresses: EndpointAddress[];
  notReadyAddresses: EndpointAddress[];
  ports: Array<{ name: string | null; port: number; protocol: string }>;
}

export interface KubeEndpoints {
  name: string;
  namespace: string;
  subsets: EndpointSubset[];
}

export interface KubernetesView {
  contexts(): Awaitable<KubeContexts>;
  namespaces(context?: string): Awaitable<KubeNamespace[]>;
  services(namespace: string, context?: string): Awaitable<KubeService[]>;
  service(namespace: string, name: string, context?: string): Awaitable<KubeService>;
  pods(namespace: string, context: string | undefined, query: PodQuery): Awaitable<KubePod[]>;
  pod(namespace: string, name: string, context?: string): Awaitable<KubePodDetail>;
  podLogs(
    namespace: string,
    name: string,
    context: string | undefined,
    query: PodLogsQuery,
  ): Awaitable<PodLogs>;
  /** Newest first, at most `query.limit`. */
  events(namespace: string, context: string | undefined, query: KubeEventQuery): Awaitable<KubeEvent[]>;
  endpoints(namespace: string, name: string, context?: string): Awaitable<KubeEndpoints>;
}

/** Views may answer synchronously or not; the API awaits either. */
export type Awaitable<T> = T | Promise<T>;
