import type { LogLevel, LogRecord, SseFollower } from '../../../client/index.ts';
import { h } from '../dom.ts';
import { time } from '../format.ts';
import { errorText, heading, type View, type ViewContext } from '../ui.ts';

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
/** Lines kept in the page; older ones drop off the bottom. */
const KEEP = 500;

const line = (l: LogRecord): HTMLElement =>
  h(
    'li',
    { class: `level-${l.level}` },
    h('time', { datetime: l.timestamp }, time(l.timestamp)),
    ' ',
    h('strong', null, l.level),
    ' ',
    l.service ? `[${l.service}] ` : '',
    l.message,
  );

/**
 * The daemon's own log, newest first: the newest 300 lines, then each line as the daemon writes it (the log
 * stream). While paused, new lines wait and are shown on resume.
 */
export function logsView(ctx: ViewContext): View {
  let paused = false;
  let held: LogRecord[] = [];
  let follower: SseFollower | undefined;
  let newest = -1;
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
  const stream = h('span', { class: 'help', id: 'log-stream' });

  const show = (records: LogRecord[]): void => {
    const fresh = records.filter((l) => l.id > newest);
    if (!fresh.length) return;
    newest = Math.max(newest, ...fresh.map((l) => l.id));
    list.prepend(...fresh.reverse().map(line));
    while (list.childElementCount > KEEP) list.lastElementChild?.remove();
  };
  const receive = (l: LogRecord): void => {
    if (paused) held.push(l);
    else show([l]);
  };

  /** Follows first and lists after, so no line falls between the two; `newest` drops the overlap. */
  const start = async (): Promise<void> => {
    follower?.close();
    list.replaceChildren();
    newest = -1;
    held = [];
    const filter = {
      ...(level.value ? { level: level.value as LogLevel } : {}),
      ...(service.value.trim() ? { service: service.value.trim() } : {}),
    };
    const pending: LogRecord[] = [];
    let listed = false;
    const mine = ctx.client.logs({
      ...filter,
      onLog: (l) => (listed ? receive(l) : pending.push(l)),
      onState: (state, detail) => {
        stream.textContent = state === 'open' ? 'Following' : `Stream interrupted: ${detail ?? ''}`;
      },
    });
    follower = mine;
    try {
      await mine.opened;
      const data = await ctx.client.call(
        ctx.client.api.GET('/api/v1/logs', { params: { query: { count: 300, ...filter } } }),
      );
      if (follower !== mine) return;
      status.textContent = `${data.logs.length} newest lines, then each new one`;
      show(data.logs);
      listed = true;
      for (const l of pending) receive(l);
    } catch (err) {
      if (follower === mine) status.textContent = `Logs unavailable: ${errorText(err)}`;
    }
  };

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      show(held);
      held = [];
    }
  });
  level.addEventListener('change', () => void start());
  service.addEventListener('change', () => void start());
  void start();
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
        stream,
      ),
      status,
      h('div', { class: 'log-scroll', tabindex: '0', role: 'region', 'aria-label': 'Log lines' }, list),
    ),
    destroy: () => follower?.close(),
  };
}
