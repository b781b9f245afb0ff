import type { ForwardView, ServiceView } from '../../api/views.ts';
import type { MetricsStore } from '../../metrics/metrics-store.ts';
import type { ForwardPortSnapshot } from '../ports.ts';
import type { ServiceRecord } from '../service-registry.ts';
import { serviceStatus } from './service-list.ts';

/** A service's and its forwards' views as the API shows them, from the current state and the last metrics sample. */
export function createServiceViewBuilder(metrics: Pick<MetricsStore, 'forwardRate' | 'serviceRate'>) {
  function forwardView(r: ServiceRecord, f: ForwardPortSnapshot, hostnames: string[]): ForwardView {
    const rate = metrics.forwardRate(f.forwardKey);
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
  }

  /** The service's forward, then its per-pod ones (headless), port by port. Loops: the list builds 1,000 a time. */
  function forwardViews(r: ServiceRecord): ForwardView[] {
    const out: ForwardView[] = [];
    for (const f of r.forward.snapshot()) out.push(forwardView(r, f, r.hostnames));
    if (r.podForwards.size > 0)
      for (const e of r.podForwards.values())
        for (const f of e.forward.snapshot()) out.push(forwardView(r, f, e.hostnames));
    return out;
  }

  function serviceView(r: ServiceRecord): ServiceView {
    const forwards = forwardViews(r);
    let active = 0;
    let errors = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    for (const f of forwards) {
      if (f.status === 'active') active++;
      else if (f.status === 'error') errors++;
      bytesIn += f.bytesIn;
      bytesOut += f.bytesOut;
    }
    const rate = metrics.serviceRate(r.key);
    return {
      key: r.key,
      serviceName: r.name,
      namespace: r.namespace,
      context: r.context,
      headless: r.kind === 'headless',
      status: serviceStatus(active, errors),
      localIP: r.ip,
      hostnames: r.hostnames,
      activeCount: active,
      errorCount: errors,
      totalBytesIn: bytesIn,
      totalBytesOut: bytesOut,
      rateIn: rate?.rateIn ?? 0,
      rateOut: rate?.rateOut ?? 0,
      pods: r.pods.map((p) => ({ name: p.name, ready: p.ready, terminating: p.terminating })),
      forwards,
    };
  }

  return { serviceView, forwardViews };
}
