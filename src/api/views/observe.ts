/** Plain data of what the API reports about traffic, health, history, logs, events and HTTP captures. */
import type { Forward } from './resources.ts';

// ---- metrics ------------------------------------------------------------------------------------------------

export interface MetricsTotals {
  /** Bytes and rates (bytes/s, averaged over the last 10 s) summed over every forward. */
  totalBytesIn: number;
  totalBytesOut: number;
  totalRateIn: number;
  totalRateOut: number;
  /** ISO time of the newest sample, null before the first. */
  lastUpdated: string | null;
}

export interface PortForwardMetrics {
  key: string;
  podName: string | null;
  localIP: string;
  localPort: number;
  podPort: number | null;
  bytesIn: number;
  bytesOut: number;
  rateIn: number;
  rateOut: number;
  connectionsActive: number;
  lastActive: string | null;
}

export interface ServiceMetrics {
  key: string;
  serviceName: string;
  namespace: string;
  context: string;
  totalBytesIn: number;
  totalBytesOut: number;
  rateIn: number;
  rateOut: number;
  portForwards: PortForwardMetrics[];
}

export interface HistoryPoint {
  /** Start of the bucket, ISO. */
  timestamp: string;
  /** Bytes moved within the bucket. */
  bytesIn: number;
  bytesOut: number;
  /** Average bytes/s over the bucket. */
  rateIn: number;
  rateOut: number;
}

// ---- diagnostics ------------------------------------------------------------------------------------------

export type IssueSeverity = 'info' | 'warning' | 'error';

/** Something wrong, classified, with what to do about it. */
export interface Issue {
  severity: IssueSeverity;
  /** e.g. connection-refused, port-in-use, forbidden, timeout, not-found, no-ready-pod, hosts-file, transport. */
  kind: string;
  /** The service, forward, namespace or file the issue is about. */
  key: string;
  serviceKey: string | null;
  message: string;
  suggestion: string | null;
}

export interface HostsFileStatus {
  path: string;
  entries: number;
  hostnames: number;
  writes: number;
  lastWriteAt: string | null;
  lastError: string | null;
  backupPath: string | null;
}

export interface NamespaceSyncState {
  key: string;
  synced: boolean;
  forbidden: string | null;
  lastError: string | null;
}

export interface IpAllocationView {
  key: string;
  ip: string;
  reservation: string | null;
}

export interface DiagnosticsState {
  /** The first sync finished. */
  ready: boolean;
  issues: Issue[];
  namespaces: NamespaceSyncState[];
  hostsFile: HostsFileStatus;
  /** Port-forward protocol chosen per context. */
  transports: Record<string, string>;
  allocatedIPs: IpAllocationView[];
}

export interface NetworkDiagnostics {
  allocatedIPs: IpAllocationView[];
  listeners: Array<{ key: string; address: string; status: string }>;
  hostsFile: HostsFileStatus;
  transports: Record<string, string>;
  /** Live port-forward sessions (one multiplexed connection per pod). */
  sessions: number;
  /** host:port the API listens on. */
  api: string;
}

export interface ForwardDiagnostics extends Forward {
  /** Classified last error, null when none. */
  kind: string | null;
  suggestion: string | null;
}

// ---- history ----------------------------------------------------------------------------------------------

export interface HistoryEntry {
  id: number;
  type: string;
  timestamp: string;
  serviceKey: string | null;
  message: string;
  data: Record<string, unknown>;
}

export interface Reconnection {
  id: number;
  timestamp: string;
  serviceKey: string;
  forwardKey: string | null;
  /** auto (pod replaced or session lost), manual (API), sync. */
  trigger: 'auto' | 'manual' | 'sync';
  reason: string;
}

export interface HistoryStats {
  totalEvents: number;
  totalErrors: number;
  totalReconnects: number;
  byType: Record<string, number>;
  capacity: number;
}

// ---- logs ---------------------------------------------------------------------------------------------------

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogEntry {
  /** Monotonic; the logs stream resumes with Last-Event-ID. */
  id: number;
  timestamp: string;
  level: LogLevel;
  message: string;
  /** The service or forward the record is about. */
  service?: string | null | undefined;
}

export interface LogFilter {
  count: number;
  /** Minimum level. */
  level?: LogLevel | undefined;
  /** Substring of the record's service. */
  service?: string | undefined;
}

// ---- events -------------------------------------------------------------------------------------------------

/** The seed's dotted event names (SSE `event:` field). */
export const EVENT_TYPES = [
  'service.added',
  'service.removed',
  'service.updated',
  'service.error',
  'forward.connected',
  'forward.disconnected',
  'forward.error',
  'pod.added',
  'pod.removed',
  'pod.status',
  'namespace.added',
  'namespace.removed',
  'namespace.error',
  'hosts.updated',
  'shutdown.started',
  'shutdown.complete',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface ApiEvent {
  /** Monotonic from 1; SSE `id:`. */
  id: number;
  type: EventType;
  timestamp: string;
  /** Always has serviceKey/key where the event is about one; see openapi.yaml EventData. */
  data: Record<string, unknown>;
}

// ---- HTTP captures -----------------------------------------------------------------------------------------

export interface HttpExchange {
  /** When the request started, ISO. */
  timestamp: string;
  forwardKey: string;
  method: string;
  path: string;
  statusCode: number;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
}
