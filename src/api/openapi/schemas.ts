/** components.schemas of openapi.yaml: one typed schema per shape the API answers (see src/api/views/*.ts). */
import { ERROR_CODES } from '../../errors.ts';
import { EVENT_TYPES, LOG_LEVELS } from '../views/observe.ts';
import { FORWARD_STATUSES, SERVICE_STATUSES } from '../views/resources.ts';
import {
  arr,
  bool,
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

const labels = map(str());
const bytes = num({ minimum: 0 });

const reconnectState = obj({
  attempts: int({ minimum: 0 }),
  delayMs: num({ minimum: 0 }),
  nextAttemptAt: nullable(dateTime()),
});

const forward = obj({
  key: str({ description: 'svc.ns.ctx.pod.localPort' }),
  serviceKey: str(),
  serviceName: str(),
  namespace: str(),
  context: str(),
  headless: bool(),
  podName: nullable(str()),
  localIP: str(),
  localPort: int(),
  podPort: nullable(int()),
  hostnames: arr(str()),
  status: oneOfEnum(FORWARD_STATUSES),
  error: nullable(str()),
  startedAt: nullable(dateTime()),
  lastActive: nullable(dateTime()),
  bytesIn: bytes,
  bytesOut: bytes,
  rateIn: bytes,
  rateOut: bytes,
  connectionsActive: int({ minimum: 0 }),
  connectionsTotal: int({ minimum: 0 }),
  protocol: nullable(str()),
  reconnect: nullable(ref('ReconnectState')),
});

const service = obj({
  key: str({ description: 'svc.ns.ctx' }),
  serviceName: str(),
  namespace: str(),
  context: str(),
  headless: bool(),
  status: oneOfEnum(SERVICE_STATUSES),
  localIP: str(),
  hostnames: arr(str()),
  activeCount: int({ minimum: 0 }),
  errorCount: int({ minimum: 0 }),
  totalBytesIn: bytes,
  totalBytesOut: bytes,
  rateIn: bytes,
  rateOut: bytes,
  pods: arr(obj({ name: str(), ready: bool(), terminating: bool() })),
  forwards: arr(ref('Forward')),
});

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

const kubePod = {
  name: str(),
  namespace: str(),
  phase: str(),
  ready: str({ description: 'ready containers / all, e.g. 1/2' }),
  isReady: bool(),
  restarts: int({ minimum: 0 }),
  ip: nullable(str()),
  node: nullable(str()),
  labels,
  containers: arr(str()),
  startTime: nullable(dateTime()),
  terminating: bool(),
  isForwarded: bool(),
  forwardedPort: nullable(int()),
};

const endpointAddress = obj({ ip: str(), hostname: str(), nodeName: str(), podName: str() }, [
  'hostname',
  'nodeName',
  'podName',
]);

const historyEntry = obj({
  id: int(),
  type: str(),
  timestamp: dateTime(),
  serviceKey: nullable(str()),
  message: str(),
  data: map({}),
});

export const SCHEMAS: Record<string, Schema> = {
  ErrorCode: oneOfEnum(Object.keys(ERROR_CODES)),
  Meta: obj(
    {
      count: int({ minimum: 0, description: 'Items in data (lists)' }),
      total: int({ minimum: 0, description: 'Items matching before paging (paged lists)' }),
      timestamp: dateTime(),
      requestId: str(),
    },
    ['count', 'total'],
  ),
  ErrorEnvelope: obj({
    success: { const: false },
    error: obj({ code: ref('ErrorCode'), message: str() }),
    meta: ref('Meta'),
  }),
  Health: obj({ status: oneOfEnum(['healthy', 'syncing', 'shutting-down']), timestamp: dateTime() }),
  Info: obj({
    version: str(),
    nodeVersion: str(),
    platform: str({ description: 'os/arch' }),
    startTime: dateTime(),
    uptime: str({ description: 'e.g. 2h15m30s' }),
    uptimeSeconds: num({ minimum: 0 }),
    contexts: arr(str()),
    namespaces: arr(str()),
    apiEnabled: bool(),
    idle: bool(),
  }),
  ReconnectState: reconnectState,
  Forward: forward,
  Service: service,
  ServiceSummary: obj({
    totalServices: int(),
    activeServices: int(),
    totalForwards: int(),
    activeForwards: int(),
    errorCount: int(),
    totalBytesIn: bytes,
    totalBytesOut: bytes,
    rateIn: bytes,
    rateOut: bytes,
  }),
  ForwardSummary: obj({ totalForwards: int(), activeForwards: int(), errorForwards: int() }),
  AddServiceRequest: obj(
    {
      namespace: str({ description: 'RFC 1123 label' }),
      service_name: str({ description: 'RFC 1123 label' }),
      serviceName: str({ description: 'Alias of service_name' }),
      context: str({ description: 'Default: the first context' }),
    },
    ['service_name', 'serviceName', 'context'],
  ),
  AddedService: obj({
    key: str(),
    serviceName: str(),
    namespace: str(),
    context: str(),
    localIP: str(),
    hostnames: arr(str()),
    ports: arr(obj({ localPort: int(), remotePort: { type: ['integer', 'string'] }, protocol: str() })),
  }),
  Namespace: obj({
    key: str({ description: 'ns.ctx' }),
    namespace: str(),
    context: str(),
    serviceCount: int(),
    activeCount: int(),
    errorCount: int(),
    running: bool(),
    forbidden: nullable(str()),
    labelSelector: nullable(str()),
    fieldSelector: nullable(str()),
    lastError: nullable(str()),
  }),
  AddNamespaceRequest: obj({ namespace: str(), context: str(), selector: str() }, ['context', 'selector']),
  AddedNamespace: obj({
    key: str(),
    namespace: str(),
    context: str(),
    selector: nullable(str()),
    services: arr(str()),
  }),
  Removed: obj({ removed: bool(), key: str(), message: str() }),
  Triggered: obj({ triggered: int({ minimum: 0 }), services: arr(str()), force: bool() }),
  SyncTriggered: obj({ service: str(), force: bool() }),
  KubeContexts: obj({
    currentContext: str(),
    contexts: arr(
      obj({
        name: str(),
        cluster: nullable(str()),
        server: nullable(str()),
        namespace: nullable(str()),
        active: bool(),
      }),
    ),
  }),
  KubeNamespace: obj({ name: str(), status: str(), forwarded: bool() }),
  KubeService: obj({
    name: str(),
    namespace: str(),
    type: str(),
    clusterIP: nullable(str()),
    ports: arr(
      obj({
        name: nullable(str()),
        port: int(),
        targetPort: { type: ['integer', 'string'] },
        protocol: str(),
      }),
    ),
    selector: nullable(labels),
    forwarded: bool(),
    forwardKey: nullable(str()),
  }),
  KubePod: obj(kubePod),
  KubePodDetail: obj({
    ...kubePod,
    context: str(),
    annotations: labels,
    conditions: arr(obj({ type: str(), status: str(), reason: nullable(str()), message: nullable(str()) })),
    forwardKey: nullable(str()),
  }),
  PodLogs: obj({
    podName: str(),
    namespace: str(),
    context: str(),
    containerName: nullable(str()),
    logs: arr(str()),
    lineCount: int(),
    truncated: bool(),
  }),
  KubeEvent: obj({
    type: str(),
    reason: str(),
    message: str(),
    count: int(),
    firstTimestamp: nullable(dateTime()),
    lastTimestamp: nullable(dateTime()),
    source: str(),
    objectKind: nullable(str()),
    objectName: nullable(str()),
  }),
  KubeEndpoints: obj({
    name: str(),
    namespace: str(),
    subsets: arr(
      obj({
        addresses: arr(endpointAddress),
        notReadyAddresses: arr(endpointAddress),
        ports: arr(obj({ name: nullable(str()), port: int(), protocol: str() })),
      }),
    ),
  }),
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
