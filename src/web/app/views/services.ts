import { announce, fill, h, sparkline } from '../dom.ts';
import { rate } from '../format.ts';
import type { Service } from '../live.ts';
import { controlButton, heading, messageLine, statusBadge, type View, type ViewContext } from '../ui.ts';
import { createSelection } from './services-selection.ts';

const ROW_HEIGHT = 36;
const OVERSCAN = 8;

type SortKey = 'status' | 'key' | 'localIP' | 'rateIn' | 'rateOut';
const COLUMNS: Array<[label: string, sort: SortKey | undefined]> = [
  ['Status', 'status'],
  ['Service', 'key'],
  ['IP', 'localIP'],
  ['Hostnames', undefined],
  ['Ports', undefined],
  ['Pods', undefined],
  ['In', 'rateIn'],
  ['Out', 'rateOut'],
  ['Trend', undefined],
];

const portsOf = (s: Service): string =>
  [...new Set(s.forwards.map((f) => f.localPort))].sort((a, b) => a - b).join(', ') || '—';
const podsOf = (s: Service): number => new Set(s.forwards.map((f) => f.podName).filter(Boolean)).size;

function compare(key: SortKey): (a: Service, b: Service) => number {
  if (key === 'rateIn' || key === 'rateOut') return (a, b) => a[key] - b[key];
  return (a, b) => String(a[key]).localeCompare(String(b[key]), undefined, { numeric: true });
}

function copyButton(text: string): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'copy',
      'aria-label': `Copy ${text}`,
      onclick: () => {
        void navigator.clipboard?.writeText(text).then(
          () => announce(`Copied ${text}`),
          () => announce('Copy is not allowed here: select the name instead'),
        );
      },
    },
    'Copy',
  );
}

/**
 * Every forwarded service in one table, filtered and sorted in the page. Only the rows in view (and a few around
 * them) are in the DOM, and it re-renders only on the live store's batched notifications or on scroll, so 1,000
 * services cost what 30 do.
 */
export function servicesView(ctx: ViewContext): View {
  let sortKey: SortKey = 'key';
  let descending = false;
  let rows: Service[] = [];
  const filter = h('input', { id: 'svc-filter', type: 'search', placeholder: 'name, namespace, IP or host' });
  const status = h(
    'select',
    { id: 'svc-status' },
    ['all', 'active', 'partial', 'pending', 'error'].map((s) => h('option', { value: s }, s)),
  );
  const count = h('p', { class: 'count', role: 'status', id: 'svc-count' });
  const msg = messageLine();
  const body = h('tbody');
  const selection = createSelection(ctx, msg.show, () => paint());
  const headers = COLUMNS.map(([label, key]) => {
    const th = h('th', { scope: 'col' });
    if (!key) th.textContent = label;
    else
      th.appendChild(
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            onclick: () => {
              descending = sortKey === key ? !descending : key === 'rateIn' || key === 'rateOut';
              sortKey = key;
              update();
            },
          },
          label,
        ),
      );
    return { th, key };
  });
  const scroller = h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Services table' },
    h(
      'table',
      { class: 'grid', id: 'services-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          selection.header,
          headers.map((x) => x.th),
        ),
      ),
      body,
    ),
  );

  // Sized through the CSSOM: the page's CSP refuses style attributes.
  const spacer = (height: number): HTMLTableRowElement => {
    const tr = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: COLUMNS.length + 1 }));
    tr.style.height = `${height}px`;
    return tr;
  };

  const trendOf = (key: string): SVGSVGElement => {
    const t = ctx.live.trend(key);
    return sparkline(t, `traffic over the last ${t.length} refreshes, peak ${rate(Math.max(0, ...t))}`);
  };

  const rowOf = (s: Service): HTMLTableRowElement =>
    h(
      'tr',
      { 'data-key': s.key },
      selection.cell(s.key),
      h('td', null, statusBadge(s.status)),
      h('td', null, h('a', { href: `#/services/${encodeURIComponent(s.key)}` }, s.key)),
      h('td', null, s.localIP),
      h('td', { class: 'hosts' }, s.hostnames[0] ?? '—', s.hostnames[0] ? copyButton(s.hostnames[0]) : null),
      h('td', null, portsOf(s)),
      h('td', null, String(podsOf(s))),
      h('td', { class: 'num' }, rate(s.rateIn)),
      h('td', { class: 'num' }, rate(s.rateOut)),
      h('td', null, trendOf(s.key)),
    );

  function paint(): void {
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil((scroller.clientHeight || 600) / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(rows.length, first + visible);
    fill(
      body,
      first > 0 ? spacer(first * ROW_HEIGHT) : null,
      rows.slice(first, last).map(rowOf),
      last < rows.length ? spacer((rows.length - last) * ROW_HEIGHT) : null,
    );
  }

  function update(): void {
    const text = filter.value.trim().toLowerCase();
    const want = status.value;
    const all = ctx.live.services();
    rows = all.filter(
      (s) =>
        (want === 'all' || s.status === want) &&
        (!text ||
          s.key.toLowerCase().includes(text) ||
          s.localIP.includes(text) ||
          s.hostnames.some((n) => n.toLowerCase().includes(text))),
    );
    const cmp = compare(sortKey);
    rows.sort((a, b) => (descending ? -cmp(a, b) : cmp(a, b)));
    for (const { th, key } of headers)
      if (key)
        th.setAttribute('aria-sort', key === sortKey ? (descending ? 'descending' : 'ascending') : 'none');
    count.textContent = `${rows.length} of ${all.length} services`;
    selection.sync(rows);
    paint();
  }

  let frame = 0;
  scroller.addEventListener('scroll', () => {
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        paint();
      });
  });
  filter.addEventListener('input', update);
  status.addEventListener('change', update);
  const off = ctx.live.subscribe(update);
  const element = h(
    'section',
    { class: 'view', 'aria-labelledby': 'view-title' },
    heading('Services'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'svc-filter' }, 'Filter'),
      filter,
      h('label', { for: 'svc-status' }, 'Status'),
      status,
      controlButton(
        ctx,
        'Reconnect all',
        () => ctx.client.call(ctx.client.api.POST('/api/v1/services/reconnect')),
        msg.show,
        'Reconnect triggered for every service',
      ),
      controlButton(
        ctx,
        'Reconnect errors',
        () =>
          Promise.all(
            rows
              .filter((s) => s.status === 'error')
              .map((s) =>
                ctx.client.call(
                  ctx.client.api.POST('/api/v1/services/{key}/reconnect', {
                    params: { path: { key: s.key } },
                  }),
                ),
              ),
          ),
        msg.show,
        'Reconnect triggered for the services in error',
      ),
    ),
    selection.toolbar,
    msg.element,
    count,
    scroller,
  );
  queueMicrotask(update);
  return {
    element,
    destroy() {
      off();
      if (frame) cancelAnimationFrame(frame);
    },
  };
}
