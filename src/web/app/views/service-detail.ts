import { createRateChart } from '../chart.ts';
import { fill, h } from '../dom.ts';
import { bytes, rate, time } from '../format.ts';
import { downloadHar, toHar } from '../har.ts';
import type { Service } from '../live.ts';
import {
  controlButton,
  errorText,
  every,
  gridTable,
  heading,
  messageLine,
  statusBadge,
  type View,
  type ViewContext,
} from '../ui.ts';
import { capturesPanel } from './captures.ts';
import { endpointsPanel } from './endpoints.ts';
import { describe } from './events.ts';
import { podLogsPanel } from './pod-logs.ts';

/** The spans the history offers, each with the step that keeps a chart near 60-180 points. */
const MIN = 60_000;
const SPANS: Array<[duration: string, interval: string, label: string, ms: number]> = [
  ['1m', '1s', '1 minute', MIN],
  ['5m', '2s', '5 minutes', 5 * MIN],
  ['15m', '5s', '15 minutes', 15 * MIN],
  ['1h', '20s', '1 hour', 60 * MIN],
  ['6h', '2m', '6 hours', 360 * MIN],
  ['24h', '8m', '24 hours', 1440 * MIN],
];

const keyParts = (key: string): { serviceName: string; namespace: string; context: string } => {
  const [serviceName = '', namespace = '', ...rest] = key.split('.');
  return { serviceName, namespace, context: rest.join('.') };
};

function forwardsTable(s: Service): HTMLElement {
  return gridTable(
    'forwards',
    'Connections per forward',
    ['Pod', 'Local', 'Pod port', 'Status', 'Open', 'Total', 'In', 'Out', 'Error'],
    s.forwards.map((f) =>
      h(
        'tr',
        null,
        h('td', null, f.podName ?? '—'),
        h('td', null, `${f.localIP}:${f.localPort}`),
        h('td', null, String(f.podPort ?? '—')),
        h('td', null, statusBadge(f.status)),
        h('td', { class: 'num' }, String(f.connectionsActive)),
        h('td', { class: 'num' }, String(f.connectionsTotal)),
        h('td', { class: 'num' }, `${bytes(f.bytesIn)} (${rate(f.rateIn)})`),
        h('td', { class: 'num' }, `${bytes(f.bytesOut)} (${rate(f.rateOut)})`),
        h('td', null, f.error ?? ''),
      ),
    ),
  );
}

/** One service: its bandwidth over a chosen span, forwards, reconnections, HTTP captures and its controls. */
export function serviceDetailView(ctx: ViewContext, key: string): View {
  const { client } = ctx;
  const path = { params: { path: { key } } };
  const msg = messageLine();
  const summary = h('div', { class: 'summary' });
  const controls = h('div', { class: 'toolbar' });
  const forwards = h('div');
  const reconnects = h('ol', { class: 'log-list', id: 'reconnections' });
  const chart = createRateChart('Bandwidth', 220);
  let span = SPANS[2] ?? ['15m', '5s', '15 minutes', 15 * MIN];
  const spanSelect = h(
    'select',
    { id: 'span' },
    SPANS.map(([d, , label]) => h('option', { value: d, selected: d === span[0] }, label)),
  );
  let last: Service | undefined;
  let wasForwarded = false;

  const readd = (): HTMLButtonElement =>
    controlButton(
      ctx,
      'Forward again',
      () => {
        const { serviceName, namespace, context } = keyParts(key);
        return client.call(
          client.api.POST('/api/v1/services', { body: { namespace, service_name: serviceName, context } }),
        );
      },
      msg.show,
      `${key} is forwarded again`,
      { id: 'readd' },
    );

  const render = (): void => {
    const s = ctx.live.service(key);
    if (!s) {
      // Drawn once per disappearance: redrawing on every refresh would pull the button from under the pointer
      // (and the keyboard focus).
      if (!ctx.live.summary() || (controls.querySelector('#readd') && last === undefined)) return;
      last = undefined;
      fill(
        summary,
        h('p', { id: 'not-forwarded' }, `${key} is not forwarded${wasForwarded ? ' any more' : ''}.`),
      );
      fill(controls, readd());
      fill(forwards);
      return;
    }
    const fresh = !wasForwarded || last === undefined;
    wasForwarded = true;
    last = s;
    fill(
      summary,
      h(
        'dl',
        { class: 'facts' },
        h('dt', null, 'Status'),
        h('dd', { id: 'svc-status' }, statusBadge(s.status)),
        h('dt', null, 'IP'),
        h('dd', null, s.localIP),
        h('dt', null, 'Hostnames'),
        h('dd', null, s.hostnames.join(', ')),
        h('dt', null, 'Traffic'),
        h(
          'dd',
          null,
          `in ${bytes(s.totalBytesIn)} (${rate(s.rateIn)}), out ${bytes(s.totalBytesOut)} (${rate(s.rateOut)})`,
        ),
      ),
    );
    if (fresh || controls.querySelector('#readd'))
      fill(
        controls,
        controlButton(
          ctx,
          'Reconnect',
          () => client.call(client.api.POST('/api/v1/services/{key}/reconnect', path)),
          msg.show,
          'Reconnect triggered',
        ),
        controlButton(
          ctx,
          'Sync',
          () => client.call(client.api.POST('/api/v1/services/{key}/sync', path)),
          msg.show,
          'Sync triggered',
        ),
        controlButton(
          ctx,
          'Remove',
          () => client.call(client.api.DELETE('/api/v1/services/{key}', path)).then(() => ctx.live.refresh()),
          msg.show,
          `${key} removed`,
          { id: 'remove', class: 'control danger' },
        ),
        ...httpLinks(s),
      );
    fill(forwards, forwardsTable(s));
    podLogs.update(s);
  };

  const captures = capturesPanel(ctx, key, (list) => {
    const s = last ?? ctx.live.service(key);
    if (!s) return;
    downloadHar(toHar(s, list, ctx.version), `${s.serviceName}.${s.namespace}.har`);
  });

  const loadChart = async (): Promise<void> => {
    const [duration, interval, label, windowMs] = span;
    try {
      const hist = await client.call(
        client.api.GET('/api/v1/metrics/services/{key}/history', {
          params: { path: { key }, query: { duration, interval } },
        }),
      );
      chart.set(hist.points, label, windowMs);
    } catch (err) {
      chart.set([], `${label} (${errorText(err)})`, windowMs);
    }
  };
  const loadReconnects = async (): Promise<void> => {
    const list = await client.call(client.api.GET('/api/v1/services/{key}/history/reconnections', path));
    fill(
      reconnects,
      list.length
        ? list.map((e) =>
            h(
              'li',
              null,
              h('time', { datetime: e.timestamp }, time(e.timestamp)),
              ` ${e.type} `,
              describe(e.data),
            ),
          )
        : h('li', null, 'No reconnections.'),
    );
  };
  spanSelect.addEventListener('change', () => {
    span = SPANS.find(([d]) => d === spanSelect.value) ?? span;
    void loadChart();
  });

  const podLogs = podLogsPanel(ctx);
  const endpoints = endpointsPanel(ctx, key);
  const off = ctx.live.subscribe(render);
  render();
  const stops = [
    every(3000, loadChart),
    every(5000, loadReconnects),
    captures.start(),
    podLogs.start(),
    endpoints.start(),
  ];
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'view-title' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/services' }, 'Services'), ' / ', key),
    heading(key),
    summary,
    controls,
    msg.element,
    h('h2', null, 'Bandwidth'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'span' }, 'Span'),
      spanSelect,
      h('span', { class: 'help' }, 'Drag across the chart to zoom; double-click to reset.'),
    ),
    chart.element,
    h('h2', null, 'Forwards'),
    forwards,
    endpoints.element,
    h('h2', null, 'Reconnections'),
    reconnects,
    captures.element,
    podLogs.element,
  );
  return {
    element,
    destroy() {
      off();
      for (const stop of stops) stop();
      chart.destroy();
    },
  };
}

/** "Open" links for the service's HTTP-looking ports (a new tab on the forwarded name). */
function httpLinks(s: Service): HTMLElement[] {
  const host = s.hostnames[0];
  if (!host) return [];
  const ports = [...new Set(s.forwards.map((f) => f.localPort))].filter((p) =>
    [80, 8080, 8000, 3000, 443, 8443].includes(p),
  );
  return ports.map((p) =>
    h(
      'a',
      {
        class: 'button-link',
        href: `${p === 443 || p === 8443 ? 'https' : 'http'}://${host}:${p}/`,
        target: '_blank',
        rel: 'noopener noreferrer',
      },
      `Open :${p}`,
    ),
  );
}
