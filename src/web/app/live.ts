import type { DaemonEventMessage, Schemas } from '../../client/index.ts';
import type { Session } from './session.ts';

export type Service = Schemas['Service'];
export type Summary = Schemas['Summary'];

export interface Live {
  services(): readonly Service[];
  service(key: string): Service | undefined;
  summary(): Summary | undefined;
  /** A service's in+out rate at each of the last TREND_POINTS refreshes, oldest first. */
  trend(key: string): readonly number[];
  /** The newest events first, at most EVENT_KEEP. */
  events(): readonly DaemonEventMessage[];
  /** Whether the event stream is connected, and the last error. */
  stream(): { open: boolean; detail: string | undefined };
  /** Called at most a few times a second, after a batch of changes. */
  subscribe(listener: () => void): () => void;
  /** Asks for a fresh list soon (coalesced with other requests). */
  refresh(): void;
  close(): void;
}

const EVENT_KEEP = 1000;
export const TREND_POINTS = 30;
const PAGE = 1000;

/**
 * The console's view of the daemon: the services list, refreshed when events say something changed and every
 * `pollMs` for the rates, with refreshes coalesced so a burst of 1,000 events is a handful of fetches and renders.
 */
export function createLive(session: Session, options: { pollMs?: number; minGapMs?: number } = {}): Live {
  const { client } = session;
  const pollMs = options.pollMs ?? 2000;
  const minGapMs = options.minGapMs ?? 300;
  let services: Service[] = [];
  let byKey = new Map<string, Service>();
  let summary: Summary | undefined;
  let trends = new Map<string, number[]>();
  const events: DaemonEventMessage[] = [];
  let stream = { open: false, detail: undefined as string | undefined };
  const listeners = new Set<() => void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let again = false;
  let closed = false;

  const notify = (): void => {
    for (const l of listeners) l();
  };

  async function fetchAll(): Promise<void> {
    const all: Service[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const data = await client.call(
        client.api.GET('/api/v1/services', { params: { query: { limit: PAGE, offset } } }),
      );
      all.push(...data.services);
      summary = data.summary;
      if (data.services.length < PAGE) break;
    }
    services = all;
    byKey = new Map(all.map((s) => [s.key, s]));
    const next = new Map<string, number[]>();
    for (const s of all) {
      const t = trends.get(s.key) ?? [];
      t.push(s.rateIn + s.rateOut);
      if (t.length > TREND_POINTS) t.shift();
      next.set(s.key, t);
    }
    trends = next;
  }

  async function run(): Promise<void> {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      await fetchAll();
      notify();
    } catch (err) {
      stream = { ...stream, detail: (err as Error).message };
      notify();
    } finally {
      inFlight = false;
      if (!closed) schedule(again ? minGapMs : pollMs);
      again = false;
    }
  }

  function schedule(ms: number): void {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, ms);
  }

  let pending = false;
  const follower = client.events({
    onEvent(e) {
      events.unshift(e);
      if (events.length > EVENT_KEEP) events.length = EVENT_KEEP;
      if (!pending) {
        pending = true;
        setTimeout(() => {
          pending = false;
          schedule(0);
        }, minGapMs);
      }
    },
    onState(state, detail) {
      stream = { open: state === 'open', detail };
      notify();
    },
  });
  follower.opened.then(
    () => undefined,
    (err: Error) => {
      stream = { open: false, detail: err.message };
      notify();
    },
  );
  void run();

  return {
    services: () => services,
    service: (key) => byKey.get(key),
    summary: () => summary,
    trend: (key) => trends.get(key) ?? [],
    events: () => events,
    stream: () => stream,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh: () => schedule(0),
    close() {
      closed = true;
      follower.close();
      if (timer !== undefined) clearTimeout(timer);
      listeners.clear();
    },
  };
}
