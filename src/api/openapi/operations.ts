/** Every operation of the API, one line of facts each; build.ts turns them into openapi.yaml paths. */
import { EVENT_TYPES, LOG_LEVELS } from '../views/observe.ts';
import { FORWARD_STATUSES, SERVICE_STATUSES } from '../views/resources.ts';
import { arr, bool, int, obj, oneOfEnum, ref, str, type Schema } from './schema-kit.ts';

export interface Param {
  name: string;
  in: 'query' | 'header';
  schema: Schema;
  description?: string;
  required?: boolean;
}

export interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  id: string;
  summary: string;
  tag: string;
  params?: Param[];
  /** requestBody schema (application/json). */
  body?: Schema;
  /** Schema of `data` in the success envelope. */
  data?: Schema;
  status?: 200 | 201;
  /** Error statuses beyond the ones every operation has. */
  errors?: number[];
  /** A non-JSON answer: content type and description (SSE, Prometheus, YAML). */
  raw?: { type: string; description: string };
  /** No bearer token. */
  open?: boolean;
  description?: string;
}

const q = (name: string, schema: Schema, description?: string): Param => ({
  name,
  in: 'query',
  schema,
  ...(description ? { description } : {}),
});
const count = (def: number, max: number): Param =>
  q('count', int({ minimum: 1, maximum: max, default: def }), 'Number of entries (newest)');
const context = q('context', str({ maxLength: 253 }), 'Kubeconfig context (default: the first one in use)');
const paging = [
  q('limit', int({ minimum: 1, maximum: 1000, default: 100 }), 'Page size'),
  q('offset', int({ minimum: 0, default: 0 }), 'Items to skip'),
  q('search', str({ maxLength: 200 }), 'Case-insensitive substring of name, namespace, context'),
];
const force = q('force', oneOfEnum(['true', 'false']), 'Also the healthy ones / re-dial live sessions');
const span = [
  q('duration', str({ pattern: '^[0-9]+(ms|s|m|h|d)$', default: '5m' }), 'Window, e.g. 30m, 1h (max 24h)'),
  q('interval', str({ pattern: '^[0-9]+(ms|s|m|h|d)$', default: '1s' }), 'Bucket, e.g. 1s, 10s, 1m'),
];
const K8S = [403, 502, 504];
const list = (item: Schema): Schema => arr(item);

export const OPERATIONS: Operation[] = [
  // health and info
  {
    method: 'get',
    path: '/api/health',
    id: 'getHealth',
    summary: 'Liveness and first-sync readiness (bare JSON, no token; 503 while the first sync runs)',
    tag: 'health',
    open: true,
  },
  {
    method: 'get',
    path: '/api/info',
    id: 'getInfo',
    summary: 'Version, uptime, contexts, namespaces',
    tag: 'health',
    data: ref('Info'),
  },

  // services
  {
    method: 'get',
    path: '/api/v1/services',
    id: 'listServices',
    summary: 'Forwarded services, sorted by name, paged',
    tag: 'services',
    params: [
      q('namespace', str({ maxLength: 63 })),
      context,
      q('status', oneOfEnum(SERVICE_STATUSES)),
      ...paging,
    ],
    data: obj({ services: arr(ref('Service')), summary: ref('ServiceSummary') }),
  },
  {
    method: 'post',
    path: '/api/v1/services',
    id: 'addService',
    summary: 'Forward one service; answers once it listens, with its IP, hostnames and ports',
    tag: 'services',
    body: ref('AddServiceRequest'),
    data: ref('AddedService'),
    status: 201,
    errors: [409, 413, 415, 422, ...K8S],
  },
  {
    method: 'post',
    path: '/api/v1/services/reconnect',
    id: 'reconnectServices',
    summary: 'Reconnect every service with a failed forward (every service with force=true)',
    tag: 'services',
    params: [force],
    data: ref('Triggered'),
  },
  {
    method: 'get',
    path: '/api/v1/services/{key}',
    id: 'getService',
    summary: 'One service (key svc.ns.ctx)',
    tag: 'services',
    data: ref('Service'),
  },
  {
    method: 'delete',
    path: '/api/v1/services/{key}',
    id: 'removeService',
    summary: 'Stop forwarding a service',
    tag: 'services',
    data: ref('Removed'),
  },
  {
    method: 'post',
    path: '/api/v1/services/{key}/reconnect',
    id: 'reconnectService',
    summary: 'Re-dial the pod sessions of one service now',
    tag: 'services',
    data: ref('Triggered'),
  },
  {
    method: 'post',
    path: '/api/v1/services/{key}/sync',
    id: 'syncService',
    summary: 'Re-list the pods of one service',
    tag: 'services',
    params: [force],
    data: ref('SyncTriggered'),
  },
  {
    method: 'get',
    path: '/api/v1/services/{key}/http',
    id: 'getServiceHttp',
    summary: 'HTTP/1.x exchanges seen on every forward of a service',
    tag: 'http',
    params: [count(50, 500)],
    data: ref('ServiceHttpTraffic'),
  },
  {
    method: 'get',
    path: '/api/v1/services/{key}/history/reconnections',
    id: 'getServiceReconnections',
    summary: 'Reconnections of one service',
    tag: 'history',
    params: [count(20, 200)],
    data: list(ref('Reconnection')),
  },

  // forwards
  {
    method: 'get',
    path: '/api/v1/forwards',
    id: 'listForwards',
    summary: 'Port forwards (local IP:port → pod port), paged',
    tag: 'forwards',
    params: [
      q('namespace', str({ maxLength: 63 })),
      q('service', str({ maxLength: 600 }), 'Service name or key'),
      q('status', oneOfEnum(FORWARD_STATUSES)),
      ...paging,
    ],
    data: obj({ forwards: arr(ref('Forward')), summary: ref('ForwardSummary') }),
  },
  {
    method: 'get',
    path: '/api/v1/forwards/{key}',
    id: 'getForward',
    summary: 'One forward (key svc.ns.ctx.pod.port)',
    tag: 'forwards',
    data: ref('Forward'),
  },
  {
    method: 'get',
    path: '/api/v1/forwards/{key}/http',
    id: 'getForwardHttp',
    summary: 'HTTP/1.x exchanges seen on one forward',
    tag: 'http',
    params: [count(50, 500)],
    data: ref('HttpTraffic'),
  },

  // namespaces
  {
    method: 'get',
    path: '/api/v1/namespaces',
    id: 'listNamespaces',
    summary: 'Namespace watchers',
    tag: 'namespaces',
    params: paging,
    data: obj({ namespaces: arr(ref('Namespace')) }),
  },
  {
    method: 'post',
    path: '/api/v1/namespaces',
    id: 'addNamespace',
    summary: 'Watch a namespace and forward all its services',
    tag: 'namespaces',
    body: ref('AddNamespaceRequest'),
    data: ref('AddedNamespace'),
    status: 201,
    errors: [409, 413, 415, ...K8S],
  },
  {
    method: 'get',
    path: '/api/v1/namespaces/{key}',
    id: 'getNamespace',
    summary: 'One watcher (key ns.ctx)',
    tag: 'namespaces',
    data: ref('Namespace'),
  },
  {
    method: 'delete',
    path: '/api/v1/namespaces/{key}',
    id: 'removeNamespace',
    summary: 'Stop watching a namespace and its services',
    tag: 'namespaces',
    data: ref('Removed'),
  },

  // kubernetes discovery
  {
    method: 'get',
    path: '/api/v1/kubernetes/contexts',
    id: 'listContexts',
    summary: 'Kubeconfig contexts',
    tag: 'kubernetes',
    data: ref('KubeContexts'),
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/namespaces',
    id: 'listKubeNamespaces',
    summary: 'Namespaces of a context',
    tag: 'kubernetes',
    params: [context],
    data: obj({ namespaces: arr(ref('KubeNamespace')) }),
    errors: K8S,
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/services',
    id: 'listKubeServices',
    summary: 'Services of a namespace',
    tag: 'kubernetes',
    params: [{ ...q('namespace', str({ maxLength: 63 })), required: true }, context],
    data: obj({ services: arr(ref('KubeService')) }),
    errors: K8S,
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/services/{namespace}/{name}',
    id: 'getKubeService',
    summary: 'One Kubernetes service',
    tag: 'kubernetes',
    params: [context],
    data: ref('KubeService'),
    errors: K8S,
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/pods/{namespace}',
    id: 'listPods',
    summary: 'Pods of a namespace',
    tag: 'kubernetes',
    params: [
      context,
      q('label_selector', str({ maxLength: 500 })),
      q('field_selector', str({ maxLength: 500 })),
      q('service_name', str({ maxLength: 63 }), "Pods selected by this service's selector"),
    ],
    data: list(ref('KubePod')),
    errors: K8S,
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/pods/{namespace}/{podName}',
    id: 'getPod',
    summary: 'One pod in detail',
    tag: 'kubernetes',
    params: [context],
    data: ref('KubePodDetail'),
    errors: K8S,
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/pods/{namespace}/{podName}/logs',
    id: 'getPodLogs',
    summary: 'Last lines of a pod container log',
    tag: 'kubernetes',
    params: [
      context,
      q('container', str({ maxLength: 63 })),
      q('tail_lines', int({ minimum: 1, maximum: 1000, default: 100 })),
      q('since_time', str({ format: 'date-time' })),
      q('previous', oneOfEnum(['true', 'false'])),
      q('timestamps', oneOfEnum(['true', 'false'])),
    ],
    data: ref('PodLogs'),
    errors: K8S,
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/events/{namespace}',
    id: 'listKubeEvents',
    summary: 'Kubernetes events of a namespace, newest first',
    tag: 'kubernetes',
    params: [
      context,
      q('resource_kind', str({ pattern: '^[A-Za-z]{1,63}$' })),
      q('resource_name', str({ maxLength: 253 })),
      q('limit', int({ minimum: 1, maximum: 1000, default: 50 })),
    ],
    data: list(ref('KubeEvent')),
    errors: K8S,
  },
  {
    method: 'get',
    path: '/api/v1/kubernetes/endpoints/{namespace}/{serviceName}',
    id: 'getEndpoints',
    summary: 'Endpoints of a service',
    tag: 'kubernetes',
    params: [context],
    data: ref('KubeEndpoints'),
    errors: K8S,
  },

  // metrics
  {
    method: 'get',
    path: '/api/v1/metrics',
    id: 'getMetrics',
    summary: 'Totals over every forward',
    tag: 'metrics',
    data: ref('MetricsSummary'),
  },
  {
    method: 'get',
    path: '/api/v1/metrics/services',
    id: 'listServiceMetrics',
    summary: 'Bytes and rates per service and forward',
    tag: 'metrics',
    data: list(ref('ServiceMetrics')),
  },
  {
    method: 'get',
    path: '/api/v1/metrics/services/{key}',
    id: 'getServiceMetrics',
    summary: 'Bytes and rates of one service',
    tag: 'metrics',
    data: ref('ServiceMetrics'),
  },
  {
    method: 'get',
    path: '/api/v1/metrics/services/{key}/history',
    id: 'getServiceMetricsHistory',
    summary: 'Traffic of one service over time, in buckets',
    tag: 'metrics',
    params: span,
    data: ref('MetricsHistory'),
  },
  {
    method: 'get',
    path: '/api/v1/metrics/history',
    id: 'getMetricsHistory',
    summary: 'Traffic of every forward over time, in buckets',
    tag: 'metrics',
    params: span,
    data: ref('MetricsHistory'),
  },

  // diagnostics and analysis
  {
    method: 'get',
    path: '/api/v1/diagnostics',
    id: 'getDiagnostics',
    summary: 'Health, issues, hosts file, transports, IPs',
    tag: 'diagnostics',
    data: ref('Diagnostics'),
  },
  {
    method: 'get',
    path: '/api/v1/diagnostics/errors',
    id: 'listDiagnosticErrors',
    summary: 'Current errors, classified',
    tag: 'diagnostics',
    params: [count(50, 500)],
    data: list(ref('Issue')),
  },
  {
    method: 'get',
    path: '/api/v1/diagnostics/services/{key}',
    id: 'getServiceDiagnostics',
    summary: 'One service: forwards, reconnect state, issues, reconnections',
    tag: 'diagnostics',
    data: ref('ServiceDiagnostics'),
  },
  {
    method: 'get',
    path: '/api/v1/diagnostics/forwards/{key}',
    id: 'getForwardDiagnostics',
    summary: 'One forward with its classified error',
    tag: 'diagnostics',
    data: ref('ForwardDiagnostics'),
  },
  {
    method: 'get',
    path: '/api/v1/diagnostics/network',
    id: 'getNetworkDiagnostics',
    summary: 'Allocated IPs, listeners, hosts file, transports',
    tag: 'diagnostics',
    data: ref('NetworkDiagnostics'),
  },
  {
    method: 'get',
    path: '/api/v1/status',
    id: 'getStatus',
    summary: 'One-line status',
    tag: 'diagnostics',
    data: ref('Status'),
  },
  {
    method: 'get',
    path: '/api/v1/analyze',
    id: 'analyze',
    summary: 'Issues with recommendations and suggested actions',
    tag: 'diagnostics',
    data: ref('Analysis'),
  },

  // history
  {
    method: 'get',
    path: '/api/v1/history/events',
    id: 'listHistoryEvents',
    summary: 'Recent events, oldest first',
    tag: 'history',
    params: [count(50, 1000), q('type', str({ maxLength: 200 }), 'Event name (dotted or CamelCase)')],
    data: list(ref('HistoryEntry')),
  },
  {
    method: 'get',
    path: '/api/v1/history/errors',
    id: 'listHistoryErrors',
    summary: 'Recent error events',
    tag: 'history',
    params: [count(50, 500)],
    data: list(ref('HistoryEntry')),
  },
  {
    method: 'get',
    path: '/api/v1/history/reconnections',
    id: 'listReconnections',
    summary: 'Recent reconnections',
    tag: 'history',
    params: [count(50, 200)],
    data: list(ref('Reconnection')),
  },
  {
    method: 'get',
    path: '/api/v1/history/stats',
    id: 'getHistoryStats',
    summary: 'Counts of recorded history',
    tag: 'history',
    data: ref('HistoryStats'),
  },

  // logs
  {
    method: 'get',
    path: '/api/v1/logs',
    id: 'listLogs',
    summary: 'Recent log records, oldest first',
    tag: 'logs',
    params: [
      count(100, 1000),
      q('level', oneOfEnum(LOG_LEVELS), 'Minimum level'),
      q('service', str({ maxLength: 600 })),
    ],
    data: obj({ logs: arr(ref('LogEntry')) }),
  },
  {
    method: 'get',
    path: '/api/v1/logs/stream',
    id: 'streamLogs',
    summary: 'Log records as Server-Sent Events (event: log); resume with Last-Event-ID',
    tag: 'logs',
    params: [
      q('level', oneOfEnum(LOG_LEVELS), 'Minimum level'),
      q('service', str({ maxLength: 600 })),
      { name: 'Last-Event-ID', in: 'header', schema: str({ pattern: '^[0-9]{1,15}$' }) },
    ],
    raw: {
      type: 'text/event-stream',
      description: '`event: log`, `data:` a LogEntry, `id:` its id; `: keepalive` comments',
    },
  },
  {
    method: 'get',
    path: '/api/v1/logs/system',
    id: 'listSystemLogs',
    summary: 'The daemon log ring, newest first, with its size',
    tag: 'logs',
    params: [count(100, 1000), q('level', oneOfEnum(LOG_LEVELS), 'Minimum level')],
    data: obj({ logs: arr(ref('LogEntry')), totalCount: int() }),
  },
  {
    method: 'delete',
    path: '/api/v1/logs/system',
    id: 'clearSystemLogs',
    summary: 'Empty the log ring',
    tag: 'logs',
    data: obj({ cleared: bool(), message: str() }),
  },

  // events
  {
    method: 'get',
    path: '/api/v1/events',
    id: 'streamEvents',
    summary: 'Events as Server-Sent Events; resume with Last-Event-ID',
    tag: 'events',
    params: [
      q(
        'type',
        str({ maxLength: 500 }),
        'Comma-separated event names, dotted or the original CamelCase (ServiceAdded, PodStatusChanged…)',
      ),
      { name: 'Last-Event-ID', in: 'header', schema: str({ pattern: '^[0-9]{1,15}$' }) },
    ],
    raw: {
      type: 'text/event-stream',
      description: `\`event:\` one of ${EVENT_TYPES.join(', ')}; \`id:\` monotonic; \`data:\` an SseEvent; \`: keepalive\` comments`,
    },
  },

  // prometheus and docs
  {
    method: 'get',
    path: '/metrics',
    id: 'getPrometheusMetrics',
    summary: 'Prometheus text exposition, every name prefixed kubefwd_',
    tag: 'metrics',
    raw: { type: 'text/plain', description: 'Prometheus text format 0.0.4' },
  },
  {
    method: 'get',
    path: '/openapi.yaml',
    id: 'getOpenApi',
    summary: 'This document',
    tag: 'docs',
    open: true,
    raw: { type: 'application/yaml', description: 'OpenAPI 3.1' },
  },
];
