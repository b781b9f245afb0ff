/** Operations that observe: metrics, diagnostics, history, logs, events, Prometheus, the spec itself. */
import { EVENT_TYPES, LOG_LEVELS } from '../views/observe.ts';
import { count, list, q, span, type Operation } from './operation-kit.ts';
import { arr, bool, int, obj, oneOfEnum, ref, str } from './schema-kit.ts';

export const OBSERVE_OPERATIONS: Operation[] = [
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
