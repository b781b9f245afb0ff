import { Counter, Gauge, type Registry } from 'prom-client';

/** One endpoint (pod) of a forwarded service, as the per-pod series read it. */
export interface EndpointReading {
  namespace: string;
  context: string;
  service: string;
  pod: string;
  bytesIn: number;
  bytesOut: number;
  connectionsActive: number;
}

/**
 * Per-pod series, registered only when asked for (`--metrics-per-pod`): one set per endpoint a service holds now, so
 * they come and go with pods (every rollout adds series; that is why they are off by default). Bytes count from
 * when the endpoint joined the forward.
 */
export function registerEndpointMetrics(registry: Registry, read: () => Iterable<EndpointReading>): void {
  const labelNames = ['namespace', 'context', 'service', 'pod'];
  new Counter({
    name: 'kubefwd_endpoint_bytes_total',
    help: 'Bytes carried per pod of a forwarded service, by direction (in = from the pod to local clients).',
    labelNames: [...labelNames, 'direction'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of read()) {
        const labels = { namespace: r.namespace, context: r.context, service: r.service, pod: r.pod };
        this.inc({ ...labels, direction: 'in' }, r.bytesIn);
        this.inc({ ...labels, direction: 'out' }, r.bytesOut);
      }
    },
  });
  new Gauge({
    name: 'kubefwd_endpoint_connections_active',
    help: 'Open local connections per pod of a forwarded service.',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of read())
        this.set(
          { namespace: r.namespace, context: r.context, service: r.service, pod: r.pod },
          r.connectionsActive,
        );
    },
  });
}
