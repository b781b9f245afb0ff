/**
 * What the REST API needs from the engine: narrow views returning plain data. The daemon implements them; the API's
 * tests pass small in-memory fakes (test/helpers/api-fakes.ts). Everything derivable from these (summaries, paging,
 * search, status, analysis, capture summaries, uptime) is computed by the API, so the engine stays small.
 *
 * Conventions: `get` answers undefined for an unknown key (the API turns that into 404 NOT_FOUND); actions throw
 * KubefwdError with a code from src/errors.ts (ALREADY_EXISTS, K8S_FORBIDDEN, …); any method may return a promise.
 */
import type { Awaitable, KubernetesView } from './views/kubernetes.ts';
import type {
  ApiEvent,
  DiagnosticsState,
  HistoryEntry,
  HistoryPoint,
  HistoryStats,
  HttpExchange,
  LogEntry,
  LogFilter,
  MetricsTotals,
  NetworkDiagnostics,
  Reconnection,
} from './views/observe.ts';
import type {
  AddedNamespace,
  AddedService,
  AddNamespaceRequest,
  AddServiceRequest,
  Forward,
  ForwardFilter,
  Namespace,
  Service,
  ServiceFilter,
} from './views/resources.ts';

export type * from './views/kubernetes.ts';
export type * from './views/observe.ts';
export type * from './views/resources.ts';
export { EVENT_TYPES, LOG_LEVELS } from './views/observe.ts';
export { FORWARD_STATUSES, SERVICE_STATUSES } from './views/resources.ts';

export type HealthStatus = 'healthy' | 'syncing' | 'shutting-down';

export interface InfoView {
  version: string;
  /** Epoch ms the daemon started; the API derives uptime with its clock. */
  startedAt: number;
  contexts: string[];
  /** Keys (`ns.ctx`) of the namespaces watched now. */
  namespaces: string[];
  idle: boolean;
}

export interface ServicesView {
  /** The filter is a hint the view may use to narrow; the API applies it again, then sorts and pages. */
  list(filter: ServiceFilter): Awaitable<Service[]>;
  get(key: string): Awaitable<Service | undefined>;
  /** Resolves once every port listens (or throws: ALREADY_EXISTS, K8S_NOT_FOUND, K8S_FORBIDDEN, UNSUPPORTED…). */
  add(request: AddServiceRequest): Promise<AddedService>;
  /** false: no such service. */
  remove(key: string): Awaitable<boolean>;
  /** Drops the pod sessions so they are dialled again now; false: no such service. */
  reconnect(key: string): Awaitable<boolean>;
  /** Re-lists the service's pods (force: also re-dial live ones); false: no such service. */
  sync(key: string, options: { force: boolean }): Awaitable<boolean>;
  /** Reconnects services with a failed forward (all with force); answers the keys reconnected. */
  reconnectAll(options: { force: boolean }): Awaitable<string[]>;
}

export interface ForwardsView {
  list(filter: ForwardFilter): Awaitable<Forward[]>;
  get(key: string): Awaitable<Forward | undefined>;
}

export interface NamespacesView {
  list(): Awaitable<Namespace[]>;
  get(key: string): Awaitable<Namespace | undefined>;
  /** Throws ALREADY_EXISTS when watched already. */
  add(request: AddNamespaceRequest): Promise<AddedNamespace>;
  remove(key: string): Awaitable<boolean>;
}

export interface MetricsView {
  totals(): Awaitable<MetricsTotals>;
  /**
   * Buckets of `intervalMs` over the last `durationMs`, oldest first, for one service or (key undefined) all;
   * undefined for an unknown service key.
   */
  history(
    key: string | undefined,
    span: { durationMs: number; intervalMs: number },
  ): Awaitable<HistoryPoint[] | undefined>;
}

export interface DiagnosticsView {
  /** Engine-level state; `issues` lists what the API cannot see in services and forwards (hosts file, RBAC…). */
  state(): Awaitable<DiagnosticsState>;
  network(): Awaitable<NetworkDiagnostics>;
}

export interface HistoryView {
  /** Newest `count`, oldest first; `type` filters by event name. */
  events(count: number, type?: string): Awaitable<HistoryEntry[]>;
  errors(count: number): Awaitable<HistoryEntry[]>;
  reconnections(count: number, serviceKey?: string): Awaitable<Reconnection[]>;
  stats(): Awaitable<HistoryStats>;
}

export interface LogsView {
  /** Newest `count` records passing the filter, oldest first. */
  list(filter: LogFilter): Awaitable<LogEntry[]>;
  /** Every new record; returns the unsubscribe function. */
  subscribe(listener: (entry: LogEntry) => void): () => void;
  clear(): Awaitable<void>;
}

export interface EventsView {
  /** Retained events with id greater than `afterId`, oldest first (SSE Last-Event-ID replay). */
  since(afterId: number): ApiEvent[];
  subscribe(listener: (event: ApiEvent) => void): () => void;
}

export interface CapturesView {
  /** The newest `count` HTTP exchanges of a forward (undefined: no such forward), oldest first. */
  forward(key: string, count: number): Awaitable<HttpExchange[] | undefined>;
  /** The same over all forwards of a service. */
  service(key: string, count: number): Awaitable<HttpExchange[] | undefined>;
}

export interface PromView {
  /** Prometheus text exposition. */
  text(): Awaitable<string>;
  contentType: string;
}

export interface ApiViews {
  health(): HealthStatus;
  info(): Awaitable<InfoView>;
  services: ServicesView;
  forwards: ForwardsView;
  namespaces: NamespacesView;
  kubernetes: KubernetesView;
  metrics: MetricsView;
  diagnostics: DiagnosticsView;
  history: HistoryView;
  logs: LogsView;
  events: EventsView;
  captures: CapturesView;
  /** Absent: /metrics answers 404. */
  prom?: PromView | undefined;
}
