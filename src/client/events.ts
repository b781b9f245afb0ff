import { createParser } from 'eventsource-parser';
import type { Schemas } from '../contract/contract.ts';

export type DaemonEventMessage = Schemas['Event'];
export type EventTypeName = DaemonEventMessage['type'];

export interface FollowOptions {
  /** Only these event types (dotted names); all when absent. */
  types?: readonly EventTypeName[] | undefined;
  onEvent(event: DaemonEventMessage): void;
  /** `open` on each (re)connection, `error` when a connection failed or dropped (it is retried). */
  onState?: ((state: 'open' | 'error', detail?: string) => void) | undefined;
  /** Wait before reconnecting, growing to 10× on repeated failures. */
  retryMs?: number | undefined;
  /** Resume after this event id. */
  lastEventId?: number | undefined;
}

export interface EventFollower {
  /** Resolves once the first connection is open; rejects if it fails (e.g. a wrong key). */
  readonly opened: Promise<void>;
  close(): void;
}

/** Follows the daemon's SSE stream over fetch, so the key travels as a header in Node.js and browsers alike. */
export function followEvents(
  options: FollowOptions & { baseUrl: string; fetch: typeof globalThis.fetch },
): EventFollower {
  const abort = new AbortController();
  let lastId = options.lastEventId;
  let failures = 0;
  let resolveOpened!: () => void;
  let rejectOpened!: (e: Error) => void;
  let everOpened = false;
  const opened = new Promise<void>((res, rej) => {
    resolveOpened = res;
    rejectOpened = rej;
  });
  opened.catch(() => undefined);
  const url = `${options.baseUrl}/api/v1/events${options.types?.length ? `?type=${options.types.join(',')}` : ''}`;

  const connectOnce = async (): Promise<void> => {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (lastId !== undefined) headers['Last-Event-ID'] = String(lastId);
    const res = await options.fetch(url, { headers, signal: abort.signal });
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
      throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
    }
    failures = 0;
    everOpened = true;
    resolveOpened();
    options.onState?.('open');
    const parser = createParser({
      onEvent(message) {
        if (message.id !== undefined) lastId = Number(message.id);
        let payload: Record<string, unknown>;
        try {
          payload = JSON.parse(message.data) as Record<string, unknown>;
        } catch {
          return;
        }
        // The stream carries the original kubefwd's flat payload {type, timestamp, ...data}; hand it on in the
        // history's Event shape so every face reads one shape.
        const { type, timestamp, ...data } = payload;
        options.onEvent({
          id: Number(message.id ?? 0),
          type: (message.event ?? type) as EventTypeName,
          timestamp: typeof timestamp === 'string' ? timestamp : new Date().toISOString(),
          data,
        });
      },
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  };

  const loop = async (): Promise<void> => {
    const base = options.retryMs ?? 500;
    while (!abort.signal.aborted) {
      try {
        await connectOnce();
        if (!abort.signal.aborted) options.onState?.('error', 'stream ended');
      } catch (err) {
        if (abort.signal.aborted) return;
        const detail = (err as Error).message;
        if (!everOpened) {
          rejectOpened(new Error(`cannot follow events: ${detail}`));
          abort.abort();
          return;
        }
        options.onState?.('error', detail);
      }
      failures += 1;
      const wait = Math.min(base * 2 ** (failures - 1), base * 10);
      await new Promise<void>((res) => {
        const t = setTimeout(res, wait);
        abort.signal.addEventListener('abort', () => {
          clearTimeout(t);
          res();
        });
      });
    }
  };
  void loop();
  return { opened, close: () => abort.abort() };
}
