import { fill, h } from '../dom.ts';
import { bytes, duration, time } from '../format.ts';
import type { Capture } from '../har.ts';
import { errorText, every, type ViewContext } from '../ui.ts';

const COUNT = 200;

/** The service's captured HTTP exchanges: filterable, each opening its detail, exportable as HAR. */
export function capturesPanel(
  ctx: ViewContext,
  key: string,
  exportHar: (captures: readonly Capture[]) => void,
): { element: HTMLElement; start(): () => void } {
  let list: Capture[] = [];
  let selected: Capture | undefined;
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
      render();
    } catch (err) {
      status.textContent = `Captures unavailable: ${errorText(err)}`;
    }
  };
  const element = h(
    'section',
    { 'aria-labelledby': 'captures-title', id: 'captures' },
    h('h2', { id: 'captures-title' }, 'HTTP requests'),
    h('div', { class: 'toolbar' }, h('label', { for: 'cap-filter' }, 'Filter'), filter, exportButton),
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
