/**
 * Plain data the API reads about what kubefwd forwards. Keys as the original: service `svc.ns.ctx`, forward
 * `svc.ns.ctx.pod.localPort`, namespace watcher `ns.ctx`. Nullable fields are `null`, never absent, so clients can
 * rely on every key being there.
 */

export type ServiceStatus = 'active' | 'error' | 'partial' | 'pending';
export const SERVICE_STATUSES: readonly ServiceStatus[] = ['active', 'error', 'partial', 'pending'];

export type ForwardStatus = 'pending' | 'connecting' | 'active' | 'error' | 'stopping';
export const FORWARD_STATUSES: readonly ForwardStatus[] = [
  'pending',
  'connecting',
  'active',
  'error',
  'stopping',
];

/** Backoff of a forward's pod session: how many failures since it last really worked, and when it retries. */
export interface ReconnectState {
  attempts: number;
  delayMs: number;
  /** ISO time before which no attempt is made; null when one may be made now. */
  nextAttemptAt: string | null;
}

/** One local listener (IP:port) forwarding to one pod port. */
export interface Forward {
  key: string;
  serviceKey: string;
  serviceName: string;
  namespace: string;
  context: string;
  headless: boolean;
  podName: string | null;
  localIP: string;
  localPort: number;
  podPort: number | null;
  hostnames: string[];
  status: ForwardStatus;
  error: string | null;
  startedAt: string | null;
  lastActive: string | null;
  bytesIn: number;
  bytesOut: number;
  rateIn: number;
  rateOut: number;
  connectionsActive: number;
  connectionsTotal: number;
  /** Port-forward protocol of the pod session (e.g. SPDY/3.1, v4.channel.k8s.io), null before one is up. */
  protocol: string | null;
  reconnect: ReconnectState | null;
}

export interface PodRef {
  name: string;
  ready: boolean;
  terminating: boolean;
}

/** A forwarded service: one stable loopback IP, its hostnames, and a forward per port (per pod when headless). */
export interface Service {
  key: string;
  serviceName: string;
  namespace: string;
  context: string;
  headless: boolean;
  /** active: all forwards up; error: none up, some failed; partial: both; pending: none yet. */
  status: ServiceStatus;
  localIP: string;
  hostnames: string[];
  activeCount: number;
  errorCount: number;
  totalBytesIn: number;
  totalBytesOut: number;
  rateIn: number;
  rateOut: number;
  pods: PodRef[];
  forwards: Forward[];
}

export interface ServiceFilter {
  namespace?: string | undefined;
  context?: string | undefined;
  status?: ServiceStatus | undefined;
}

export interface ForwardFilter {
  namespace?: string | undefined;
  /** Service name or service key. */
  service?: string | undefined;
  status?: ForwardStatus | undefined;
}

export interface AddServiceRequest {
  namespace: string;
  serviceName: string;
  /** Absent: the default (first) context. */
  context?: string | undefined;
}

export interface PortMapping {
  localPort: number;
  remotePort: number | string;
  protocol: string;
}

/** What POST /services answers once the forward listens. */
export interface AddedService {
  key: string;
  serviceName: string;
  namespace: string;
  context: string;
  localIP: string;
  hostnames: string[];
  ports: PortMapping[];
}

/** A namespace watcher: every service of `namespace` in `context` (optionally by label selector) is forwarded. */
export interface Namespace {
  key: string;
  namespace: string;
  context: string;
  serviceCount: number;
  activeCount: number;
  errorCount: number;
  /** The watch has listed at least once and is watching. */
  running: boolean;
  /** Kubernetes refused list/watch here (RBAC): the reason, else null. Never shown as an empty namespace. */
  forbidden: string | null;
  labelSelector: string | null;
  fieldSelector: string | null;
  lastError: string | null;
}

export interface AddNamespaceRequest {
  namespace: string;
  context?: string | undefined;
  /** Label selector, e.g. `app=web,tier!=cache`. */
  selector?: string | undefined;
}

export interface AddedNamespace {
  key: string;
  namespace: string;
  context: string;
  selector: string | null;
  /** Service keys known at answer time (discovery continues in the background). */
  services: string[];
}
