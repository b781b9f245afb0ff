import type { Denial } from '../cluster/access.ts';
import type { DaemonEvent } from '../daemon/bus.ts';
import type { LogRecord } from '../log/log-ring.ts';

/**
 * What the REST API needs from the engine: narrow, plain-data views. The daemon implements them
 * (src/daemon/api-views.ts); the API's unit tests pass small fakes.
 */
export type Json = Record<string, unknown>;

export interface ServiceView extends Json {
  key: string;
  serviceName: string;
  namespace: string;
  context: string;
  headless: boolean;
  status: 'active' | 'error' | 'partial' | 'pending';
  localIP: string;
  hostnames: string[];
  activeCount: number;
  errorCount: number;
  totalBytesIn: number;
  totalBytesOut: number;
  rateIn: number;
  rateOut: number;
  forwards: ForwardView[];
}

export interface ForwardView extends Json {
  key: string;
  serviceKey: string;
  serviceName: string;
  namespace: string;
  context: string;
  podName: string | null;
  localIP: string;
  localPort: number;
  podPort: number | null;
  hostnames: string[];
  status: string;
  error: string | null;
  bytesIn: number;
  bytesOut: number;
  rateIn: number;
  rateOut: number;
  connectionsActive: number;
  connectionsTotal: number;
}

export interface NamespaceView extends Json {
  key: string;
  namespace: string;
  context: string;
  serviceCount: number;
  activeCount: number;
  errorCount: number;
  running: boolean;
  forbidden: string | null;
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
  info(): Json;
  services: {
    list(): ServiceView[];
    get(key: string): ServiceView | undefined;
    /** Watched namespaces Kubernetes refuses to let us read (what the list leaves out). */
    denied(): Denial[];
    add(request: { namespace: string; serviceName: string; context?: string | undefined }): Promise<Json>;
    remove(key: string): Promise<boolean>;
    reconnect(key: string): boolean;
    sync(key: string, force: boolean): boolean;
    reconnectAll(force: boolean): number;
  };
  forwards: { list(): ForwardView[]; get(key: string): ForwardView | undefined };
  namespaces: {
    list(): NamespaceView[];
    get(key: string): NamespaceView | undefined;
    add(request: {
      namespace: string;
      context?: string | undefined;
      selector?: string | undefined;
    }): Promise<Json>;
    remove(key: string): Promise<boolean>;
  };
  kubernetes: {
    contexts(): Json;
    namespaces(context?: string): Promise<Json>;
    services(namespace: string, context?: string): Promise<Json>;
    service(namespace: string, name: string, context?: string): Promise<Json>;
    pods(
      namespace: string,
      context: string | undefined,
      query: { labelSelector?: string; fieldSelector?: string; serviceName?: string },
    ): Promise<Json[]>;
    pod(namespace: string, name: string, context?: string): Promise<Json>;
    podLogs(namespace: string, name: string, context: string | undefined, query: PodLogQuery): Promise<Json>;
    /** The same logs as Kubernetes sends them, for a plain-text download. */
    podLogText(namespace: string, name: string, context: string | undefined, query: PodLogQuery): Promise<string>;
    events(
      namespace: string,
      context: string | undefined,
      query: { kind?: string; name?: string; limit: number },
    ): Promise<Json[]>;
    endpoints(namespace: string, name: string, context?: string): Promise<Json>;
  };
  metrics: {
    summary(): Json;
    services(): Json[];
    service(key: string): Json | undefined;
    history(key: string | undefined, durationMs: number, intervalMs: number): Json;
  };
  diagnostics: {
    summary(): Json;
    errors(): Json[];
    service(key: string): Json | undefined;
    forward(key: string): Json | undefined;
    network(): Json;
  };
  history: {
    events(count: number): Json[];
    errors(count: number): Json[];
    reconnections(count: number, key?: string): Json[];
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
    forward(key: string, count: number): Json | undefined;
    service(key: string, count: number): Json | undefined;
  };
  prom: {
    text(): Promise<string>;
    contentType: string;
    observe(method: string, route: string, status: number, seconds: number): void;
  };
}

/** Counts and byte totals over a list of services (the services list's summary and the metrics summary). */
export const summarizeServices = (services: ServiceView[]) => ({
  totalServices: services.length,
  activeServices: services.filter((s) => s.status === 'active').length,
  totalForwards: services.reduce((n, s) => n + s.forwards.length, 0),
  activeForwards: services.reduce((n, s) => n + s.activeCount, 0),
  errorCount: services.reduce((n, s) => n + s.errorCount, 0),
  totalBytesIn: services.reduce((n, s) => n + s.totalBytesIn, 0),
  totalBytesOut: services.reduce((n, s) => n + s.totalBytesOut, 0),
  rateIn: services.reduce((n, s) => n + s.rateIn, 0),
  rateOut: services.reduce((n, s) => n + s.rateOut, 0),
});
