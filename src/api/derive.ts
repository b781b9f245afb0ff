/** What the API computes from the views: summaries, classifications, status and analysis. Pure functions. */
import type { HealthStatus } from './views.ts';
import type { HttpExchange, Issue } from './views/observe.ts';
import type { Forward, Service } from './views/resources.ts';

const sum = <T>(items: readonly T[], f: (t: T) => number): number => items.reduce((n, t) => n + f(t), 0);

/** 8130s → "2h15m30s", as the original prints uptimes. */
export function formatUptime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

export function serviceSummary(services: readonly Service[]) {
  return {
    totalServices: services.length,
    activeServices: services.filter((s) => s.status === 'active').length,
    totalForwards: sum(services, (s) => s.forwards.length),
    activeForwards: sum(services, (s) => s.activeCount),
    errorCount: sum(services, (s) => s.errorCount),
    totalBytesIn: sum(services, (s) => s.totalBytesIn),
    totalBytesOut: sum(services, (s) => s.totalBytesOut),
    rateIn: sum(services, (s) => s.rateIn),
    rateOut: sum(services, (s) => s.rateOut),
  };
}

export function forwardSummary(forwards: readonly Forward[]) {
  return {
    totalForwards: forwards.length,
    activeForwards: forwards.filter((f) => f.status === 'active').length,
    errorForwards: forwards.filter((f) => f.status === 'error').length,
  };
}

const KINDS: Array<[RegExp, string, string]> = [
  [/refused/i, 'connection-refused', 'the pod does not listen on that port'],
  [/in use|EADDRINUSE/i, 'port-in-use', 'another program uses that local address'],
  [/forbidden|unauthori[sz]ed|\b40[13]\b/i, 'forbidden', 'grant create on pods/portforward to your user'],
  [/timed? ?out|ETIMEDOUT/i, 'timeout', 'the API server or the pod is slow or unreachable'],
  [/not found|\b404\b/i, 'not-found', 'the pod is gone; kubefwd picks another ready pod'],
  [
    /reset|broken pipe|EPIPE|ECONNRESET|closed/i,
    'connection-lost',
    'the connection to the pod dropped; kubefwd reconnects',
  ],
];

/** Classifies a forward error text into a stable kind with a suggestion. */
export function classify(error: string | null): { kind: string; suggestion: string } | null {
  if (!error) return null;
  for (const [re, kind, suggestion] of KINDS) if (re.test(error)) return { kind, suggestion };
  return { kind: 'transport', suggestion: 'see the logs (GET /api/v1/logs?level=warn)' };
}

/** Issues visible in the forwards themselves. */
export function forwardIssues(forwards: readonly Forward[]): Issue[] {
  const out: Issue[] = [];
  for (const f of forwards) {
    if (f.status === 'error') {
      const c = classify(f.error) ?? { kind: 'transport', suggestion: null };
      out.push({
        severity: 'error',
        kind: c.kind,
        key: f.key,
        serviceKey: f.serviceKey,
        message: f.error ?? 'forward failed',
        suggestion: c.suggestion,
      });
    } else if (f.status === 'pending') {
      out.push({
        severity: 'warning',
        kind: 'no-ready-pod',
        key: f.key,
        serviceKey: f.serviceKey,
        message: `no ready pod for ${f.serviceKey} yet`,
        suggestion: 'check the pods of the service (GET /api/v1/kubernetes/pods/{namespace}?service_name=…)',
      });
    }
  }
  return out;
}

export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy' | 'syncing';

export function overallStatus(
  health: HealthStatus,
  services: readonly Service[],
  issues: readonly Issue[],
): OverallStatus {
  if (health !== 'healthy') return 'syncing';
  if (services.length > 0 && services.every((s) => s.status === 'error')) return 'unhealthy';
  return issues.some((i) => i.severity === 'error') ? 'degraded' : 'healthy';
}

export function statusMessage(
  status: OverallStatus,
  services: readonly Service[],
  issues: readonly Issue[],
): string {
  const errors = issues.filter((i) => i.severity === 'error').length;
  switch (status) {
    case 'syncing':
      return 'First sync still running';
    case 'unhealthy':
      return `No service is forwarding: ${errors} error(s)`;
    case 'degraded':
      return `${errors} error(s) across ${services.length} service(s)`;
    default:
      return services.length === 0
        ? 'Idle: nothing forwarded yet'
        : `All ${services.length} service(s) forwarding normally`;
  }
}

export function analysis(services: readonly Service[], issues: readonly Issue[]) {
  const errored = services.filter((s) => s.errorCount > 0);
  const recommendations: Array<{ priority: 'high' | 'medium' | 'low'; category: string; message: string }> =
    [];
  const kinds = new Set(issues.map((i) => i.kind));
  if (kinds.has('forbidden'))
    recommendations.push({
      priority: 'high',
      category: 'rbac',
      message:
        'Kubernetes refused some requests: check RBAC for list/watch services and pods, create pods/portforward',
    });
  if (kinds.has('port-in-use'))
    recommendations.push({
      priority: 'high',
      category: 'network',
      message: 'A local address is taken by another program',
    });
  if (kinds.has('hosts-file'))
    recommendations.push({
      priority: 'high',
      category: 'hosts',
      message: 'The hosts file could not be written',
    });
  if (errored.length > 1)
    recommendations.push({
      priority: 'medium',
      category: 'connectivity',
      message: `${errored.length} services have failing forwards: try POST /api/v1/services/reconnect`,
    });
  if (kinds.has('no-ready-pod'))
    recommendations.push({ priority: 'low', category: 'pods', message: 'Some services have no ready pod' });
  const suggestedActions = [
    ...(errored.length > 1
      ? [
          {
            action: 'reconnect_all' as const,
            target: '*',
            reason: `${errored.length} services with errors`,
            endpoint: '/api/v1/services/reconnect',
            method: 'POST' as const,
          },
        ]
      : []),
    ...errored.map((s) => ({
      action: 'reconnect' as const,
      target: s.key,
      reason: `${s.errorCount} failing forward(s)`,
      endpoint: `/api/v1/services/${encodeURIComponent(s.key)}/reconnect`,
      method: 'POST' as const,
    })),
  ].slice(0, 10);
  return { recommendations, suggestedActions };
}

export function exchangeView(x: HttpExchange) {
  return {
    timestamp: x.timestamp,
    forwardKey: x.forwardKey,
    method: x.method,
    path: x.path,
    statusCode: x.statusCode,
    duration: `${x.durationMs.toFixed(1)}ms`,
    durationMs: x.durationMs,
    requestBytes: x.requestBytes,
    size: x.responseBytes,
  };
}

export function httpSummary(list: readonly HttpExchange[]) {
  const statusCodes: Record<string, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  const paths = new Map<string, number>();
  for (const x of list) {
    const k = `${Math.floor(x.statusCode / 100)}xx`;
    if (k in statusCodes) statusCodes[k] = (statusCodes[k] ?? 0) + 1;
    const path = x.path.split('?')[0] ?? x.path;
    paths.set(path, (paths.get(path) ?? 0) + 1);
  }
  return {
    totalRequests: list.length,
    lastRequest: list.at(-1)?.timestamp ?? null,
    statusCodes,
    topPaths: [...paths]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 10)
      .map(([path, count]) => ({ path, count })),
  };
}
