import type { ApiViews, Json } from '../../api/views.ts';
import type { DaemonConfig } from '../config.ts';
import type { Engine } from '../engine.ts';
import type { ServiceViews } from './services.ts';

/** The kind of a forward's error, from its message. */
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
/** What to do about an error of `kind`. */
const suggest = (kind: string): string =>
  ({
    'connection-refused': 'the pod does not listen on that port',
    'port-in-use': 'another program uses that local address',
    forbidden: 'grant create on pods/portforward',
    timeout: 'the API server or the pod is slow or unreachable',
  })[kind] ?? 'see the logs';

/** What is wrong and what to do about it, per forward, namespace, the hosts file and the network, as the API shows it. */
export function createDiagnosticsViews(d: {
  engine: Engine;
  config: DaemonConfig;
  services: ServiceViews;
  isReady: () => boolean;
}): ApiViews['diagnostics'] {
  const { engine } = d;
  const allForwards = d.services.allForwards;

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
      const v = d.services.serviceView(r);
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
  };
}
