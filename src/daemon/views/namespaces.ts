import type { ApiViews, NamespaceView } from '../../api/views.ts';
import { forwardingDenials } from '../../cluster/access.ts';
import type { DaemonConfig } from '../config.ts';
import type { Engine } from '../engine.ts';
import type { NamespaceEntry } from '../namespace-manager.ts';
import type { ServiceViews } from './services.ts';

/** How long adding a namespace waits for its first list before answering that it is still syncing. */
const FIRST_LIST_MS = 10_000;

/** Watched namespaces as the API shows them, and adding and removing them. */
export function createNamespaceViews(d: {
  engine: Engine;
  config: DaemonConfig;
  services: ServiceViews;
  ctxOf: (context: string | undefined) => string;
}): ApiViews['namespaces'] {
  const { engine } = d;

  function namespaceView(e: NamespaceEntry): NamespaceView {
    const state = e.watch.state();
    const views = engine.registry
      .list()
      .filter(
        (r) =>
          r.namespace === e.namespace &&
          r.context === e.context &&
          (!e.serviceName || r.name === e.serviceName),
      )
      .map(d.services.serviceView);
    return {
      key: e.key,
      namespace: e.namespace,
      context: e.context,
      serviceCount: views.length,
      activeCount: views.filter((s) => s.status === 'active').length,
      errorCount: views.filter((s) => s.status === 'error').length,
      running: state.synced,
      forbidden: state.forbidden ?? null,
      endpointSource: state.endpointSource,
      endpointSlicesError: state.endpointSlicesError ?? null,
      labelSelector: e.selector ?? null,
      fieldSelector: e.serviceName ? `metadata.name=${e.serviceName}` : (d.config.fieldSelector ?? null),
      lastError: state.lastError ?? null,
    };
  }

  /** Resolves true once listed, false when the first list takes longer; rejects when Kubernetes refuses. */
  async function firstList(e: NamespaceEntry): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        e.watch.synced.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), FIRST_LIST_MS))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    list: () => engine.namespaces.list().map(namespaceView),
    get: (key) => {
      const e = engine.namespaces.get(key);
      return e ? namespaceView(e) : undefined;
    },
    async add({ namespace, context, selector }) {
      const ctx = d.ctxOf(context);
      const e = await engine.namespaces.add({ context: ctx, namespace, selector });
      let synced: boolean;
      try {
        synced = await firstList(e);
      } catch (err) {
        // Nothing here can be read: say so (403 with Kubernetes' reason) and leave nothing behind.
        await engine.namespaces.remove(e.key);
        throw err;
      }
      const denied = await forwardingDenials(engine.client(ctx), namespace);
      return {
        key: e.key,
        namespace,
        context: ctx,
        selector: e.selector ?? null,
        synced,
        services: e.watch.services().map((s) => `${s.metadata?.name ?? ''}.${namespace}.${ctx}`),
        denied,
      };
    },
    async remove(key) {
      const ok = await engine.namespaces.remove(key);
      await engine.hosts.flush();
      return ok;
    },
  };
}
