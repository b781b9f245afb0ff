import type { ApiViews, ForwardView, ServiceView } from '../../api/views.ts';
import { watchDenial, type Denial } from '../../cluster/access.ts';
import { KubefwdError } from '../../errors.ts';
import type { MetricsStore } from '../../metrics/metrics-store.ts';
import { createEndpointViews } from '../endpoint-views.ts';
import type { Engine } from '../engine.ts';
import type { History } from '../history.ts';
import type { ServiceRecord } from '../service-registry.ts';
import { createServiceList } from './service-list.ts';
import { createServiceTexts } from './service-texts.ts';
import { createServiceViewBuilder } from './service-view.ts';

/** Forwarded services and forwards as the API shows them, and the services area's actions. */
export function createServiceViews(d: {
  engine: Engine;
  metrics: MetricsStore;
  history: History;
  ctxOf: (context: string | undefined) => string;
  /** The event bus's last id: the services list's tallies are made again once it moves. */
  version: () => number;
  now: () => number;
}) {
  const { engine, metrics } = d;
  const endpointViews = createEndpointViews(engine.registry);
  const serviceList = createServiceList({
    records: () => engine.registry.list(),
    rate: metrics.serviceRate,
    version: d.version,
    now: d.now,
  });

  const { serviceView, forwardViews } = createServiceViewBuilder(metrics);
  const texts = createServiceTexts({
    view: serviceView,
    serviceRate: metrics.serviceRate,
    forwardRate: metrics.forwardRate,
  });

  const list = (): ServiceView[] => serviceList.sorted().map(serviceView);
  const allForwards = (): ForwardView[] => engine.registry.list().flatMap(forwardViews);

  /** Watched namespaces Kubernetes refuses to let us read: what a list of services leaves out. */
  const denied = (): Denial[] =>
    engine.namespaces.list().flatMap((n) => {
      const forbidden = n.watch.forbidden();
      return forbidden ? [watchDenial(n.context, n.namespace, forbidden)] : [];
    });

  function dropSessions(key: string): ServiceRecord | undefined {
    const r = engine.registry.get(key);
    for (const p of r?.pods ?? [])
      engine.sessions.drop({ context: r?.context ?? '', namespace: p.namespace, name: p.name, uid: p.uid });
    return r;
  }

  const area: ApiViews['services'] = {
    list,
    query(q) {
      const { records, total, summary } = serviceList.query(q);
      return { services: records.map((r) => texts.text(r)), total, summary };
    },
    get: (key) => {
      const r = engine.registry.get(key);
      return r ? serviceView(r) : undefined;
    },
    denied,
    async add({ namespace, serviceName, context }) {
      const ctx = d.ctxOf(context);
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
      try {
        // Refused (its pods may not be read): nothing is left watching.
        await entry.watch.synced;
      } catch (err) {
        await engine.namespaces.remove(entry.key);
        throw err;
      }
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
      if (!dropSessions(key)) return false;
      d.history.reconnection(key, 'requested through the API');
      return true;
    },
    sync: (key) => engine.namespaces.resync(key),
    endpoints: (key) => endpointViews.endpoints(key),
    setPolicy: (key, policy) => endpointViews.setPolicy(key, policy),
    reconnectAll(force) {
      let n = 0;
      for (const r of serviceList.sorted()) {
        if (force || serviceList.tally(r).errors > 0) {
          dropSessions(r.key);
          d.history.reconnection(
            r.key,
            force ? 'forced through the API' : 'errored, requested through the API',
          );
          n++;
        }
      }
      return n;
    },
  };

  const forwards: ApiViews['forwards'] = {
    list: () =>
      allForwards().sort(
        (a, b) => (a.hostnames[0] ?? '').localeCompare(b.hostnames[0] ?? '') || a.localPort - b.localPort,
      ),
    get: (key) => allForwards().find((f) => f.key === key),
  };

  return { area, forwards, serviceView, list, allForwards, serviceList };
}

export type ServiceViews = ReturnType<typeof createServiceViews>;
