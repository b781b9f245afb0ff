import { KubefwdError } from '../../src/errors.ts';
import type {
  ApiEvent,
  ApiViews,
  EventType,
  Forward,
  HealthStatus,
  HistoryEntry,
  HttpExchange,
  KubePod,
  KubeService,
  LogEntry,
  LogLevel,
  Namespace,
  Reconnection,
  Service,
} from '../../src/api/views.ts';
import { LOG_LEVELS } from '../../src/api/views.ts';

/** Small in-memory views for the API's tests: state the tests can change, and a record of the actions called. */

/** Runs `fn` as an async view would: a throw becomes a rejection. */
const attempt = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));

const T0 = Date.parse('2025-01-15T08:15:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

export function makeForward(
  svc: string,
  ns: string,
  ctx: string,
  pod: string,
  port: number,
  over: Partial<Forward> = {},
): Forward {
  return {
    key: `${svc}.${ns}.${ctx}.${pod}.${port}`,
    serviceKey: `${svc}.${ns}.${ctx}`,
    serviceName: svc,
    namespace: ns,
    context: ctx,
    headless: false,
    podName: pod,
    localIP: '127.1.27.1',
    localPort: port,
    podPort: port,
    hostnames: [svc, `${svc}.${ns}`, `${svc}.${ns}.svc`, `${svc}.${ns}.svc.cluster.local`],
    status: 'active',
    error: null,
    startedAt: iso(T0),
    lastActive: null,
    bytesIn: 100,
    bytesOut: 200,
    rateIn: 1.5,
    rateOut: 2.5,
    connectionsActive: 0,
    connectionsTotal: 3,
    protocol: 'SPDY/3.1',
    reconnect: { attempts: 0, delayMs: 0, nextAttemptAt: null },
    ...over,
  };
}

export function makeService(name: string, ns: string, ctx: string, forwards: Forward[]): Service {
  const active = forwards.filter((f) => f.status === 'active').length;
  const errors = forwards.filter((f) => f.status === 'error').length;
  return {
    key: `${name}.${ns}.${ctx}`,
    serviceName: name,
    namespace: ns,
    context: ctx,
    headless: false,
    status:
      active > 0 && errors === 0
        ? 'active'
        : errors > 0 && active === 0
          ? 'error'
          : active > 0
            ? 'partial'
            : 'pending',
    localIP: forwards[0]?.localIP ?? '127.1.27.1',
    hostnames: forwards[0]?.hostnames ?? [name],
    activeCount: active,
    errorCount: errors,
    totalBytesIn: forwards.reduce((n, f) => n + f.bytesIn, 0),
    totalBytesOut: forwards.reduce((n, f) => n + f.bytesOut, 0),
    rateIn: forwards.reduce((n, f) => n + f.rateIn, 0),
    rateOut: forwards.reduce((n, f) => n + f.rateOut, 0),
    pods: [...new Set(forwards.map((f) => f.podName).filter((p): p is string => p !== null))].map((p) => ({
      name: p,
      ready: true,
      terminating: false,
    })),
    forwards,
  };
}

export interface FakeOptions {
  now?: () => number;
  health?: HealthStatus;
  /** Namespaces Kubernetes refuses to list in (K8S_FORBIDDEN). */
  forbidden?: string[];
}

export function createFakeViews(options: FakeOptions = {}) {
  const now = options.now ?? (() => T0 + 8_130_000);
  const forbidden = new Set(options.forbidden ?? ['secret']);
  const calls: string[] = [];
  const services = new Map<string, Service>();
  const namespaces = new Map<string, Namespace>();
  const events: ApiEvent[] = [];
  const eventListeners = new Set<(e: ApiEvent) => void>();
  const logs: LogEntry[] = [];
  const logListeners = new Set<(l: LogEntry) => void>();
  const captures: HttpExchange[] = [];
  const reconnections: Reconnection[] = [];
  let health: HealthStatus = options.health ?? 'healthy';
  let nextEventId = 1;
  let nextLogId = 1;

  const put = (s: Service): void => void services.set(s.key, s);
  put(makeService('api', 'default', 'kind', [makeForward('api', 'default', 'kind', 'api-7d9-x2', 8080)]));
  put(
    makeService('db', 'data', 'kind', [
      makeForward('db', 'data', 'kind', 'db-0', 5432, {
        status: 'error',
        error: 'connection refused',
        localIP: '127.1.28.1',
      }),
    ]),
  );
  namespaces.set('default.kind', {
    key: 'default.kind',
    namespace: 'default',
    context: 'kind',
    serviceCount: 1,
    activeCount: 1,
    errorCount: 0,
    running: true,
    forbidden: null,
    labelSelector: null,
    fieldSelector: null,
    lastError: null,
  });

  const allForwards = (): Forward[] => [...services.values()].flatMap((s) => s.forwards);
  const checkNs = (ns: string): void => {
    if (forbidden.has(ns))
      throw new KubefwdError('K8S_FORBIDDEN', `services is forbidden: cannot list in namespace "${ns}"`);
  };
  const kubeService = (ns: string, name: string): KubeService => ({
    name,
    namespace: ns,
    type: 'ClusterIP',
    clusterIP: '10.0.0.10',
    ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    selector: { app: name },
    forwarded: services.has(`${name}.${ns}.kind`),
    forwardKey: services.has(`${name}.${ns}.kind`) ? `${name}.${ns}.kind` : null,
  });
  const kubePod = (ns: string, name: string): KubePod => ({
    name,
    namespace: ns,
    phase: 'Running',
    ready: '1/1',
    isReady: true,
    restarts: 0,
    ip: '10.1.0.5',
    node: 'node-1',
    labels: { app: 'api' },
    containers: ['main'],
    startTime: iso(T0),
    terminating: false,
    isForwarded: false,
    forwardedPort: null,
  });
  const entry = (e: ApiEvent): HistoryEntry => ({
    id: e.id,
    type: e.type,
    timestamp: e.timestamp,
    serviceKey: typeof e.data.serviceKey === 'string' ? e.data.serviceKey : null,
    message: e.type,
    data: e.data,
  });

  const views: ApiViews = {
    health: () => health,
    info: () => ({
      version: '9.9.9',
      startedAt: T0,
      contexts: ['kind'],
      namespaces: [...namespaces.keys()],
      idle: false,
    }),
    services: {
      list: () => [...services.values()],
      get: (key) => services.get(key),
      add: ({ namespace, serviceName, context }) =>
        attempt(() => {
          const ctx = context ?? 'kind';
          checkNs(namespace);
          const key = `${serviceName}.${namespace}.${ctx}`;
          calls.push(`add ${key}`);
          if (services.has(key))
            throw new KubefwdError('ALREADY_EXISTS', `service ${key} is already forwarded`);
          if (serviceName === 'missing')
            throw new KubefwdError('K8S_NOT_FOUND', `services "missing" not found`);
          const f = makeForward(serviceName, namespace, ctx, `${serviceName}-1`, 80, {
            localIP: '127.1.27.9',
          });
          put(makeService(serviceName, namespace, ctx, [f]));
          publish('service.added', { key, serviceKey: key, namespace, service: serviceName, context: ctx });
          return {
            key,
            serviceName,
            namespace,
            context: ctx,
            localIP: f.localIP,
            hostnames: f.hostnames,
            ports: [{ localPort: 80, remotePort: 80, protocol: 'TCP' }],
          };
        }),
      remove(key) {
        calls.push(`remove ${key}`);
        const s = services.get(key);
        if (!s) return false;
        services.delete(key);
        publish('service.removed', { key, serviceKey: key, namespace: s.namespace, service: s.serviceName });
        return true;
      },
      reconnect: (key) => (calls.push(`reconnect ${key}`), services.has(key)),
      sync: (key, { force }) => (calls.push(`sync ${key} ${force}`), services.has(key)),
      reconnectAll({ force }) {
        calls.push(`reconnectAll ${force}`);
        return [...services.values()].filter((s) => force || s.errorCount > 0).map((s) => s.key);
      },
    },
    forwards: {
      list: () => allForwards(),
      get: (key) => allForwards().find((f) => f.key === key),
    },
    namespaces: {
      list: () => [...namespaces.values()],
      get: (key) => namespaces.get(key),
      add: ({ namespace, context, selector }) =>
        attempt(() => {
          checkNs(namespace);
          const ctx = context ?? 'kind';
          const key = `${namespace}.${ctx}`;
          if (namespaces.has(key)) throw new KubefwdError('ALREADY_EXISTS', `already watching ${key}`);
          namespaces.set(key, {
            key,
            namespace,
            context: ctx,
            serviceCount: 0,
            activeCount: 0,
            errorCount: 0,
            running: true,
            forbidden: null,
            labelSelector: selector ?? null,
            fieldSelector: null,
            lastError: null,
          });
          publish('namespace.added', { key, namespace, context: ctx });
          return { key, namespace, context: ctx, selector: selector ?? null, services: [] };
        }),
      remove: (key) => namespaces.delete(key),
    },
    kubernetes: {
      contexts: () => ({
        currentContext: 'kind',
        contexts: [
          {
            name: 'kind',
            cluster: 'kind',
            server: 'https://127.0.0.1:6443',
            namespace: 'default',
            active: true,
          },
        ],
      }),
      namespaces: () => [
        { name: 'default', status: 'Active', forwarded: true },
        { name: 'data', status: 'Active', forwarded: false },
      ],
      services: (ns) => (checkNs(ns), [kubeService(ns, 'api')]),
      service: (ns, name) => {
        checkNs(ns);
        if (name === 'missing') throw new KubefwdError('K8S_NOT_FOUND', 'services "missing" not found');
        return kubeService(ns, name);
      },
      pods: (ns) => (checkNs(ns), [kubePod(ns, 'api-7d9-x2')]),
      pod: (ns, name) => ({
        ...kubePod(ns, name),
        context: 'kind',
        annotations: {},
        conditions: [{ type: 'Ready', status: 'True', reason: null, message: null }],
        forwardKey: null,
      }),
      podLogs: (ns, name, context, q) => ({
        podName: name,
        namespace: ns,
        context: context ?? 'kind',
        containerName: q.container ?? null,
        logs: ['line 1', 'line 2'].slice(-q.tailLines),
        lineCount: Math.min(2, q.tailLines),
        truncated: q.tailLines < 2,
      }),
      events: (ns, _ctx, q) => (
        checkNs(ns),
        [
          {
            type: 'Normal',
            reason: 'Started',
            message: 'Started container main',
            count: 1,
            firstTimestamp: iso(T0),
            lastTimestamp: iso(T0),
            source: 'kubelet',
            objectKind: 'Pod',
            objectName: 'api-7d9-x2',
          },
        ].slice(0, q.limit)
      ),
      endpoints: (ns, name) => ({
        name,
        namespace: ns,
        subsets: [
          {
            addresses: [{ ip: '10.1.0.5', podName: 'api-7d9-x2' }],
            notReadyAddresses: [],
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ],
      }),
    },
    metrics: {
      totals: () => ({
        totalBytesIn: allForwards().reduce((n, f) => n + f.bytesIn, 0),
        totalBytesOut: allForwards().reduce((n, f) => n + f.bytesOut, 0),
        totalRateIn: 4,
        totalRateOut: 5,
        lastUpdated: iso(now()),
      }),
      history: (key, { durationMs, intervalMs }) => {
        if (key !== undefined && !services.has(key)) return undefined;
        const n = Math.min(5, Math.floor(durationMs / intervalMs));
        return Array.from({ length: n }, (_, i) => ({
          timestamp: iso(now() - (n - i) * intervalMs),
          bytesIn: 10 * i,
          bytesOut: 20 * i,
          rateIn: (10 * i) / (intervalMs / 1000),
          rateOut: (20 * i) / (intervalMs / 1000),
        }));
      },
    },
    diagnostics: {
      state: () => ({
        ready: health === 'healthy',
        issues: [
          {
            severity: 'info',
            kind: 'skipped',
            key: 'ext.default.kind',
            serviceKey: 'ext.default.kind',
            message: 'ExternalName service',
            suggestion: null,
          },
        ],
        namespaces: [...namespaces.values()].map((n) => ({
          key: n.key,
          synced: n.running,
          forbidden: n.forbidden,
          lastError: n.lastError,
        })),
        hostsFile: {
          path: '/etc/hosts',
          entries: 2,
          hostnames: 8,
          writes: 3,
          lastWriteAt: iso(T0),
          lastError: null,
          backupPath: '/root/hosts.original',
        },
        transports: { kind: 'SPDY/3.1' },
        allocatedIPs: [...services.values()].map((s) => ({ key: s.key, ip: s.localIP, reservation: null })),
      }),
      network: () => ({
        allocatedIPs: [...services.values()].map((s) => ({ key: s.key, ip: s.localIP, reservation: null })),
        listeners: allForwards().map((f) => ({
          key: f.key,
          address: `${f.localIP}:${f.localPort}`,
          status: f.status,
        })),
        hostsFile: {
          path: '/etc/hosts',
          entries: 2,
          hostnames: 8,
          writes: 3,
          lastWriteAt: null,
          lastError: null,
          backupPath: null,
        },
        transports: { kind: 'SPDY/3.1' },
        sessions: 1,
        api: '127.2.27.1:80',
      }),
    },
    history: {
      events: (count) => events.slice(-count).map(entry),
      errors: (count) =>
        events
          .filter((e) => e.type.endsWith('.error'))
          .slice(-count)
          .map(entry),
      reconnections: (count, key) => reconnections.filter((r) => !key || r.serviceKey === key).slice(-count),
      stats: () => ({
        totalEvents: events.length,
        totalErrors: 0,
        totalReconnects: reconnections.length,
        byType: {},
        capacity: 1000,
      }),
    },
    logs: {
      list: ({ count, level, service }) =>
        logs
          .filter(
            (l) =>
              (!level || LOG_LEVELS.indexOf(l.level) >= LOG_LEVELS.indexOf(level)) &&
              (!service || (l.service ?? '').includes(service)),
          )
          .slice(-count),
      subscribe(fn) {
        logListeners.add(fn);
        return () => logListeners.delete(fn);
      },
      clear: () => void logs.splice(0),
    },
    events: {
      since: (id) => events.filter((e) => e.id > id),
      subscribe(fn) {
        eventListeners.add(fn);
        return () => eventListeners.delete(fn);
      },
    },
    captures: {
      forward: (key, count) =>
        allForwards().some((f) => f.key === key)
          ? captures.filter((c) => c.forwardKey === key).slice(-count)
          : undefined,
      service: (key, count) => {
        const s = services.get(key);
        if (!s) return undefined;
        const keys = new Set(s.forwards.map((f) => f.key));
        return captures.filter((c) => keys.has(c.forwardKey)).slice(-count);
      },
    },
    prom: {
      text: () => '# HELP kubefwd_up 1 when running\n# TYPE kubefwd_up gauge\nkubefwd_up 1\n',
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
    },
  };

  function publish(type: EventType, data: Record<string, unknown>): ApiEvent {
    const e: ApiEvent = { id: nextEventId++, type, timestamp: iso(now()), data };
    events.push(e);
    for (const fn of [...eventListeners]) fn(e);
    return e;
  }

  function log(level: LogLevel, message: string, service?: string): LogEntry {
    const l: LogEntry = { id: nextLogId++, timestamp: iso(now()), level, message, service };
    logs.push(l);
    for (const fn of [...logListeners]) fn(l);
    return l;
  }

  captures.push({
    timestamp: iso(T0),
    forwardKey: 'api.default.kind.api-7d9-x2.8080',
    method: 'GET',
    path: '/healthz?x=1',
    statusCode: 200,
    durationMs: 1.25,
    requestBytes: 80,
    responseBytes: 120,
  });
  reconnections.push({
    id: 1,
    timestamp: iso(T0),
    serviceKey: 'db.data.kind',
    forwardKey: null,
    trigger: 'auto',
    reason: 'pod replaced',
  });
  log('info', 'started');

  return {
    views,
    now,
    calls,
    services,
    publish,
    log,
    get eventListeners() {
      return eventListeners.size;
    },
    get logListeners() {
      return logListeners.size;
    },
    setHealth(h: HealthStatus) {
      health = h;
    },
  };
}

export type FakeViews = ReturnType<typeof createFakeViews>;
