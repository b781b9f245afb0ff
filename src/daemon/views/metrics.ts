import type { ApiViews, ServiceView } from '../../api/views.ts';
import type { Schemas } from '../../contract/contract.ts';
import type { MetricsStore } from '../../metrics/metrics-store.ts';
import type { Engine } from '../engine.ts';
import type { ServiceViews } from './services.ts';

/** Traffic metrics of the daemon and its services as the API shows them, with their history. */
export function createMetricsViews(d: {
  engine: Engine;
  metrics: MetricsStore;
  services: ServiceViews;
  now: () => number;
}): ApiViews['metrics'] {
  const { engine, metrics } = d;
  const history = (key: string | undefined, durationMs: number, intervalMs: number): Schemas['History'] => ({
    key: key ?? null,
    duration: `${durationMs / 1000}s`,
    interval: `${intervalMs / 1000}s`,
    points: metrics
      .history(key, durationMs, intervalMs)
      .map((p) => ({ ...p, timestamp: new Date(p.timestamp).toISOString() })),
  });

  return {
    summary: () => {
      const { rateIn: _in, rateOut: _out, ...counts } = d.services.serviceList.summary();
      const total = metrics.total();
      return {
        ...counts,
        totalRateIn: total.rateIn,
        totalRateOut: total.rateOut,
        uptime: (d.now() - engine.startedAt) / 1000,
        lastUpdated: metrics.lastSampleAt === undefined ? null : new Date(metrics.lastSampleAt).toISOString(),
      };
    },
    services: () => d.services.list().map(metricsOf),
    service: (key) => {
      const r = engine.registry.get(key);
      return r ? metricsOf(d.services.serviceView(r)) : undefined;
    },
    history,
  };
}

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
