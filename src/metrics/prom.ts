import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PromSource {
  forwards(): Iterable<{
    namespace: string;
    context: string;
    service: string;
    bytesIn: number;
    bytesOut: number;
    connectionsActive: number;
  }>;
  sessions(): number;
  hostsWrites(): number;
}

/**
 * Prometheus metrics on their own registry, every name prefixed `kubefwd_`. Byte and connection figures are read at
 * scrape time from the forwarders' counters; labels are bounded (namespace, context, service — one series per
 * forwarded service, never per pod or connection).
 */
export function createPromMetrics(source: PromSource) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kubefwd_' });
  // prom-client names three gauges with a `_total` suffix, which promtool's lint rejects; the handle and request
  // counts they carry are not worth a non-standard name.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]) {
    registry.removeSingleMetric(`kubefwd_${name}`);
  }
  new Counter({
    name: 'kubefwd_forward_bytes_total',
    help: 'Bytes carried by forwards since start, by direction (in = from the pod).',
    labelNames: ['namespace', 'context', 'service', 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      const agg = new Map<
        string,
        { labels: { namespace: string; context: string; service: string }; bytesIn: number; bytesOut: number }
      >();
      for (const f of source.forwards()) {
        const k = `${f.service}.${f.namespace}.${f.context}`;
        const a = agg.get(k) ?? {
          labels: { namespace: f.namespace, context: f.context, service: f.service },
          bytesIn: 0,
          bytesOut: 0,
        };
        a.bytesIn += f.bytesIn;
        a.bytesOut += f.bytesOut;
        agg.set(k, a);
      }
      for (const a of agg.values()) {
        // Read from the forwarders' cumulative counters at scrape time: reset, then the running totals.
        this.inc({ ...a.labels, direction: 'in' }, a.bytesIn);
        this.inc({ ...a.labels, direction: 'out' }, a.bytesOut);
      }
    },
  });
  new Gauge({
    name: 'kubefwd_connections_active',
    help: 'Open local connections being forwarded.',
    registers: [registry],
    collect() {
      let n = 0;
      for (const f of source.forwards()) n += f.connectionsActive;
      this.set(n);
    },
  });
  new Gauge({
    name: 'kubefwd_sessions_active',
    help: 'Upgraded port-forward connections to pods.',
    registers: [registry],
    collect() {
      this.set(source.sessions());
    },
  });
  new Counter({
    name: 'kubefwd_hosts_writes_total',
    help: 'Writes of the hosts file since start.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.hostsWrites());
    },
  });
  const reconnects = new Counter({
    name: 'kubefwd_reconnects_total',
    help: 'Pod changes and redials of forwards.',
    labelNames: ['namespace', 'context'],
    registers: [registry],
  });
  const apiRequests = new Counter({
    name: 'kubefwd_api_requests_total',
    help: 'REST API requests.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const apiDuration = new Histogram({
    name: 'kubefwd_api_request_duration_seconds',
    help: 'REST API request duration.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  return {
    registry,
    contentType: registry.contentType,
    observeApiRequest(method: string, route: string, status: number, seconds: number): void {
      apiRequests.inc({ method, route, status: String(status) });
      apiDuration.observe({ method, route, status: String(status) }, seconds);
    },
    incReconnect(labels: { namespace: string; context: string }): void {
      reconnects.inc(labels);
    },
    metricsText: (): Promise<string> => registry.metrics(),
  };
}

export type PromMetrics = ReturnType<typeof createPromMetrics>;
