import type { KubefwdClient } from '../client/client.ts';
import { streamPodLogs } from './pod-log-stream.ts';
import type { BrowseContext, BrowseNamespace, BrowseService, TuiActions } from './model.ts';

export interface ActionDeps {
  client: KubefwdClient;
  /** Re-reads the lists after a change (the event stream would too; this is sooner). */
  refresh: () => void;
  notify: (text: string) => void;
  setTimer: (fn: () => void, ms: number) => NodeJS.Timeout;
  /** Wait before following a pod log again after its stream ended or could not open. */
  podLogMs?: number;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The UI's actions over the typed client; each reports its outcome in the status line and never throws there. */
export function createTuiActions(deps: ActionDeps): TuiActions {
  const { client, notify } = deps;
  const podLogMs = deps.podLogMs ?? 1000;
  const act = async (doing: string, done: string, fn: () => Promise<unknown>): Promise<void> => {
    notify(`${doing}…`);
    try {
      await fn();
      notify(done);
      deps.refresh();
    } catch (err) {
      notify(`${doing} failed: ${describe(err)}`);
    }
  };
  const svcPath = (key: string) => ({ params: { path: { key } } });

  return {
    notify,
    removeService: (key) =>
      act(`removing ${key}`, `removed ${key}`, () =>
        client.call(client.api.DELETE('/api/v1/services/{key}', svcPath(key))),
      ),
    reconnect: (key) =>
      act(`reconnecting ${key}`, `reconnect of ${key} triggered`, () =>
        client.call(client.api.POST('/api/v1/services/{key}/reconnect', svcPath(key))),
      ),
    async reconnectErrored() {
      let triggered = 0;
      await act('reconnecting errored services', 'reconnect triggered', async () => {
        const data = await client.call(client.api.POST('/api/v1/services/reconnect'));
        triggered = data.triggered;
      });
      notify(triggered === 0 ? 'no errored service to reconnect' : `reconnecting ${triggered} service(s)`);
      return triggered;
    },
    sync: (key) =>
      act(`syncing ${key}`, `sync of ${key} triggered`, () =>
        client.call(
          client.api.POST('/api/v1/services/{key}/sync', {
            params: { path: { key }, query: { force: true } },
          }),
        ),
      ),
    addNamespace: (namespace, context) =>
      act(`forwarding namespace ${namespace}`, `forwarding every service of ${namespace}`, () =>
        client.call(client.api.POST('/api/v1/namespaces', { body: { namespace, context } })),
      ),
    addService: (namespace, serviceName, context) =>
      act(`forwarding ${serviceName}.${namespace}`, `forwarding ${serviceName}.${namespace}`, () =>
        client.call(
          client.api.POST('/api/v1/services', { body: { namespace, service_name: serviceName, context } }),
        ),
      ),
    async contexts(): Promise<BrowseContext[]> {
      const data = await client.call(client.api.GET('/api/v1/kubernetes/contexts'));
      return data.contexts.map((c) => ({ name: c.name, active: c.active }));
    },
    async namespaces(context): Promise<BrowseNamespace[]> {
      const data = await client.call(
        client.api.GET('/api/v1/kubernetes/namespaces', { params: { query: { context } } }),
      );
      return data.namespaces.map((n) => ({ name: n.name, forwarded: n.forwarded }));
    },
    async services(namespace, context): Promise<BrowseService[]> {
      const data = await client.call(
        client.api.GET('/api/v1/kubernetes/services', { params: { query: { namespace, context } } }),
      );
      return data.services.map((s) => ({ name: s.name, forwarded: s.forwarded }));
    },
    async captures(key) {
      const data = await client.call(
        client.api.GET('/api/v1/services/{key}/http', { params: { path: { key }, query: { count: 200 } } }),
      );
      return [...data.logs].sort((a, b) => b.timestamp.localeCompare(a.timestamp));
    },
    endpoints: (key) => client.call(client.api.GET('/api/v1/services/{key}/endpoints', svcPath(key))),
    async rates(key) {
      const data = await client.call(
        client.api.GET('/api/v1/metrics/services/{key}/history', {
          params: { path: { key }, query: { duration: '1m' } },
        }),
      );
      return data.points.map((p) => ({ rateIn: p.rateIn, rateOut: p.rateOut }));
    },
    followPodLogs: streamPodLogs({ client, setTimer: deps.setTimer, retryMs: podLogMs }),
  };
}
