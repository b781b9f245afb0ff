import type { KubefwdClient } from '../client/client.ts';
import type { EventFollower } from '../client/events.ts';
import { createTuiActions } from './client-actions.ts';
import { sortForwards } from './rows.ts';
import { EMPTY_SNAPSHOT, type Summary, type TuiSnapshot, type TuiStore } from './model.ts';

export interface ClientStoreOptions {
  client: KubefwdClient;
  /** Longest wait between a change and its frame; also the floor between two frames (default 250 ms: 4 a second). */
  frameMs?: number;
  /** Counters and rates are re-read this often even without events (default 1 s, the daemon's sampling period). */
  refreshMs?: number;
  /** How long a notice stays in the status line. */
  noticeMs?: number;
  logLimit?: number;
  setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
  now?: () => number;
}

const PAGE = 1000;

/**
 * The state of the screen, fed by the daemon's list calls and its event stream. Events only mark the list stale:
 * a burst of 1,000 `forward.connected` costs one re-list and one frame, not 1,000 of each.
 */
export function createClientStore(options: ClientStoreOptions): TuiStore {
  const { client } = options;
  const frameMs = options.frameMs ?? 250;
  const refreshMs = options.refreshMs ?? 1000;
  const noticeMs = options.noticeMs ?? 4000;
  const logLimit = options.logLimit ?? 500;
  const setTimer = options.setTimer ?? setTimeout;
  const now = options.now ?? Date.now;
  const listeners = new Set<() => void>();
  let snapshot: TuiSnapshot = EMPTY_SNAPSHOT;
  let pending: Partial<TuiSnapshot> = {};
  let frameTimer: NodeJS.Timeout | undefined;
  let lastFrame = 0;
  let stale = false;
  let refreshing: Promise<void> | undefined;
  let refreshTimer: NodeJS.Timeout | undefined;
  let noticeTimer: NodeJS.Timeout | undefined;
  let follower: EventFollower | undefined;
  let lastLogId = 0;
  let closed = false;
  let opened = false;

  const flush = (): void => {
    frameTimer = undefined;
    if (closed) return;
    lastFrame = now();
    snapshot = { ...snapshot, ...pending };
    pending = {};
    for (const l of listeners) l();
  };
  const update = (patch: Partial<TuiSnapshot>): void => {
    pending = { ...pending, ...patch };
    if (frameTimer || closed) return;
    frameTimer = setTimer(flush, Math.max(0, lastFrame + frameMs - now()));
  };
  const current = (): TuiSnapshot => ({ ...snapshot, ...pending });

  const listForwards = async (): Promise<void> => {
    const forwards = [];
    let summary: Summary | undefined;
    for (let offset = 0; ; offset += PAGE) {
      const page = await client.call(
        client.api.GET('/api/v1/forwards', { params: { query: { limit: PAGE, offset } } }),
      );
      forwards.push(...page.forwards);
      summary = page.summary as Summary;
      if (page.forwards.length < PAGE || forwards.length >= summary.totalForwards) break;
    }
    update({ forwards: sortForwards(forwards), summary });
  };
  const listLogs = async (count: number): Promise<number> => {
    const { logs } = await client.call(client.api.GET('/api/v1/logs', { params: { query: { count } } }));
    const newest = logs.reduce((max, l) => Math.max(max, l.id), 0);
    if (count > 1) {
      const fresh = logs.filter((l) => l.id > lastLogId).sort((a, b) => a.id - b.id);
      if (fresh.length > 0) update({ logs: [...current().logs, ...fresh].slice(-logLimit) });
      lastLogId = Math.max(lastLogId, newest);
    }
    return newest;
  };

  const refresh = (): Promise<void> => {
    if (refreshing) {
      stale = true;
      return refreshing;
    }
    stale = false;
    refreshing = Promise.all([listForwards(), listLogs(200)])
      .then(() => {
        if (current().link !== 'open' && follower) update({ link: 'open', linkDetail: undefined });
      })
      .catch((err: unknown) => update({ link: 'lost', linkDetail: (err as Error).message }))
      .finally(() => {
        refreshing = undefined;
        if (stale && !closed) void refresh();
      });
    return refreshing;
  };

  // Between events only counters move. Two small reads tell whether they did; the full lists (1,000 forwards are
  // ~0.5 MB of JSON for the daemon to write) are read again only then, so an idle daemon stays idle.
  let lastTotals = '';
  let moving = false;
  const tick = async (): Promise<void> => {
    try {
      const [m, newestLog] = await Promise.all([client.call(client.api.GET('/api/v1/metrics')), listLogs(1)]);
      const totals = `${m.totalBytesIn}/${m.totalBytesOut}/${m.totalForwards}/${m.activeForwards}/${m.errorCount}`;
      const wasMoving = moving;
      moving = m.totalRateIn + m.totalRateOut > 0;
      const changed = totals !== lastTotals || moving || wasMoving || newestLog > lastLogId;
      if (changed || current().link !== 'open') await refresh();
      lastTotals = totals;
    } catch (err) {
      update({ link: 'lost', linkDetail: (err as Error).message });
    }
  };

  const schedule = (): void => {
    if (closed) return;
    refreshTimer = setTimer(() => {
      void tick().finally(schedule);
    }, refreshMs);
  };

  const actions = createTuiActions({
    client,
    refresh: () => void refresh(),
    setTimer,
    notify(text) {
      clearTimeout(noticeTimer);
      update({ notice: text });
      noticeTimer = setTimer(() => update({ notice: undefined }), noticeMs);
    },
  });

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    actions,
    async start() {
      const info = await client.call(client.api.GET('/api/v1/info'));
      update({ version: info.version, context: info.contexts[0] ?? '' });
      follower = client.events({
        types: [
          'service.added',
          'service.removed',
          'service.error',
          'forward.connected',
          'forward.disconnected',
          'forward.error',
          'pod.added',
          'pod.removed',
          'pod.status',
          'namespace.removed',
        ],
        onEvent: () => void refresh(),
        onState: (state, detail) => {
          if (state !== 'open') update({ link: 'lost', linkDetail: detail });
          // A re-opened stream may have missed events: read everything again.
          else if (opened) void refresh();
        },
      });
      await follower.opened;
      opened = true;
      await tick();
      if (current().link === 'lost') throw new Error(current().linkDetail ?? 'the API stopped answering');
      schedule();
    },
    close() {
      closed = true;
      follower?.close();
      clearTimeout(frameTimer);
      clearTimeout(refreshTimer);
      clearTimeout(noticeTimer);
      listeners.clear();
    },
  };
}
