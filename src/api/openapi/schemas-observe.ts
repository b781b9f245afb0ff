/** Schemas of what is observed: metrics, diagnostics, analysis, history, logs, HTTP captures, SSE events. */
import { EVENT_TYPES, LOG_LEVELS } from '../views/observe.ts';
import { SERVICE_STATUSES } from '../views/resources.ts';
import {
  arr,
  bool,
  bytes,
  dateTime,
  int,
  map,
  nullable,
  num,
  obj,
  oneOfEnum,
  ref,
  str,
  type Schema,
} from './schema-kit.ts';

const counts = (names: string[]): Schema =>
  obj(Object.fromEntries(names.map((n) => [n, int({ minimum: 0 })])));

const issue = obj({
  severity: oneOfEnum(['info', 'warning', 'error']),
  kind: str(),
  key: str(),
  serviceKey: nullable(str()),
  message: str(),
  suggestion: nullable(str()),
});

const hostsFile = obj({
  path: str(),
  entries: int(),
  hostnames: int(),
  writes: int(),
  lastWriteAt: nullable(dateTime()),
  lastError: nullable(str()),
  backupPath: nullable(str()),
});

const allocation = obj({ key: str(), ip: str(), reservation: nullable(str()) });
const nsSync = obj({ key: str(), synced: bool(), forbidden: nullable(str()), lastError: nullable(str()) });

const httpSummary = obj({
  totalRequests: int({ minimum: 0 }),
  lastRequest: nullable(dateTime()),
  statusCodes: counts(['1xx', '2xx', '3xx', '4xx', '5xx']),
  topPaths: arr(obj({ path: str(), count: int() })),
});

const exchange = obj({
  timestamp: dateTime(),
  forwardKey: str(),
  method: str(),
  path: str(),
  statusCode: int(),
  duration: str({ description: 'e.g. 12.3ms' }),
  durationMs: num({ minimum: 0 }),
  requestBytes: int({ minimum: 0 }),
  size: int({ minimum: 0, description: 'Response bytes' }),
});

const historyEntry = obj({
  id: int(),
  type: str(),
  timestamp: dateTime(),
  serviceKey: nullable(str()),
  message: str(),
  data: map({}),
});

export const OBSERVE_SCHEMAS: Record<string, Schema> = {
  MetricsSummary: obj({
    totalServices: int(),
    activeServices: int(),
    totalForwards: int(),
    activeForwards: int(),
    errorCount: int(),
    totalBytesIn: bytes,
    totalBytesOut: bytes,
    totalRateIn: bytes,
    totalRateOut: bytes,
    uptime: str(),
    lastUpdated: nullable(dateTime()),
  }),
  ServiceMetrics: obj({
    key: str(),
    serviceName: str(),
    namespace: str(),
    context: str(),
    totalBytesIn: bytes,
    totalBytesOut: bytes,
    rateIn: bytes,
    rateOut: bytes,
    portForwards: arr(
      obj({
        key: str(),
        podName: nullable(str()),
        localIP: str(),
        localPort: int(),
        podPort: nullable(int()),
        bytesIn: bytes,
        bytesOut: bytes,
        rateIn: bytes,
        rateOut: bytes,
        connectionsActive: int(),
        lastActive: nullable(dateTime()),
      }),
    ),
  }),
  MetricsHistory: obj({
    key: nullable(str()),
    duration: str(),
    interval: str(),
    durationMs: int(),
    intervalMs: int(),
    points: arr(
      obj({ timestamp: dateTime(), bytesIn: bytes, bytesOut: bytes, rateIn: bytes, rateOut: bytes }),
    ),
  }),
  Issue: issue,
  HostsFileStatus: hostsFile,
  IpAllocation: allocation,
  Diagnostics: obj({
    status: oneOfEnum(['healthy', 'degraded', 'unhealthy', 'syncing']),
    timestamp: dateTime(),
    uptime: str(),
    version: str(),
    services: counts(['total', 'active', 'error', 'partial', 'pending']),
    issues: arr(ref('Issue')),
    namespaces: arr(nsSync),
    namespacesDenied: arr(obj({ key: str(), message: str() })),
    hostsFile: ref('HostsFileStatus'),
    transports: map(str()),
    allocatedIPs: arr(ref('IpAllocation')),
    recommendations: arr(str()),
  }),
  ForwardDiagnostics: {
    allOf: [ref('Forward'), obj({ kind: nullable(str()), suggestion: nullable(str()) })],
  },
  ServiceDiagnostics: obj({
    key: str(),
    serviceName: str(),
    namespace: str(),
    context: str(),
    status: oneOfEnum(SERVICE_STATUSES),
    localIP: str(),
    hostnames: arr(str()),
    pods: arr(obj({ name: str(), ready: bool(), terminating: bool() })),
    forwards: arr(ref('ForwardDiagnostics')),
    issues: arr(ref('Issue')),
    reconnections: arr(ref('Reconnection')),
  }),
  NetworkDiagnostics: obj({
    allocatedIPs: arr(ref('IpAllocation')),
    listeners: arr(obj({ key: str(), address: str(), status: str() })),
    hostsFile: ref('HostsFileStatus'),
    transports: map(str()),
    sessions: int(),
    api: str(),
  }),
  Status: obj({
    status: oneOfEnum(['healthy', 'degraded', 'unhealthy', 'syncing']),
    message: str(),
    totalServices: int(),
    activeServices: int(),
    errorCount: int(),
    uptime: str(),
  }),
  Analysis: obj({
    status: oneOfEnum(['healthy', 'degraded', 'unhealthy', 'syncing']),
    summary: str(),
    issues: arr(ref('Issue')),
    recommendations: arr(
      obj({ priority: oneOfEnum(['high', 'medium', 'low']), category: str(), message: str() }),
    ),
    suggestedActions: arr(
      obj({
        action: oneOfEnum(['reconnect', 'reconnect_all', 'sync']),
        target: str(),
        reason: str(),
        endpoint: str(),
        method: oneOfEnum(['POST']),
      }),
    ),
    stats: obj({
      totalServices: int(),
      activeServices: int(),
      erroredServices: int(),
      totalForwards: int(),
      activeForwards: int(),
      totalBytesIn: bytes,
      totalBytesOut: bytes,
      uptime: str(),
    }),
  }),
  HistoryEntry: historyEntry,
  Reconnection: obj({
    id: int(),
    timestamp: dateTime(),
    serviceKey: str(),
    forwardKey: nullable(str()),
    trigger: oneOfEnum(['auto', 'manual', 'sync']),
    reason: str(),
  }),
  HistoryStats: obj({
    totalEvents: int(),
    totalErrors: int(),
    totalReconnects: int(),
    byType: map(int()),
    capacity: int(),
  }),
  LogEntry: obj(
    {
      id: int(),
      timestamp: dateTime(),
      level: oneOfEnum(LOG_LEVELS),
      message: str(),
      service: nullable(str()),
    },
    [],
  ),
  HttpExchange: exchange,
  HttpSummary: httpSummary,
  HttpTraffic: obj({
    forwardKey: str(),
    serviceKey: str(),
    podName: nullable(str()),
    localIP: str(),
    localPort: int(),
    summary: ref('HttpSummary'),
    logs: arr(ref('HttpExchange')),
  }),
  ServiceHttpTraffic: obj({
    serviceKey: str(),
    summary: ref('HttpSummary'),
    logs: arr(ref('HttpExchange')),
  }),
  EventName: oneOfEnum(EVENT_TYPES),
  SseEvent: {
    ...obj({ type: ref('EventName'), timestamp: dateTime() }),
    description:
      'The `data:` of one SSE event (the event name is in `event:`, its id in `id:`): type and timestamp plus ' +
      'the fields of the event, e.g. key/serviceKey, namespace, service, context, podName, localIP, localPort.',
  },
};
