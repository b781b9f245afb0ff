import type { ApiViews, Json, ServiceView } from '../api/views.ts';
import type { LogRing } from '../log/log-ring.ts';
import type { CaptureStore, CapturedExchange } from '../metrics/capture-store.ts';
import type { MetricsStore } from '../metrics/metrics-store.ts';
import type { PromMetrics } from '../metrics/prom.ts';
import type { Schemas } from '../contract/contract.ts';
import type { DaemonEvent, EventBus } from './bus.ts';
import type { DaemonConfig } from './config.ts';
import type { Engine } from './engine.ts';
import type { History } from './history.ts';
import { createKubernetesViews } from './views/kubernetes.ts';
import { createNamespaceViews } from './views/namespaces.ts';
import { createServiceViews } from './views/services.ts';

export interface ViewDeps {
  engine: Engine;
  config: DaemonConfig;
  bus: EventBus;
  metrics: MetricsStore;
  captures: CaptureStore;
  prom: PromMetrics;
  logs: LogRing;
  history: History;
  version: string;
  now: () => number;
  isReady: () => boolean;
  isClosing: () => boolean;
  /** Called once per API request answered (the heap trim holds back while clients are busy with the API). */
  onRequest?: (() => void) | undefined;
}

const fmtDuration = (ms: number): string => `${ms.toFixed(1)}ms`;

/**
 * The API's views over the live engine: every answer comes from current state, nothing is stubbed. Services and
 * forwards, namespaces and the Kubernetes reads have their own modules (./views/); this composes them.
 */
export function createApiViews(d: ViewDeps): ApiViews {
  const { engine, metrics } = d;

  const ctxOf = (context: string | undefined): string => context ?? engine.defaultContext();
  const serviceViews = createServiceViews({
    engine,
    metrics,
    history: d.history,
    ctxOf,
    version: () => d.bus.lastId,
    now: d.now,
  });
  const { serviceView, allForwards } = serviceViews;
  const services = serviceViews.list;

  function captureView(
    list: CapturedExchange[],
    extra: Omit<Schemas['HttpTraffic'], 'summary' | 'logs'>,
  ): Schemas['HttpTraffic'] {
    const codes: Record<string, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
    const paths = new Map<string, number>();
    for (const x of list) {
      const k = `${Math.floor(x.status / 100)}xx`;
      if (k in codes) codes[k] = (codes[k] ?? 0) + 1;
      paths.set(x.path, (paths.get(x.path) ?? 0) + 1);
    }
    return {
      ...extra,
      summary: {
        totalRequests: list.length,
        lastRequest: list.at(-1)?.timestamp ?? null,
        statusCodes: codes,
        topPaths: [...paths]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 10)
          .map(([path, count]) => ({ path, count })),
      },
      logs: list.map((x) => ({
        timestamp: x.timestamp,
        method: x.method,
        path: x.path,
        statusCode: x.status,
        duration: fmtDuration(x.durationMs),
        durationMs: x.durationMs,
        requestBytes: x.requestBytes,
        size: x.responseBytes,
        httpVersion: x.httpVersion,
        ttfbMs: x.ttfbMs,
        requestBodyBytes: x.requestBodyBytes,
        responseBodyBytes: x.responseBodyBytes,
        forwardKey: x.forwardKey,
        pod: x.pod ?? null,
        ...(x.request ? { request: x.request } : {}),
        ...(x.response ? { response: x.response } : {}),
      })),
    };
  }

  const history = (key: string | undefined, durationMs: number, intervalMs: number): Schemas['History'] => ({
    key: key ?? null,
    duration: `${durationMs / 1000}s`,
    interval: `${intervalMs / 1000}s`,
    points: metrics
      .history(key, durationMs, intervalMs)
      .map((p) => ({ ...p, timestamp: new Date(p.timestamp).toISOString() })),
  });

  function issues(): Json[] {
    const out: Json[] = [];
    for (const f of allForwards()) {
      if (f.status === 'error')
        out.push({
          severity: 'error',
          kind: classify(f.error),
          key: f.key,
          serviceKey: f.serviceKey,
          message: f.error ?? 'forward failed',
          suggestion: suggest(classify(f.error)),
        });
      else if (f.status === 'pending')
        out.push({
          severity: 'warning',
          kind: 'no-ready-pod',
          key: f.key,
          serviceKey: f.serviceKey,
          message: `no ready pod for ${f.serviceKey}`,
          suggestion: 'check the pods of the service (kubectl get pods)',
        });
    }
    for (const n of engine.namespaces.list()) {
      const s = n.watch.state();
      if (s.forbidden)
        out.push({
          severity: 'error',
          kind: 'forbidden',
          key: n.key,
          message: s.forbidden,
          suggestion: 'ask for list/watch on services and pods in this namespace',
        });
      if (s.endpointSlicesError)
        out.push({
          severity: 'warning',
          kind: 'endpoint-slices',
          key: n.key,
          message: `${s.endpointSlicesError}: readiness comes from the pods' conditions, not the EndpointSlices`,
          suggestion:
            'ask for list/watch on endpointslices (discovery.k8s.io) to follow the Service as kube-proxy does',
        });
    }
    for (const sk of engine.registry.skipped())
      out.push({ severity: 'info', kind: 'skipped', key: sk.key, message: sk.reason });
    const h = engine.hosts.status();
    if (h.lastError)
      out.push({
        severity: 'error',
        kind: 'hosts-file',
        key: h.path,
        message: h.lastError,
        suggestion: 'check permissions of the hosts file',
      });
    return out;
  }

  const classify = (e: string | null | undefined): string =>
    !e
      ? 'unknown'
      : /refused/i.test(e)
        ? 'connection-refused'
        : /in use/i.test(e)
          ? 'port-in-use'
          : /forbidden|401|403/i.test(e)
            ? 'forbidden'
            : /timed? ?out/i.test(e)
              ? 'timeout'
              : /not found/i.test(e)
                ? 'not-found'
                : 'transport';
  const suggest = (kind: string): string =>
    ({
      'connection-refused': 'the pod does not listen on that port',
      'port-in-use': 'another program uses that local address',
      forbidden: 'grant create on pods/portforward',
      timeout: 'the API server or the pod is slow or unreachable',
    })[kind] ?? 'see the logs';

  function network(): Json {
    return {
      allocatedIPs: engine.allocator.list(),
      listeners: [
        ...allForwards().map((f) => ({
          key: f.key,
          address: `${f.localIP}:${f.localPort}`,
          status: f.status,
        })),
        ...engine.adhoc.list().map((f) => ({
          key: f.id,
          address: `${f.localAddress}:${f.localPort}`,
          status: f.status,
        })),
      ],
      hostsFile: engine.hosts.status(),
      transports: engine.transports.all(),
      sessions: engine.sessions.size,
      api: `${d.config.apiAddr.host}:${d.config.apiAddr.port}`,
    };
  }

  return {
    version: d.version,
    health: () => ({ status: d.isClosing() ? 'shutting-down' : d.isReady() ? 'healthy' : 'syncing' }),
    info: () => ({
      version: d.version,
      nodeVersion: process.version,
      platform: `${process.platform}/${process.arch}`,
      startTime: new Date(engine.startedAt).toISOString(),
      uptime: (d.now() - engine.startedAt) / 1000,
      contexts: [...engine.clients.keys()],
      namespaces: engine.namespaces.list().map((n) => n.key),
      apiEnabled: true,
      idle: d.config.idle,
    }),
    services: serviceViews.area,
    forwards: serviceViews.forwards,
    namespaces: createNamespaceViews({ engine, config: d.config, services: serviceViews, ctxOf }),
    kubernetes: createKubernetesViews({ engine, services: serviceViews, ctxOf }),
    portforwards: {
      list: () => engine.adhoc.list(),
      get: (id) => engine.adhoc.get(id),
      create: (request) => engine.adhoc.create(request),
      remove: (id) => engine.adhoc.remove(id),
    },
    cacheStale: () => engine.namespaces.list().some((n) => n.watch.stale()),
    metrics: {
      summary: () => {
        const { rateIn: _in, rateOut: _out, ...counts } = serviceViews.serviceList.summary();
        const total = metrics.total();
        return {
          ...counts,
          totalRateIn: total.rateIn,
          totalRateOut: total.rateOut,
          uptime: (d.now() - engine.startedAt) / 1000,
          lastUpdated:
            metrics.lastSampleAt === undefined ? null : new Date(metrics.lastSampleAt).toISOString(),
        };
      },
      services: () => services().map(metricsOf),
      service: (key) => {
        const r = engine.registry.get(key);
        return r ? metricsOf(serviceView(r)) : undefined;
      },
      history,
    },
    diagnostics: {
      summary: () => {
        const list = issues();
        return {
          status: list.some((i) => i.severity === 'error') ? 'degraded' : 'healthy',
          issues: list,
          sync: {
            ready: d.isReady(),
            namespaces: engine.namespaces.list().map((n) => ({ key: n.key, ...n.watch.state() })),
          },
          hostsFile: { ...engine.hosts.status() },
          transports: { ...engine.transports.all() },
          namespacesDenied: engine.namespaces
            .list()
            .filter((n) => n.watch.state().forbidden)
            .map((n) => ({ key: n.key, message: n.watch.state().forbidden })),
          allocatedIPs: engine.allocator.list().map((a) => ({ ...a })),
        };
      },
      errors: () => issues().filter((i) => i.severity === 'error'),
      service: (key) => {
        const r = engine.registry.get(key);
        if (!r) return undefined;
        const v = serviceView(r);
        return {
          key,
          status: v.status,
          localIP: v.localIP,
          hostnames: v.hostnames,
          pods: v.pods,
          forwards: v.forwards,
          issues: issues().filter((i) => i.serviceKey === key || i.key === key),
        };
      },
      forward: (key) => {
        const f = allForwards().find((x) => x.key === key);
        return f
          ? {
              ...f,
              kind: f.error ? classify(f.error) : null,
              suggestion: f.error ? suggest(classify(f.error)) : null,
            }
          : undefined;
      },
      network,
    },
    history: {
      events: (count) => d.history.events(count).map(eventView),
      errors: (count) => d.history.errors(count).map(eventView),
      reconnections: (count, key) => d.history.reconnections(count, key).map(eventView),
      stats: () => d.history.stats(),
    },
    logs: {
      list: (filter) => d.logs.list(filter),
      subscribe: (fn) => d.logs.subscribe(fn),
      clear: () => d.logs.clear(),
    },
    events: {
      since: (id) => d.bus.since(id),
      subscribe: (fn) => d.bus.subscribe(fn),
      get lastId() {
        return d.bus.lastId;
      },
    },
    captures: {
      forward(key, count) {
        const f = allForwards().find((x) => x.key === key);
        if (!f) return undefined;
        return captureView(d.captures.list(key, count), {
          forwardKey: key,
          serviceKey: f.serviceKey,
          podName: f.podName,
          localIP: f.localIP,
          localPort: f.localPort,
        });
      },
      service(key, count) {
        if (!engine.registry.get(key)) return undefined;
        return captureView(d.captures.listByService(key, count), {
          serviceKey: key,
          detail: d.captures.detail(key),
        });
      },
      setDetail(key, enabled) {
        if (!engine.registry.get(key)) return false;
        d.captures.setDetail(key, enabled);
        return true;
      },
      purge: (key) => (engine.registry.get(key) ? d.captures.purge(key) : undefined),
    },
    prom: {
      text: () => d.prom.metricsText(),
      contentType: d.prom.contentType,
      observe: (m, r, s, sec) => {
        d.onRequest?.();
        d.prom.observeApiRequest(m, r, s, sec);
      },
    },
  };

  function metricsOf(s: ServiceView): Schemas['ServiceMetrics'] {
    return {
      key: s.key,
      serviceName: s.serviceName,
      namespace: s.namespace,
      context: s.context,
      totalBytesIn: s.totalBytesIn,
      totalBytesOut: s.totalBytesOut,
      rateIn: s.rateIn,
      rateOut: s.rateOut,
      portForwards: s.forwards.map((f) => ({
        key: f.key,
        podName: f.podName,
        localIP: f.localIP,
        localPort: f.localPort,
        podPort: f.podPort,
        bytesIn: f.bytesIn,
        bytesOut: f.bytesOut,
        rateIn: f.rateIn,
        rateOut: f.rateOut,
        lastActive: f.lastActive,
      })),
    };
  }
}

const eventView = (e: DaemonEvent): Schemas['Event'] => ({
  id: e.id,
  type: e.type,
  timestamp: e.timestamp,
  data: e.data,
});
