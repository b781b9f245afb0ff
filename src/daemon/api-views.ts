import type { ApiViews } from '../api/views.ts';
import type { LogRing } from '../log/log-ring.ts';
import type { CaptureStore } from '../metrics/capture-store.ts';
import type { MetricsStore } from '../metrics/metrics-store.ts';
import type { PromMetrics } from '../metrics/prom.ts';
import type { Schemas } from '../contract/contract.ts';
import type { DaemonEvent, EventBus } from './bus.ts';
import type { DaemonConfig } from './config.ts';
import type { Engine } from './engine.ts';
import type { History } from './history.ts';
import { createCaptureViews } from './views/captures.ts';
import { createDiagnosticsViews } from './views/diagnostics.ts';
import { createKubernetesViews } from './views/kubernetes.ts';
import { createMetricsViews } from './views/metrics.ts';
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

/**
 * The API's views over the live engine: every answer comes from current state, nothing is stubbed. Each area (services
 * and forwards, namespaces, the Kubernetes reads, metrics, diagnostics, captures) has its own module in ./views/;
 * this composes them.
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
    metrics: createMetricsViews({ engine, metrics, services: serviceViews, now: d.now }),
    diagnostics: createDiagnosticsViews({
      engine,
      config: d.config,
      services: serviceViews,
      isReady: d.isReady,
    }),
    captures: createCaptureViews({ engine, captures: d.captures, services: serviceViews }),
    prom: {
      text: () => d.prom.metricsText(),
      contentType: d.prom.contentType,
      observe: (m, r, s, sec) => {
        d.onRequest?.();
        d.prom.observeApiRequest(m, r, s, sec);
      },
    },
  };
}

const eventView = (e: DaemonEvent): Schemas['Event'] => ({
  id: e.id,
  type: e.type,
  timestamp: e.timestamp,
  data: e.data,
});
