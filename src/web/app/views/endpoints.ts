import type { Schemas } from '../../../client/index.ts';
import { fill, h } from '../dom.ts';
import { bytes } from '../format.ts';
import { errorText, gridTable, type ViewContext } from '../ui.ts';

type ServiceEndpoints = Schemas['ServiceEndpoints'];

function balancingText(b: ServiceEndpoints['balancing']): string {
  const parts = [
    `Balancing: ${b.policy}${b.override === null ? ' (follows --lb)' : ' (set for this service)'}`,
  ];
  if (b.affinitySeconds !== null) parts.push(`client IP affinity ${b.affinitySeconds} s`);
  return parts.join(', ');
}

function endpointsTable(data: ServiceEndpoints): HTMLElement {
  return gridTable(
    'endpoints-table',
    'Connections and bytes per endpoint',
    ['Pod', 'State', 'Session', 'Open', 'Total', 'In', 'Out'],
    data.endpoints.length
      ? data.endpoints.map((e) =>
          h(
            'tr',
            { 'data-pod': e.pod },
            h('td', null, e.pod),
            h('td', null, h('span', { class: `badge badge-${e.state}` }, e.state)),
            h('td', null, e.connected ? 'connected' : 'not connected'),
            h('td', { class: 'num' }, String(e.connectionsActive)),
            h('td', { class: 'num' }, String(e.connectionsTotal)),
            h('td', { class: 'num' }, bytes(e.bytesIn)),
            h('td', { class: 'num' }, bytes(e.bytesOut)),
          ),
        )
      : [h('tr', null, h('td', { colspan: '7' }, 'No endpoints.'))],
  );
}

/**
 * A service's endpoints (per pod: ready or draining, connections and bytes) and its balancing policy, fetched
 * again on each refresh of the page's services list.
 */
export function endpointsPanel(ctx: ViewContext, key: string): { element: HTMLElement; start(): () => void } {
  const policy = h('p', { id: 'endpoints-policy' });
  const body = h('div');
  let busy = false;
  const load = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const data = await ctx.client.call(
        ctx.client.api.GET('/api/v1/services/{key}/endpoints', { params: { path: { key } } }),
      );
      policy.textContent = balancingText(data.balancing);
      fill(body, endpointsTable(data));
    } catch (err) {
      policy.textContent = `Endpoints unavailable: ${errorText(err)}`;
      fill(body);
    } finally {
      busy = false;
    }
  };
  return {
    element: h('div', null, h('h2', null, 'Endpoints'), policy, body),
    start: () => {
      void load();
      return ctx.live.subscribe(() => void load());
    },
  };
}
