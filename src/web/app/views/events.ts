import { fill, h } from '../dom.ts';
import { time } from '../format.ts';
import { heading, type View, type ViewContext } from '../ui.ts';

const SHOWN = 300;

/** An event's scalar fields as `name=value` words. */
export const describe = (data: Record<string, unknown>): string =>
  Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/** The daemon's event stream as it arrives, filtered by type, with a pause that freezes the list. */
export function eventsView(ctx: ViewContext): View {
  let paused = false;
  const type = h('select', { id: 'event-type' }, h('option', { value: '' }, 'all types'));
  // The choices are the types seen so far: the list grows as new kinds of events arrive.
  const offered = new Set<string>();
  const offer = (): void => {
    const seen = [...new Set(ctx.live.events().map((e) => e.type))].filter((t) => !offered.has(t)).sort();
    for (const t of seen) {
      offered.add(t);
      type.appendChild(h('option', { value: t }, t));
    }
  };
  const pause = h('button', { type: 'button', 'aria-pressed': 'false', id: 'pause' }, 'Pause');
  const list = h('ol', { class: 'log-list', id: 'event-list' });
  const count = h('p', { class: 'count', role: 'status' });
  const render = (): void => {
    offer();
    if (paused) return;
    const want = type.value;
    const events = ctx.live.events().filter((e) => !want || e.type === want);
    count.textContent = `${Math.min(SHOWN, events.length)} newest of ${events.length} events since this page opened`;
    fill(
      list,
      events
        .slice(0, SHOWN)
        .map((e) =>
          h(
            'li',
            { class: e.type.endsWith('error') ? 'row-error' : '' },
            h('time', { datetime: e.timestamp }, time(e.timestamp)),
            ' ',
            h('strong', null, e.type),
            ' ',
            describe(e.data),
          ),
        ),
    );
  };
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume' : 'Pause';
    render();
  });
  type.addEventListener('change', render);
  const off = ctx.live.subscribe(render);
  render();
  return {
    element: h(
      'section',
      { class: 'view', 'aria-labelledby': 'view-title' },
      heading('Events'),
      h('div', { class: 'toolbar' }, h('label', { for: 'event-type' }, 'Type'), type, pause),
      count,
      h('div', { class: 'log-scroll', tabindex: '0', role: 'region', 'aria-label': 'Events' }, list),
    ),
    destroy: off,
  };
}
