import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerEndpointMetrics, type EndpointReading } from './prom-endpoints.ts';
import { createDeltaTracker, serviceOf, type CounterReading, type LegacyCounterReading } from './counters.ts';

/** The shape the daemon passed before forwards were read as `CounterReading`s. */
export interface LegacyForwardSource {
  namespace: string;
  context: string;
  service: string;
  bytesIn: number;
  bytesOut: number;
  connectionsActive: number;
}

export interface PromOptions {
  /** The forwarders' counters, read at scrape time (the same source the metrics store samples). */
  read?: () => Iterable<CounterReading | LegacyCounterReading>;
  /** @deprecated pass `read`. */
  forwards?: () => Iterable<LegacyForwardSource>;
  /** Per-pod series (`--metrics-per-pod`); absent, none are registered. */
  endpoints?: (() => Iterable<EndpointReading>) | undefined;
  /** Upgraded port-forward connections to pods now. */
  sessions?: () => number;
  /** Hosts file writes so far, when the hosts manager counts them; `incHostsWrite()` adds to it. */
  hostsWrites?: () => number;
  /** Process metrics (CPU, memory, event loop lag, GC), prefixed `kubefwd_`. Default true. */
  defaultMetrics?: boolean;
  now?: () => number;
  /** How long a service that stopped appearing keeps its byte totals, so a brief gap is not a counter reset. */
  forgetAfterMs?: number;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** `svc.ns.ctx` → labels. Service and namespace names have no dots; context names may. */
export function serviceLabels(key: string): { namespace: string; context: string; service: string } {
  const a = key.indexOf('.');
  const b = a === -1 ? -1 : key.indexOf('.', a + 1);
  if (b === -1) return { namespace: '', context: '', service: key };
  return { namespace: key.slice(a + 1, b), context: key.slice(b + 1), service: key.slice(0, a) };
}

/** Period of the event-loop lag histogram's timer (ms). */
const LAG_SAMPLE_MS = 100;

/**
 * Prometheus metrics on their own registry (never prom-client's global one), every name prefixed `kubefwd_`.
 *
 * Cardinality: byte and connection series are one per forwarded service (labels namespace, context, service; bytes
 * also direction in/out), never per pod, port, connection or path, so pod churn adds no series and a vanished
 * service's series go away after `forgetAfterMs`. Reconnects: one per namespace and context. API series: 7 methods
 * (else OTHER) × the app's route patterns × the status codes it answers, histogram 11 series each.
 */
export function createPromMetrics(options: PromOptions) {
  const now = options.now ?? Date.now;
  const forgetAfter = options.forgetAfterMs ?? 10 * 60_000;
  const read: () => Iterable<CounterReading | LegacyCounterReading> =
    options.read ?? (options.forwards ? fromLegacy(options.forwards) : () => []);
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    // The event-loop lag histogram samples with a timer of this period. prom-client's default (10 ms) woke the loop
    // 100 times a second: a third of an idle daemon's CPU with 10,000 forwards (idle CPU 1.18 → 0.75 % with 100 ms,
    // `node bench/scale.ts --services 10000 --contexts 2 --namespaces 100 --idle 60`). A stall longer than the
    // period is still measured in full; shorter ones are caught when a tick falls in them.
    collectDefaultMetrics({
      register: registry,
      prefix: 'kubefwd_',
      eventLoopMonitoringPrecision: LAG_SAMPLE_MS,
    });
    // prom-client names three gauges with a `_total` suffix, which promtool rejects for a gauge; what they count is
    // in the process handle metrics already.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total'])
      registry.removeSingleMetric(`kubefwd_nodejs_${name}`);
  }

  if (options.endpoints) registerEndpointMetrics(registry, options.endpoints);
  const tracker = createDeltaTracker();
  const totals = new Map<string, { bytesIn: number; bytesOut: number; seen: number }>();
  function scrapeBytes(): void {
    const t = now();
    const seen = new Set<string>();
    for (const r of read()) {
      if (seen.has(r.key)) continue;
      seen.add(r.key);
      const d = tracker.delta(r.key, r.bytesIn, r.bytesOut);
      const key = serviceOf(r);
      const tot = totals.get(key) ?? { bytesIn: 0, bytesOut: 0, seen: t };
      tot.bytesIn += d.bytesIn;
      tot.bytesOut += d.bytesOut;
      tot.seen = t;
      totals.set(key, tot);
    }
    tracker.retain(seen);
    for (const [key, tot] of totals) if (t - tot.seen > forgetAfter) totals.delete(key);
  }

  new Counter({
    name: 'kubefwd_forward_bytes_total',
    help: 'Bytes carried by forwards, by service and direction (in = from the pod to local clients).',
    labelNames: ['namespace', 'context', 'service', 'direction'],
    registers: [registry],
    collect() {
      scrapeBytes();
      this.reset();
      for (const [key, tot] of totals) {
        const labels = serviceLabels(key);
        this.inc({ ...labels, direction: 'in' }, tot.bytesIn);
        this.inc({ ...labels, direction: 'out' }, tot.bytesOut);
      }
    },
  });
  new Gauge({
    name: 'kubefwd_connections_active',
    help: 'Open local connections being forwarded, by service.',
    labelNames: ['namespace', 'context', 'service'],
    registers: [registry],
    collect() {
      const per = new Map<string, number>();
      for (const r of read()) per.set(serviceOf(r), (per.get(serviceOf(r)) ?? 0) + (r.connections ?? 0));
      this.reset();
      for (const [key, n] of per) this.set(serviceLabels(key), n);
    },
  });
  new Gauge({
    name: 'kubefwd_sessions_active',
    help: 'Upgraded port-forward connections to pods.',
    registers: [registry],
    collect() {
      this.set(options.sessions?.() ?? 0);
    },
  });
  let hostsWritesCounted = 0;
  new Counter({
    name: 'kubefwd_hosts_writes_total',
    help: 'Writes of the hosts file.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc((options.hostsWrites?.() ?? 0) + hostsWritesCounted);
    },
  });
  const reconnects = new Counter({
    name: 'kubefwd_reconnects_total',
    help: 'Forwards moved to another pod or redialled.',
    labelNames: ['namespace', 'context'],
    registers: [registry],
  });
  const apiRequests = new Counter({
    name: 'kubefwd_api_requests_total',
    help: 'REST API requests, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const apiDuration = new Histogram({
    name: 'kubefwd_api_request_duration_seconds',
    help: 'REST API request duration, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    /** `route` is the route pattern (`/api/v1/services/:key`), never the raw path, so series stay bounded. */
    observeApiRequest(method: string, route: string, status: number, seconds: number): void {
      const labels = { method: METHODS.has(method) ? method : 'OTHER', route, status: String(status) };
      apiRequests.inc(labels);
      apiDuration.observe(labels, seconds);
    },
    incReconnect(labels: { namespace: string; context: string }): void {
      reconnects.inc({ namespace: labels.namespace, context: labels.context });
    },
    incHostsWrite(): void {
      hostsWritesCounted++;
    },
    metricsText: (): Promise<string> => registry.metrics(),
  };
}

/** Sums the legacy per-forward entries per service (they carry no forward key to track each by). */
function fromLegacy(forwards: () => Iterable<LegacyForwardSource>): () => Iterable<CounterReading> {
  return () => {
    const per = new Map<string, CounterReading>();
    for (const f of forwards()) {
      const service = `${f.service}.${f.namespace}.${f.context}`;
      const r = per.get(service) ?? { key: service, service, bytesIn: 0, bytesOut: 0, connections: 0 };
      r.bytesIn += f.bytesIn;
      r.bytesOut += f.bytesOut;
      r.connections = (r.connections ?? 0) + f.connectionsActive;
      per.set(service, r);
    }
    return per.values();
  };
}

export type PromMetrics = ReturnType<typeof createPromMetrics>;
