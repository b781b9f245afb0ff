import type { ApiViews } from '../../api/views.ts';
import { iso, podInfo } from '../../cluster/discovery.ts';
import type { Engine } from '../engine.ts';
import type { ServiceViews } from './services.ts';

/** Live reads of a context's cluster (not the watches' cache), marked with what kubefwd forwards. */
export function createKubernetesViews(d: {
  engine: Engine;
  services: ServiceViews;
  ctxOf: (context: string | undefined) => string;
}): ApiViews['kubernetes'] {
  const { engine, ctxOf } = d;
  const discovery = (context: string | undefined) => engine.discovery(ctxOf(context));

  const podLogText: ApiViews['kubernetes']['podLogText'] = async (namespace, name, context, q) =>
    String(
      await discovery(context).podLogs(namespace, name, {
        ...(q.container ? { container: q.container } : {}),
        tailLines: q.tailLines,
        previous: q.previous,
        timestamps: q.timestamps,
      }),
    );

  return {
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
      const list = await discovery(context).namespaces();
      const watched = new Set(engine.namespaces.list().map((n) => `${n.namespace}.${n.context}`));
      return {
        namespaces: list.map((n) => ({ ...n, forwarded: watched.has(`${n.name}.${ctxOf(context)}`) })),
      };
    },
    services: async (namespace, context) => {
      const ctx = ctxOf(context);
      const list = await discovery(ctx).services(namespace);
      return {
        services: list.map((s) => {
          const key = `${s.name}.${namespace}.${ctx}`;
          const forwarded = !!engine.registry.get(key);
          return { ...s, forwarded, forwardKey: forwarded ? key : null };
        }),
      };
    },
    service: async (namespace, name, context) => ({ ...(await discovery(context).service(namespace, name)) }),
    pods: async (namespace, context, query) => {
      const ctx = ctxOf(context);
      let labelSelector = query.labelSelector;
      if (query.serviceName) {
        const svc = await discovery(ctx).service(namespace, query.serviceName);
        labelSelector = Object.entries(svc.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
      }
      const pods = await discovery(ctx).pods(namespace, {
        ...(labelSelector ? { labelSelector } : {}),
        ...(query.fieldSelector ? { fieldSelector: query.fieldSelector } : {}),
      });
      const forwarded = new Map(
        d.services
          .allForwards()
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
      const pod = await discovery(context).pod(namespace, name);
      const f = d.services.allForwards().find((x) => x.podName === name && x.namespace === namespace);
      return {
        ...podInfo(pod),
        context: ctxOf(context),
        conditions: (pod.status?.conditions ?? []).map((c) => ({ ...c })),
        annotations: pod.metadata?.annotations ?? {},
        isForwarded: !!f,
        forwardKey: f?.key ?? null,
      };
    },
    podLogText,
    followPodLog: (namespace, name, context, q, onLine, onEnd) =>
      discovery(context).followPodLog(
        namespace,
        name,
        { container: q.container, tailLines: q.tailLines, timestamps: q.timestamps },
        onLine,
        onEnd,
      ),
    podLogs: async (namespace, name, context, q) => {
      const lines = (await podLogText(namespace, name, context, q)).split('\n').filter((l) => l.length > 0);
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
      const list = await discovery(context).events(namespace, fields ? { fieldSelector: fields } : {});
      return list
        .map((e) => ({
          type: e.type ?? 'Normal',
          reason: e.reason ?? '',
          message: e.message ?? '',
          count: e.count ?? 1,
          firstTimestamp: iso(e.firstTimestamp) ?? null,
          lastTimestamp: iso(e.lastTimestamp) ?? null,
          source: e.source?.component ?? '',
          objectKind: e.involvedObject.kind ?? null,
          objectName: e.involvedObject.name ?? null,
        }))
        .sort((a, b) => String(b.lastTimestamp).localeCompare(String(a.lastTimestamp)))
        .slice(0, q.limit);
    },
    endpoints: async (namespace, name, context) => {
      const ep = await discovery(context).endpoints(namespace, name);
      return { name, namespace, subsets: ep.subsets ?? [] };
    },
  };
}
