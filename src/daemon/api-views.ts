import {
  summarizeServices,
  type ApiViews,
  type ForwardView,
  type Json,
  type NamespaceView,
  type ServiceView,
} from '../api/views.ts';
import { podInfo } from '../cluster/discovery.ts';
import { KubefwdError } from '../errors.ts';
import type { LogRing } from '../log/log-ring.ts';
import type { CaptureStore, CapturedExchange } from '../metrics/capture-store.ts';
import type { MetricsStore } from '../metrics/metrics-store.ts';
import type { PromMetrics } from '../metrics/prom.ts';
import type { Schemas } from '../contract/contract.ts';
import type { DaemonEvent, EventBus } from './bus.ts';
import type { DaemonConfig } from './config.ts';
import { createEndpointViews } from './endpoint-views.ts';
import type { Engine } from './engine.ts';
import type { History } from './history.ts';
import type { ServiceRecord } from './service-registry.ts';

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
}

/** client-node hands timestamps over as Date objects (or strings from some servers). */
const isoOrNull = (d: Date | string | undefined): string | null =>
  d instanceof Date ? d.toISOString() : (d ?? null);

const fmtDuration = (ms: number): string => `${ms.toFixed(1)}ms`;

/** The API's views over the live engine: every answer comes from current state, nothing is stubbed. */
export function createApiViews(d: ViewDeps): ApiViews {
  const { engine, metrics } = d;
  const endpointViews = createEndpointViews(engine.registry);

  function forwardViews(r: ServiceRecord): ForwardView[] {
    const parts = [
      { forward: r.forward, hostnames: r.hostnames },
      ...[...r.podForwards.values()].map((e) => ({ forward: e.forward, hostnames: e.hostnames })),
    ];
    return parts.flatMap(({ forward, hostnames }) =>
      forward.snapshot().map((f) => {
        const rate = metrics.forward(f.forwardKey);
        return {
          key: f.forwardKey,
          serviceKey: r.key,
          serviceName: r.name,
          namespace: r.namespace,
          context: r.context,
          headless: r.kind === 'headless',
          podName: f.podName ?? null,
          localIP: f.localIp,
          localPort: f.localPort,
          podPort: f.podPort ?? null,
          hostnames,
          status: f.status,
          error: f.lastError ?? null,
          startedAt: f.startedAt ?? null,
          lastActive: f.lastActive ?? null,
          bytesIn: f.bytesIn,
          bytesOut: f.bytesOut,
          rateIn: rate?.rateIn ?? 0,
          rateOut: rate?.rateOut ?? 0,
          connectionsActive: f.connectionsActive,
          connectionsTotal: f.connectionsTotal,
          protocol: f.protocol ?? null,
          reconnect: f.reconnect ?? null,
        };
      }),
    );
  }

  function serviceView(r: ServiceRecord): ServiceView {
    const forwards = forwardViews(r);
    const active = forwards.filter((f) => f.status === 'active').length;
    const errors = forwards.filter((f) => f.status === 'error').length;
    const rate = metrics.service(r.key);
    return {
      key: r.key,
      serviceName: r.name,
      namespace: r.namespace,
      context: r.context,
      headless: r.kind === 'headless',
      status:
        active > 0 && errors === 0
          ? 'active'
          : errors > 0 && active === 0
            ? 'error'
            : active > 0
              ? 'partial'
              : 'pending',
      localIP: r.ip,
      hostnames: r.hostnames,
      activeCount: active,
      errorCount: errors,
      totalBytesIn: forwards.reduce((n, f) => n + f.bytesIn, 0),
      totalBytesOut: forwards.reduce((n, f) => n + f.bytesOut, 0),
      rateIn: rate?.rateIn ?? 0,
      rateOut: rate?.rateOut ?? 0,
      pods: r.pods.map((p) => ({ name: p.name, ready: p.ready, terminating: p.terminating })),
      forwards,
    };
  }

  const services = (): ServiceView[] =>
    engine.registry
      .list()
      .map(serviceView)
      .sort((a, b) => a.serviceName.localeCompare(b.serviceName) || a.key.localeCompare(b.key));
  const allForwards = (): ForwardView[] => engine.registry.list().flatMap(forwardViews);

  function namespaceView(e: ReturnType<Engine['namespaces']['list']>[number]): NamespaceView {
    const state = e.watch.state();
    const mine = engine.registry
      .list()
      .filter(
        (r) =>
          r.namespace === e.namespace &&
          r.context === e.context &&
          (!e.serviceName || r.name === e.serviceName),
      );
    const views = mine.map(serviceView);
    return {
      key: e.key,
      namespace: e.namespace,
      context: e.context,
      serviceCount: views.length,
      activeCount: views.filter((s) => s.status === 'active').length,
      errorCount: views.filter((s) => s.status === 'error').length,
      running: state.synced,
      forbidden: state.forbidden ?? null,
      endpointSource: state.endpointSource,
      endpointSlicesError: state.endpointSlicesError ?? null,
      labelSelector: e.selector ?? null,
      fieldSelector: e.serviceName ? `metadata.name=${e.serviceName}` : (d.config.fieldSelector ?? null),
      lastError: state.lastError ?? null,
    };
  }

  const ctxOf = (context: string | undefined): string => context ?? engine.defaultContext();

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
        forwardKey: x.forwardKey,
        pod: x.pod ?? null,
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
    services: {
      list: services,
      get: (key) => {
        const r = engine.registry.get(key);
        return r ? serviceView(r) : undefined;
      },
      async add({ namespace, serviceName, context }) {
        const ctx = ctxOf(context);
        engine.client(ctx);
        const key = `${serviceName}.${namespace}.${ctx}`;
        if (engine.registry.get(key))
          throw new KubefwdError('ALREADY_EXISTS', `service ${key} is already forwarded`);
        const svc = await engine.discovery(ctx).service(namespace, serviceName);
        if (!svc.selector || Object.keys(svc.selector).length === 0)
          throw new KubefwdError(
            'UNSUPPORTED',
            `service ${key} has no selector: there are no pods to forward to`,
          );
        const entry = await engine.namespaces.add({ context: ctx, namespace, serviceName });
        await entry.watch.synced;
        await engine.namespaces.settled(10_000);
        await engine.hosts.flush();
        const r = engine.registry.get(key);
        if (!r) {
          await engine.namespaces.remove(entry.key);
          const skipped = engine.registry.skipped().find((s) => s.key === key);
          throw new KubefwdError(
            'UNSUPPORTED',
            `service ${key} cannot be forwarded${skipped ? `: ${skipped.reason}` : ''}`,
          );
        }
        return {
          key,
          serviceName,
          namespace,
          context: ctx,
          localIP: r.ip,
          hostnames: r.hostnames,
          ports: r.ports.map((p) => ({ localPort: p.port, remotePort: p.targetPort, protocol: p.protocol })),
        };
      },
      async remove(key) {
        const r = engine.registry.get(key);
        if (!r) return false;
        const own = engine.namespaces
          .list()
          .find((n) => n.serviceName === r.name && n.namespace === r.namespace && n.context === r.context);
        if (own) await engine.namespaces.remove(own.key);
        else await engine.registry.remove(key);
        await engine.hosts.flush();
        return true;
      },
      reconnect(key) {
        const r = engine.registry.get(key);
        if (!r) return false;
        for (const p of r.pods)
          engine.sessions.drop({ context: r.context, namespace: p.namespace, name: p.name, uid: p.uid });
        d.history.reconnection(key, 'requested through the API');
        return true;
      },
      sync: (key) => engine.namespaces.resync(key),
      endpoints: (key) => endpointViews.endpoints(key),
      setPolicy: (key, policy) => endpointViews.setPolicy(key, policy),
      reconnectAll(force) {
        let n = 0;
        for (const s of services()) {
          if (force || s.errorCount > 0) {
            const r = engine.registry.get(s.key);
            for (const p of r?.pods ?? [])
              engine.sessions.drop({ context: s.context, namespace: p.namespace, name: p.name, uid: p.uid });
            d.history.reconnection(
              s.key,
              force ? 'forced through the API' : 'errored, requested through the API',
            );
            n++;
          }
        }
        return n;
      },
    },
    forwards: {
      list: () =>
        allForwards().sort(
          (a, b) => (a.hostnames[0] ?? '').localeCompare(b.hostnames[0] ?? '') || a.localPort - b.localPort,
        ),
      get: (key) => allForwards().find((f) => f.key === key),
    },
    portforwards: {
      list: () => engine.adhoc.list(),
      get: (id) => engine.adhoc.get(id),
      create: (request) => engine.adhoc.create(request),
      remove: (id) => engine.adhoc.remove(id),
    },
    namespaces: {
      list: () => engine.namespaces.list().map(namespaceView),
      get: (key) => {
        const e = engine.namespaces.get(key);
        return e ? namespaceView(e) : undefined;
      },
      async add({ namespace, context, selector }) {
        const ctx = ctxOf(context);
        const e = await engine.namespaces.add({ context: ctx, namespace, selector });
        return { key: e.key, namespace, context: ctx, selector: e.selector ?? null, services: [] };
      },
      async remove(key) {
        const ok = await engine.namespaces.remove(key);
        await engine.hosts.flush();
        return ok;
      },
    },
    cacheStale: () => engine.namespaces.list().some((n) => n.watch.state().stale),
    kubernetes: {
      contexts: () => ({
        currentContext: engine.defaultContext(),
        contexts: [...engine.clients.values()].map((c) => ({
          name: c.context,
          server: c.server,
          active: c.index === 0,
          namespace: engine.defaultNamespace(c.context),
        })),
      }),
      namespaces: async (context) => {
        const list = await engine.discovery(ctxOf(context)).namespaces();
        const watched = new Set(engine.namespaces.list().map((n) => `${n.namespace}.${n.context}`));
        return {
          namespaces: list.map((n) => ({ ...n, forwarded: watched.has(`${n.name}.${ctxOf(context)}`) })),
        };
      },
      services: async (namespace, context) => {
        const ctx = ctxOf(context);
        const list = await engine.discovery(ctx).services(namespace);
        return {
          services: list.map((s) => ({
            ...s,
            forwarded: !!engine.registry.get(`${s.name}.${namespace}.${ctx}`),
            forwardKey: engine.registry.get(`${s.name}.${namespace}.${ctx}`)
              ? `${s.name}.${namespace}.${ctx}`
              : null,
          })),
        };
      },
      service: async (namespace, name, context) => ({
        ...(await engine.discovery(ctxOf(context)).service(namespace, name)),
      }),
      pods: async (namespace, context, query) => {
        const ctx = ctxOf(context);
        let labelSelector = query.labelSelector;
        if (query.serviceName) {
          const svc = await engine.discovery(ctx).service(namespace, query.serviceName);
          labelSelector = Object.entries(svc.selector ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
        }
        const pods = await engine.discovery(ctx).pods(namespace, {
          ...(labelSelector ? { labelSelector } : {}),
          ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
        });
        const forwarded = new Map(
          allForwards()
            .filter((f) => f.namespace === namespace && f.context === ctx && f.podName)
            .map((f) => [f.podName as string, f.localPort]),
        );
        return pods.map((p) => ({
          ...p,
          isForwarded: forwarded.has(p.name),
          forwardedPort: forwarded.get(p.name) ?? null,
        }));
      },
      pod: async (namespace, name, context) => {
        const pod = await engine.discovery(ctxOf(context)).pod(namespace, name);
        const f = allForwards().find((x) => x.podName === name && x.namespace === namespace);
        return {
          ...podInfo(pod),
          context: ctxOf(context),
          conditions: (pod.status?.conditions ?? []).map((c) => ({ ...c })),
          annotations: pod.metadata?.annotations ?? {},
          isForwarded: !!f,
          forwardKey: f?.key ?? null,
        };
      },
      podLogs: async (namespace, name, context, q) => {
        const text = await engine.discovery(ctxOf(context)).podLogs(namespace, name, {
          ...(q.container ? { container: q.container } : {}),
          tailLines: q.tailLines,
          previous: q.previous,
          timestamps: q.timestamps,
        });
        const lines = String(text)
          .split('\n')
          .filter((l) => l.length > 0);
        return {
          podName: name,
          namespace,
          context: ctxOf(context),
          containerName: q.container ?? null,
          logs: lines,
          lineCount: lines.length,
          truncated: lines.length >= q.tailLines,
        };
      },
      events: async (namespace, context, q) => {
        const fields = [
          q.kind ? `involvedObject.kind=${q.kind}` : '',
          q.name ? `involvedObject.name=${q.name}` : '',
        ]
          .filter(Boolean)
          .join(',');
        const list = await engine
          .discovery(ctxOf(context))
          .events(namespace, fields ? { fieldSelector: fields } : {});
        return list
          .map((e) => ({
            type: e.type ?? 'Normal',
            reason: e.reason ?? '',
            message: e.message ?? '',
            count: e.count ?? 1,
            firstTimestamp: isoOrNull(e.firstTimestamp),
            lastTimestamp: isoOrNull(e.lastTimestamp),
            source: e.source?.component ?? '',
            objectKind: e.involvedObject.kind ?? null,
            objectName: e.involvedObject.name ?? null,
          }))
          .sort((a, b) => String(b.lastTimestamp).localeCompare(String(a.lastTimestamp)))
          .slice(0, q.limit);
      },
      endpoints: async (namespace, name, context) => {
        const ep = await engine.discovery(ctxOf(context)).endpoints(namespace, name);
        return { name, namespace, subsets: ep.subsets ?? [] };
      },
    },
    metrics: {
      summary: () => {
        const { rateIn: _in, rateOut: _out, ...counts } = summarizeServices(services());
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
        return captureView(d.captures.listByService(key, count), { serviceKey: key });
      },
    },
    prom: {
      text: () => d.prom.metricsText(),
      contentType: d.prom.contentType,
      observe: (m, r, s, sec) => d.prom.observeApiRequest(m, r, s, sec),
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
