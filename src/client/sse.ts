import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ApiError } from './api-error.ts';

export interface SseFollower {
  /** Resolves once the first connection is open; rejects if it fails (e.g. a wrong key). */
  readonly opened: Promise<void>;
  close(): void;
}

export interface SseOptions {
  url: string;
  fetch: typeof globalThis.fetch;
  /** What is followed, for the refusal's message ("cannot follow events: ..."). */
  what: string;
  /** Extra headers for each (re)connection, e.g. Last-Event-ID. */
  headers?: (() => Record<string, string>) | undefined;
  onMessage(message: EventSourceMessage): void;
  /** `open` on each (re)connection, `error` when a connection failed or dropped (it is retried). */
  onState?: ((state: 'open' | 'error', detail?: string) => void) | undefined;
  /** Wait before reconnecting, growing to 10× on repeated failures. */
  retryMs?: number | undefined;
}

/**
 * Opens one Server-Sent Events connection over fetch. Resolves, once the daemon answered with the stream, to a pump
 * that feeds each message to `onMessage` and resolves when the stream ends; rejects with the daemon's error envelope
 * as an ApiError when it refused.
 */
export async function openSse(
  fetch: typeof globalThis.fetch,
  url: string,
  init: { headers?: Record<string, string> | undefined; signal: AbortSignal },
  onMessage: (message: EventSourceMessage) => void,
): Promise<() => Promise<void>> {
  const res = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...init.headers },
    signal: init.signal,
  });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => undefined)) as
      { error?: { code?: string; message?: string } } | undefined;
    throw new ApiError(body?.error?.code ?? 'BAD_RESPONSE', body?.error?.message ?? `HTTP ${res.status}`, {
      status: res.status,
    });
  }
  const stream = res.body;
  return async () => {
    const parser = createParser({ onEvent: onMessage });
    const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  };
}

/**
 * Follows a Server-Sent Events stream over fetch, so the key travels as a header in Node.js and browsers alike;
 * reconnects after a drop, but gives up when the very first connection is refused.
 */
export function followSse(options: SseOptions): SseFollower {
  const abort = new AbortController();
  let failures = 0;
  let resolveOpened!: () => void;
  let rejectOpened!: (e: Error) => void;
  let everOpened = false;
  const opened = new Promise<void>((res, rej) => {
    resolveOpened = res;
    rejectOpened = rej;
  });
  opened.catch(() => undefined);

  const connectOnce = async (): Promise<void> => {
    const pump = await openSse(
      options.fetch,
      options.url,
      { headers: options.headers?.(), signal: abort.signal },
      (message) => options.onMessage(message),
    );
    failures = 0;
    everOpened = true;
    resolveOpened();
    options.onState?.('open');
    await pump();
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
          rejectOpened(new Error(`cannot follow ${options.what}: ${detail}`));
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
