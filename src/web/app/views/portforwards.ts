import type { Schemas } from '../../../client/index.ts';
import { fill, h } from '../dom.ts';
import { bytes } from '../format.ts';
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

type PortForward = Schemas['PortForward'];

const field = (id: string, label: string, placeholder: string, help: string): HTMLElement[] => [
  h('label', { for: id }, label),
  h('input', { id, type: 'text', placeholder, spellcheck: 'false', 'aria-describedby': `${id}-help` }),
  h('span', { id: `${id}-help`, class: 'help' }, help),
];

/** Ad-hoc port-forwards (`kubectl port-forward` kept by the daemon): list, create, remove. */
export function portForwardsView(ctx: ViewContext): View {
  const { client } = ctx;
  const msg = messageLine();
  const status = h('p', { class: 'count', role: 'status', id: 'pf-count' });
  const body = h('tbody');
  const value = (id: string): string => (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '').trim();

  const none = h('tr', null, h('td', { colspan: '8' }, 'None.'));
  let rows = new Map<string, { sig: string; el: HTMLElement }>();
  const load = async (): Promise<void> => {
    try {
      const data = await client.call(
        client.api.GET('/api/v1/portforwards', { params: { query: { limit: 1000 } } }),
      );
      status.textContent = `${data.portforwards.length} port-forwards`;
      const next = new Map<string, { sig: string; el: HTMLElement }>();
      for (const p of data.portforwards) {
        // A row is drawn again only when it changed, so its button stays under the pointer and the focus.
        const sig = JSON.stringify(p);
        const had = rows.get(p.id);
        next.set(p.id, had?.sig === sig ? had : { sig, el: row(p) });
      }
      rows = next;
      fill(body, rows.size ? [...rows.values()].map((r) => r.el) : none);
    } catch (err) {
      status.textContent = `Port-forwards unavailable: ${errorText(err)}`;
    }
  };

  const row = (p: PortForward): HTMLElement =>
    h(
      'tr',
      { 'data-id': p.id },
      h('td', null, p.target),
      h('td', null, `${p.namespace} (${p.context})`),
      h('td', { class: 'local' }, `${p.localAddress}:${p.localPort}`),
      h('td', null, `${p.pod ?? '—'}:${p.podPort ?? p.remotePort}`),
      h('td', null, statusBadge(p.status), p.error ? ` ${p.error}` : ''),
      h('td', { class: 'num' }, `${p.connectionsActive ?? 0} / ${p.connectionsTotal ?? 0}`),
      h('td', { class: 'num' }, `${bytes(p.bytesIn ?? 0)} / ${bytes(p.bytesOut ?? 0)}`),
      h(
        'td',
        null,
        controlButton(
          ctx,
          `Stop ${p.target} ${p.localPort}`,
          () =>
            client
              .call(client.api.DELETE('/api/v1/portforwards/{id}', { params: { path: { id: p.id } } }))
              .then(load),
          msg.show,
          `Stopped ${p.target} on ${p.localAddress}:${p.localPort}`,
          { class: 'control danger' },
        ),
      ),
    );

  let made: PortForward | undefined;
  const create = controlButton(
    ctx,
    'Forward',
    async () => {
      made = undefined;
      const target = value('pf-target');
      const port = value('pf-port');
      if (!target || !port) return;
      const namespace = value('pf-namespace');
      const context = value('pf-context');
      made = await client.call(
        client.api.POST('/api/v1/portforwards', {
          body: { target, port, ...(namespace ? { namespace } : {}), ...(context ? { context } : {}) },
        }),
      );
      await load();
    },
    (text, kind) =>
      kind === 'error'
        ? msg.show(text, kind)
        : made
          ? msg.show(`Forwarding ${made.target} on ${made.localAddress}:${made.localPort}`, 'ok')
          : msg.show('Give a target and a port.', 'error'),
    'Forwarding',
    { id: 'pf-create' },
  );
  const form = h(
    'form',
    { class: 'pf-form', 'aria-label': 'New port-forward' },
    field(
      'pf-target',
      'Target',
      'svc/web',
      'As kubectl writes it: svc/NAME, deploy/NAME, sts/NAME, pod/NAME',
    ),
    field(
      'pf-port',
      'Port',
      '8080:80',
      '[LOCAL:]REMOTE: "8080:80", ":80" for any free local port, "8080:http"',
    ),
    field('pf-namespace', 'Namespace', 'default', "Empty: the context's namespace"),
    field('pf-context', 'Context', '', 'Empty: the first context'),
    create,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!create.disabled) create.click();
  });

  const stop = every(2000, load);
  return {
    element: h(
      'section',
      { class: 'view', 'aria-labelledby': 'view-title' },
      heading('Port-forwards'),
      form,
      msg.element,
      status,
      gridTable(
        'pf-table',
        'Ad-hoc port-forwards',
        ['Target', 'Namespace', 'Local', 'Pod', 'Status', 'Open / total', 'In / out', 'Action'],
        body,
      ),
    ),
    destroy: stop,
  };
}
