import { fill, h } from '../dom.ts';
import type { Service } from '../live.ts';
import { errorText, every, type ViewContext } from '../ui.ts';

/** The newest lines of one of the service's pods, followed every few seconds while shown. */
export function podLogsPanel(ctx: ViewContext): {
  element: HTMLElement;
  update(s: Service): void;
  start(): () => void;
} {
  let service: Service | undefined;
  const pod = h('select', { id: 'pod-logs-pod' });
  const list = h('ol', { class: 'log-list', id: 'pod-log-list' });
  const status = h('p', { class: 'count', role: 'status' });
  const load = async (): Promise<void> => {
    if (!service || !pod.value) return;
    try {
      const data = await ctx.client.call(
        ctx.client.api.GET('/api/v1/kubernetes/pods/{namespace}/{podName}/logs', {
          params: {
            path: { namespace: service.namespace, podName: pod.value },
            query: { context: service.context, tail_lines: 100 },
          },
        }),
      );
      // The route answers text/plain as well; asked for JSON, it answers the PodLogs object.
      const lines = typeof data === 'string' ? data.split('\n').filter((l) => l.length > 0) : data.logs;
      status.textContent = `${lines.length} newest lines of ${pod.value}`;
      fill(
        list,
        lines.map((line) => h('li', null, line)),
      );
    } catch (err) {
      status.textContent = `Pod logs unavailable: ${errorText(err)}`;
    }
  };
  pod.addEventListener('change', () => void load());
  return {
    element: h(
      'section',
      { 'aria-labelledby': 'pod-logs-title' },
      h('h2', { id: 'pod-logs-title' }, 'Pod logs'),
      h('div', { class: 'toolbar' }, h('label', { for: 'pod-logs-pod' }, 'Pod'), pod),
      status,
      h(
        'div',
        { class: 'log-scroll short', tabindex: '0', role: 'region', 'aria-label': 'Pod log lines' },
        list,
      ),
    ),
    update(s) {
      service = s;
      const pods = [...new Set(s.forwards.map((f) => f.podName).filter((p): p is string => !!p))].sort();
      const have = [...pod.options].map((o) => o.value);
      if (pods.join() === have.join()) return;
      const keep = pod.value;
      fill(
        pod,
        pods.map((p) => h('option', { value: p, selected: p === keep }, p)),
      );
      void load();
    },
    start: () => every(3000, load),
  };
}
