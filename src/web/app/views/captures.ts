import { fill, h } from '../dom.ts';
import { bytes, duration, time } from '../format.ts';
import type { Capture } from '../har.ts';
import { controlButton, errorText, every, messageLine, type ViewContext } from '../ui.ts';

type Message = NonNullable<Capture['request']>;

const COUNT = 200;

/** The service's captured HTTP exchanges: filterable, each opening its detail, exportable as HAR. */
export function capturesPanel(
  ctx: ViewContext,
  key: string,
  exportHar: (captures: readonly Capture[]) => void,
): { element: HTMLElement; start(): () => void } {
  let list: Capture[] = [];
  let selected: Capture | undefined;
  let detailOn = false;
  const msg = messageLine();
  const path = { params: { path: { key } } };
  const detailButton = controlButton(
    ctx,
    'Capture headers and bodies',
    async () => {
      await ctx.client.call(
        ctx.client.api.POST('/api/v1/services/{key}/http/detail', { ...path, body: { enabled: !detailOn } }),
      );
      detailOn = !detailOn;
      detailButton.setAttribute('aria-pressed', String(detailOn));
    },
    msg.show,
    'Header and body capture changed: it applies from the next request',
    { id: 'capture-detail-toggle', 'aria-pressed': 'false' },
  );
  const purgeButton = controlButton(
    ctx,
    'Purge captures',
    async () => {
      await ctx.client.call(ctx.client.api.DELETE('/api/v1/services/{key}/http', path));
      list = [];
      selected = undefined;
      fill(detail);
      render();
    },
    msg.show,
    'Captures purged',
    { id: 'purge-captures' },
  );
  const filter = h('input', { id: 'cap-filter', type: 'search', placeholder: 'path, method or status' });
  const body = h('tbody');
  const detail = h('div', { id: 'capture-detail', class: 'detail', 'aria-live': 'polite' });
  const status = h('p', { class: 'count', role: 'status', id: 'cap-count' });
  const exportButton = h(
    'button',
    { type: 'button', id: 'export-har', onclick: () => exportHar(shown()) },
    'Export HAR',
  );
  const shown = (): Capture[] => {
    const text = filter.value.trim().toLowerCase();
    return text
      ? list.filter((c) => `${c.method} ${c.path} ${c.statusCode}`.toLowerCase().includes(text))
      : list;
  };
  const showDetail = (c: Capture): void => {
    selected = c;
    const fact = (k: string, v: string): HTMLElement[] => [h('dt', null, k), h('dd', null, v)];
    fill(
      detail,
      h('h3', null, `${c.method} ${c.path}`),
      h(
        'dl',
        { class: 'facts' },
        fact('When', new Date(c.timestamp).toLocaleString()),
        fact('Status', String(c.statusCode)),
        fact('HTTP version', c.httpVersion ?? '—'),
        fact('Time to first byte', c.ttfbMs === undefined ? '—' : duration(c.ttfbMs)),
        fact('Duration', duration(c.durationMs)),
        fact('Request', `${bytes(c.requestBytes)} on the wire, body ${bytes(c.requestBodyBytes ?? 0)}`),
        fact('Response', `${bytes(c.size)} on the wire, body ${bytes(c.responseBodyBytes ?? 0)}`),
        fact('Forward', c.forwardKey ?? '—'),
      ),
      messageDetail('Request', c.request),
      messageDetail('Response', c.response),
      c.request || c.response
        ? null
        : h(
            'p',
            { class: 'help' },
            'Headers and bodies were not captured: turn on "Capture headers and bodies".',
          ),
    );
  };
  const render = (): void => {
    const rows = shown();
    status.textContent = `${rows.length} of ${list.length} captured requests`;
    exportButton.disabled = rows.length === 0;
    fill(
      body,
      [...rows].reverse().map((c) => {
        const open = h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-pressed': selected === c ? 'true' : 'false',
            onclick: () => (showDetail(c), render()),
          },
          c.path,
        );
        return h(
          'tr',
          { class: c.statusCode >= 500 ? 'row-error' : '' },
          h('td', null, time(c.timestamp)),
          h('td', null, c.method),
          h('td', null, open),
          h('td', { class: 'num' }, String(c.statusCode)),
          h('td', { class: 'num' }, duration(c.durationMs)),
          h('td', { class: 'num' }, bytes(c.size)),
        );
      }),
    );
  };
  filter.addEventListener('input', render);
  const load = async (): Promise<void> => {
    try {
      const data = await ctx.client.call(
        ctx.client.api.GET('/api/v1/services/{key}/http', {
          params: { path: { key }, query: { count: COUNT } },
        }),
      );
      list = data.logs;
      detailOn = data.detail === true;
      detailButton.setAttribute('aria-pressed', String(detailOn));
      render();
    } catch (err) {
      status.textContent = `Captures unavailable: ${errorText(err)}`;
    }
  };
  const element = h(
    'section',
    { 'aria-labelledby': 'captures-title', id: 'captures' },
    h('h2', { id: 'captures-title' }, 'HTTP requests'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'cap-filter' }, 'Filter'),
      filter,
      exportButton,
      detailButton,
      purgeButton,
    ),
    h(
      'p',
      { class: 'help' },
      'Headers and bodies may hold secrets, so they are captured only when turned on; Authorization and Cookie values are masked.',
    ),
    msg.element,
    status,
    h(
      'div',
      { class: 'table-scroll short', tabindex: '0', role: 'region', 'aria-label': 'Captured requests' },
      h(
        'table',
        { class: 'grid', id: 'captures-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Time', 'Method', 'Path', 'Status', 'Duration', 'Size'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        body,
      ),
    ),
    detail,
  );
  return { element, start: () => every(2000, load) };
}

function messageDetail(title: string, m: Message | undefined): HTMLElement | null {
  if (!m) return null;
  return h(
    'div',
    { class: 'message-detail' },
    h('h4', null, title),
    h(
      'table',
      { class: 'data headers' },
      h('caption', { class: 'sr-only' }, `${title} headers`),
      h(
        'thead',
        null,
        h('tr', null, h('th', { scope: 'col' }, 'Header'), h('th', { scope: 'col' }, 'Value')),
      ),
      h(
        'tbody',
        null,
        m.headers.map(([name, value]) =>
          h('tr', null, h('td', null, name ?? ''), h('td', null, value ?? '')),
        ),
      ),
    ),
    m.body
      ? h(
          'pre',
          { class: 'json', tabindex: '0', 'aria-label': `${title} body` },
          m.bodyEncoding === 'base64' ? `(base64) ${m.body}` : m.body,
          m.bodyTruncated ? '\n… (cut at the capture limit)' : '',
        )
      : h('p', { class: 'help' }, 'No body.'),
  );
}
