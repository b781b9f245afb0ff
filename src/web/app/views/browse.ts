import { fill, h } from '../dom.ts';
import { controlButton, errorText, heading, messageLine, type View, type ViewContext } from '../ui.ts';

/** Contexts → namespaces → services of the clusters in the kubeconfig, each namespace or service one click from forwarding. */
export function browseView(ctx: ViewContext): View {
  const { client } = ctx;
  const msg = messageLine();
  const context = h('select', { id: 'browse-context' });
  const namespaces = h('div', { id: 'browse-namespaces' });
  const services = h('div', { id: 'browse-services' });

  const loadServices = async (namespace: string): Promise<void> => {
    fill(services, h('p', null, `Loading services of ${namespace}…`));
    try {
      const data = await client.call(
        client.api.GET('/api/v1/kubernetes/services', {
          params: { query: { namespace, context: context.value } },
        }),
      );
      const list = data.services;
      fill(
        services,
        h('h2', null, `Services in ${namespace}`),
        controlButton(
          ctx,
          `Forward all of ${namespace}`,
          () =>
            client
              .call(client.api.POST('/api/v1/namespaces', { body: { namespace, context: context.value } }))
              .then(() => ctx.live.refresh()),
          msg.show,
          `Forwarding namespace ${namespace}`,
          { id: 'forward-namespace' },
        ),
        list.length
          ? h(
              'ul',
              { class: 'browse-list' },
              list.map((s) =>
                h(
                  'li',
                  null,
                  h('span', null, s.name, s.type ? ` (${s.type})` : ''),
                  ' ',
                  s.forwarded
                    ? h(
                        'a',
                        {
                          href: `#/services/${encodeURIComponent(`${s.name}.${namespace}.${context.value}`)}`,
                        },
                        'forwarded',
                      )
                    : controlButton(
                        ctx,
                        `Forward ${s.name}`,
                        () =>
                          client
                            .call(
                              client.api.POST('/api/v1/services', {
                                body: { namespace, service_name: s.name, context: context.value },
                              }),
                            )
                            .then(() => ctx.live.refresh()),
                        msg.show,
                        `Forwarding ${s.name}`,
                      ),
                ),
              ),
            )
          : h('p', null, 'No services.'),
      );
    } catch (err) {
      fill(services, h('p', { class: 'message message-error' }, errorText(err)));
    }
  };

  const loadNamespaces = async (): Promise<void> => {
    fill(services);
    try {
      const data = await client.call(
        client.api.GET('/api/v1/kubernetes/namespaces', { params: { query: { context: context.value } } }),
      );
      fill(
        namespaces,
        h('h2', null, 'Namespaces'),
        h(
          'ul',
          { class: 'browse-list' },
          data.namespaces.map((n) =>
            h(
              'li',
              null,
              h(
                'button',
                { type: 'button', class: 'link', onclick: () => void loadServices(n.name) },
                n.name,
              ),
              n.forwarded ? ' — forwarded' : '',
            ),
          ),
        ),
      );
    } catch (err) {
      fill(namespaces, h('p', { class: 'message message-error' }, errorText(err)));
    }
  };

  const loadContexts = async (): Promise<void> => {
    try {
      const data = await client.call(client.api.GET('/api/v1/kubernetes/contexts'));
      fill(
        context,
        data.contexts.map((c) =>
          h(
            'option',
            { value: c.name, selected: c.name === data.currentContext },
            `${c.name}${c.server ? ` (${c.server})` : ''}`,
          ),
        ),
      );
      await loadNamespaces();
    } catch (err) {
      msg.show(errorText(err), 'error');
    }
  };
  context.addEventListener('change', () => void loadNamespaces());
  void loadContexts();
  return {
    element: h(
      'section',
      { class: 'view', 'aria-labelledby': 'view-title' },
      heading('Browse clusters'),
      h('div', { class: 'toolbar' }, h('label', { for: 'browse-context' }, 'Context'), context),
      msg.element,
      h('div', { class: 'browse' }, namespaces, services),
    ),
  };
}
