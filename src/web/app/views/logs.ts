import { fill, h } from '../dom.ts';
import { time } from '../format.ts';
import { errorText, every, heading, type View, type ViewContext } from '../ui.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

/** The daemon's own log, newest first, followed every two seconds while shown. */
export function logsView(ctx: ViewContext): View {
  let paused = false;
  const level = h(
    'select',
    { id: 'log-level' },
    h('option', { value: '' }, 'all levels'),
    LEVELS.map((l) => h('option', { value: l }, l)),
  );
  const service = h('input', { id: 'log-service', type: 'search', placeholder: 'service key' });
  const pause = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Pause');
  const list = h('ol', { class: 'log-list', id: 'log-list' });
  const status = h('p', { class: 'count', role: 'status' });
  const load = async (): Promise<void> => {
    if (paused) return;
    try {
      const data = await ctx.client.call(
        ctx.client.api.GET('/api/v1/logs', {
          params: {
            query: {
              count: 300,
              ...(level.value ? { level: level.value as Level } : {}),
              ...(service.value.trim() ? { service: service.value.trim() } : {}),
            },
          },
        }),
      );
      status.textContent = `${data.logs.length} newest lines`;
      fill(
        list,
        [...data.logs]
          .reverse()
          .map((l) =>
            h(
              'li',
              { class: `level-${l.level}` },
              h('time', { datetime: l.timestamp }, time(l.timestamp)),
              ' ',
              h('strong', null, l.level),
              ' ',
              l.service ? `[${l.service}] ` : '',
              l.message,
            ),
          ),
      );
    } catch (err) {
      status.textContent = `Logs unavailable: ${errorText(err)}`;
    }
  };
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume' : 'Pause';
  });
  level.addEventListener('change', () => void load());
  service.addEventListener('change', () => void load());
  const stop = every(2000, load);
  return {
    element: h(
      'section',
      { class: 'view', 'aria-labelledby': 'view-title' },
      heading('Daemon log'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'log-level' }, 'Level'),
        level,
        h('label', { for: 'log-service' }, 'Service'),
        service,
        pause,
      ),
      status,
      h('div', { class: 'log-scroll', tabindex: '0', role: 'region', 'aria-label': 'Log lines' }, list),
    ),
    destroy: stop,
  };
}
