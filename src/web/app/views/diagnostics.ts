import { fill, h } from '../dom.ts';
import { errorText, every, heading, type View, type ViewContext } from '../ui.ts';

type Issue = { severity?: string; kind?: string; key?: string; message?: string; suggestion?: string };

const block = (title: string, value: unknown): HTMLElement[] =>
  value === undefined
    ? []
    : [h('h2', null, title), h('pre', { class: 'json', tabindex: '0' }, JSON.stringify(value, null, 2))];

/** The daemon's own analysis: its issues with suggestions, hosts file, transports and network. */
export function diagnosticsView(ctx: ViewContext): View {
  const body = h('div');
  const load = async (): Promise<void> => {
    try {
      const [diag, network] = await Promise.all([
        ctx.client.call(ctx.client.api.GET('/api/v1/diagnostics')),
        ctx.client.call(ctx.client.api.GET('/api/v1/diagnostics/network')),
      ]);
      const issues = diag.issues as Issue[];
      fill(
        body,
        h('p', { id: 'diag-status' }, `Status: ${diag.status}`),
        h('h2', null, `Issues (${issues.length})`),
        issues.length
          ? h(
              'ul',
              { class: 'issues' },
              issues.map((i) =>
                h(
                  'li',
                  { class: i.severity === 'error' ? 'row-error' : '' },
                  h('strong', null, `${i.severity ?? 'info'}: `),
                  i.key ? `${i.key}: ` : '',
                  i.message ?? '',
                  i.suggestion ? h('p', { class: 'help' }, i.suggestion) : null,
                ),
              ),
            )
          : h('p', null, 'No issues.'),
        ...block('Hosts file', diag.hostsFile),
        ...block('Transports', diag.transports),
        ...block('Network', network),
      );
    } catch (err) {
      fill(body, h('p', { class: 'message message-error' }, `Diagnostics unavailable: ${errorText(err)}`));
    }
  };
  const stop = every(5000, load);
  return {
    element: h('section', { class: 'view', 'aria-labelledby': 'view-title' }, heading('Diagnostics'), body),
    destroy: stop,
  };
}
