import type { Denial } from '../cluster/access.ts';
import type { AdhocRequest, AdhocView } from '../adhoc/adhoc-manager.ts';
import type { Schemas } from '../contract/contract.ts';
import type { ServiceEndpointsView } from '../daemon/endpoint-views.ts';
import type { LbPolicy } from '../forwarder/balancer.ts';
import type { DaemonEvent } from '../daemon/bus.ts';
import type { LogRecord } from '../log/log-ring.ts';

/**
 * What the REST API needs from the engine: narrow, plain-data views. The daemon implements them
 * (src/daemon/api-views.ts); the API's unit tests pass small fakes.
 */
export type Json = Record<string, unknown>;

/** The views' shapes are the spec's (generated from openapi.yaml), so the engine cannot drift from the contract. */
export type ServiceView = Schemas['Service'];
export type ForwardView = Schemas['Forward'];
export type NamespaceView = Schemas['Namespace'];
export type ServiceStatus = ServiceView['status'];
export type ServiceSummary = Schemas['Summary'];

/** A services list request: filters, then the search and the page. */
export interface ServiceQuery {
  status?: ServiceStatus | undefined;
  namespace?: string | undefined;
  context?: string | undefined;
  /** Case-insensitive substring of `name namespace context`, lowercased already. */
  search?: string | undefined;
  offset: number;
  limit: number;
}

export interface PodLogQuery {
  container?: string | undefined;
  tailLines: number;
  previous: boolean;
  timestamps: boolean;
}

export interface ApiViews {
  version: string;
  health(): { status: 'healthy' | 'syncing' | 'shutting-down' };
  /** True while a watch behind the daemon's state is not synced or failing: answers from it may lag. */
  cacheStale(): boolean;
  info(): Schemas['Info'];
  services: {
    list(): ServiceView[];
    /**
     * One page of the list: the views of the page as JSON (each JSON.stringify of a ServiceView in UTF-8, so the
     * answer is written without stringifying them again), how many matched (`total`, searched) and the summary of the
     * filtered services (not searched), at the cost of the page's views, not of every service's.
     */
    query(q: ServiceQuery): { services: Buffer[]; total: number; summary: ServiceSummary };
    get(key: string): ServiceView | undefined;
    /** Watched namespaces Kubernetes refuses to let us read (what the list leaves out). */
    denied(): Denial[];
    add(request: {
      namespace: string;
      serviceName: string;
      context?: string | undefined;
    }): Promise<Schemas['AddServiceResponse']>;
    remove(key: string): Promise<boolean>;
    reconnect(key: string): boolean;
    sync(key: string, force: boolean): boolean;
    reconnectAll(force: boolean): number;
    /** Endpoints with their connections and bytes, and the service's balancing. */
    endpoints(key: string): ServiceEndpointsView | undefined;
    setPolicy(key: string, policy: LbPolicy | null): ServiceEndpointsView | undefined;
  };
  forwards: { list(): ForwardView[]; get(key: string): ForwardView | undefined };
  /** Ad-hoc forwards (one local port to a pod, service, deployment or statefulset). */
  portforwards: {
    list(): AdhocView[];
    get(id: string): AdhocView | undefined;
    create(request: AdhocRequest): Promise<AdhocView>;
    remove(id: string): Promise<AdhocView | undefined>;
  };
  namespaces: {
    list(): NamespaceView[];
    get(key: string): NamespaceView | undefined;
    add(request: {
      namespace: string;
      context?: string | undefined;
      selector?: string | undefined;
    }): Promise<Schemas['AddNamespaceResponse']>;
    remove(key: string): Promise<boolean>;
  };
  kubernetes: {
    contexts(): Schemas['KubeContexts'];
    namespaces(context?: string): Promise<Schemas['KubeNamespaceList']>;
    services(namespace: string, context?: string): Promise<Schemas['KubeServiceList']>;
    service(namespace: string, name: string, context?: string): Promise<Schemas['KubeService']>;
    pods(
      namespace: string,
      context: string | undefined,
      query: { labelSelector?: string; fieldSelector?: string; serviceName?: string },
    ): Promise<Array<Schemas['KubePod']>>;
    pod(namespace: string, name: string, context?: string): Promise<Schemas['KubePodDetail']>;
    podLogs(
      namespace: string,
      name: string,
      context: string | undefined,
      query: PodLogQuery,
    ): Promise<Schemas['PodLogs']>;
    /** Follows the log: each new line to `onLine` until the pod or the server ends it (`onEnd`) or `stop`. */
    followPodLog(
      namespace: string,
      name: string,
      context: string | undefined,
      query: PodLogQuery,
      onLine: (line: string) => void,
      onEnd: () => void,
    ): Promise<() => void>;
    /** The same logs as Kubernetes sends them, for a plain-text download. */
    podLogText(
      namespace: string,
      name: string,
      context: string | undefined,
      query: PodLogQuery,
    ): Promise<string>;
    events(
      namespace: string,
      context: string | undefined,
      query: { kind?: string; name?: string; limit: number },
    ): Promise<Array<Schemas['KubeEvent']>>;
    endpoints(namespace: string, name: string, context?: string): Promise<Json>;
  };
  metrics: {
    summary(): Schemas['MetricsSummary'];
    services(): Array<Schemas['ServiceMetrics']>;
    service(key: string): Schemas['ServiceMetrics'] | undefined;
    history(key: string | undefined, durationMs: number, intervalMs: number): Schemas['History'];
  };
  diagnostics: {
    summary(): Schemas['Diagnostics'];
    errors(): Json[];
    service(key: string): Json | undefined;
    forward(key: string): Json | undefined;
    network(): Json;
  };
  history: {
    events(count: number): Array<Schemas['Event']>;
    errors(count: number): Array<Schemas['Event']>;
    reconnections(count: number, key?: string): Array<Schemas['Event']>;
    stats(): Json;
  };
  logs: {
    list(filter: { count: number; level?: string; service?: string }): LogRecord[];
    subscribe(fn: (r: LogRecord) => void): () => void;
    clear(): void;
  };
  events: {
    since(id: number): DaemonEvent[];
    subscribe(fn: (e: DaemonEvent) => void): () => void;
    lastId: number;
  };
  captures: {
    forward(key: string, count: number): Schemas['HttpTraffic'] | undefined;
    service(key: string, count: number): Schemas['HttpTraffic'] | undefined;
    /** Opts a service in or out of header and body capture; false when there is no such service. */
    setDetail(key: string, enabled: boolean): boolean;
    /** Drops a service's captures; undefined when there is no such service. */
    purge(key: string): number | undefined;
  };
  prom: {
    text(): Promise<string>;
    contentType: string;
    observe(method: string, route: string, status: number, seconds: number): void;
  };
}
