import type { Request, Response } from 'express';
import { bad } from './params.ts';
import { EVENT_TYPES } from './views/observe.ts';

/** The original's CamelCase event names, accepted in `?type=` and mapped to ours. */
const LEGACY: Record<string, readonly string[]> = {
  ServiceAdded: ['service.added'],
  ServiceRemoved: ['service.removed'],
  ServiceUpdated: ['service.updated'],
  PodAdded: ['pod.added'],
  PodRemoved: ['pod.removed'],
  PodStatusChanged: ['pod.status', 'forward.connected', 'forward.disconnected', 'forward.error'],
  NamespaceRemoved: ['namespace.removed'],
  ShutdownStarted: ['shutdown.started'],
  ShutdownComplete: ['shutdown.complete'],
};

/** `?type=a,b` → the set of dotted names; undefined means every event. */
export function parseTypeFilter(value: unknown): Set<string> | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 500) throw bad('type must be one comma-separated list');
  const out = new Set<string>();
  for (const t of value.split(',').map((s) => s.trim())) {
    if (t === '') continue;
    if ((EVENT_TYPES as readonly string[]).includes(t)) out.add(t);
    else if (LEGACY[t]) for (const x of LEGACY[t]) out.add(x);
    else throw bad(`unknown event type "${t.slice(0, 50)}"; known: ${EVENT_TYPES.join(', ')}`);
  }
  return out;
}

/** Last-Event-ID header (or ?lastEventId= for clients that cannot set headers); undefined: no replay. */
export function lastEventId(req: Request): number | undefined {
  const q = req.query.lastEventId;
  const header = req.headers['last-event-id'];
  const raw = typeof header === 'string' ? header : typeof q === 'string' ? q : undefined;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw bad('Last-Event-ID must be a non-negative integer');
  return Number(raw);
}

export interface SseStream {
  /** Writes one event; events with an id not above the last one sent are skipped (replay/live overlap). */
  send(id: number | undefined, event: string, data: unknown): void;
  close(): void;
  readonly closed: boolean;
}

export interface SseHubOptions {
  /** Comment lines this often keep proxies and idle timers from closing the stream. */
  heartbeatMs: number;
  /** A client whose unsent bytes pass this is dropped rather than buffered without bound. */
  maxBufferedBytes: number;
  /** Reconnect delay suggested to clients (`retry:`). */
  retryMs?: number;
}

/** Tracks every open stream so shutdown can end them all. */
export function createSseHub(options: SseHubOptions) {
  const streams = new Set<SseStream>();

  function open(req: Request, res: Response, onClose: () => void): SseStream {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    res.write(`retry: ${options.retryMs ?? 2000}\n: connected\n\n`);
    let closed = false;
    let lastSent = 0;
    const heartbeat = setInterval(() => write(': keepalive\n\n'), options.heartbeatMs);
    heartbeat.unref();

    function write(text: string): void {
      if (closed) return;
      if (res.writableLength > options.maxBufferedBytes) {
        // The client does not read: drop it; EventSource clients reconnect and replay with Last-Event-ID.
        stream.close();
        res.destroy();
        return;
      }
      res.write(text);
    }

    const stream: SseStream = {
      send(id, event, data) {
        if (id !== undefined) {
          if (id <= lastSent) return;
          lastSent = id;
        }
        const lines = JSON.stringify(data);
        write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${lines}\n\n`);
      },
      close() {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        streams.delete(stream);
        try {
          onClose();
        } finally {
          if (!res.writableEnded && !res.destroyed) res.end();
        }
      },
      get closed() {
        return closed;
      },
    };
    streams.add(stream);
    res.on('close', () => stream.close());
    res.on('error', () => stream.close());
    return stream;
  }

  return {
    open,
    /** Ends every stream (shutdown). */
    closeAll(): void {
      for (const s of [...streams]) s.close();
    },
    get size(): number {
      return streams.size;
    },
  };
}

export type SseHub = ReturnType<typeof createSseHub>;
