import type { Request, Response } from 'express';
import { EVENT_TYPES, type DaemonEvent } from '../daemon/bus.ts';
import { bad } from './envelope.ts';

/** The original's CamelCase event names, accepted in `?type=`. */
const LEGACY: Record<string, string[]> = {
  ServiceAdded: ['service.added'],
  ServiceRemoved: ['service.removed'],
  ServiceUpdated: ['service.updated'],
  PodAdded: ['pod.added'],
  PodRemoved: ['pod.removed'],
  PodStatusChanged: ['forward.connected', 'forward.disconnected', 'forward.error', 'pod.status'],
  NamespaceRemoved: ['namespace.removed'],
  ShutdownStarted: ['shutdown.started'],
  ShutdownComplete: ['shutdown.complete'],
};

export function parseTypeFilter(value: unknown): Set<string> | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw bad('type must be a comma-separated list');
  const out = new Set<string>();
  for (const t of value.split(',').map((s) => s.trim())) {
    if ((EVENT_TYPES as readonly string[]).includes(t)) out.add(t);
    else if (LEGACY[t]) for (const x of LEGACY[t]) out.add(x);
    else throw bad(`unknown event type "${t.slice(0, 50)}"; known: ${EVENT_TYPES.join(', ')}`);
  }
  return out;
}

export interface SseOptions {
  heartbeatMs: number;
  /** A client whose socket buffer passes this is dropped rather than buffered without bound. */
  maxBufferedBytes: number;
  track: (close: () => void) => () => void;
}

/** One SSE message: `id` (when given), `event` and the data as JSON. */
export const sseFrame = (id: number | undefined, event: string, data: unknown): string =>
  `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * `frame` memoised per item: an event fanned out to 100 clients is serialised once, not 100 times. Items are the
 * bus's (or the log ring's) own objects, the same one for every subscriber, and are forgotten with them.
 */
export function frameOnce<T extends object>(frame: (item: T) => string): (item: T) => string {
  const frames = new WeakMap<T, string>();
  return (item) => {
    let f = frames.get(item);
    if (f === undefined) frames.set(item, (f = frame(item)));
    return f;
  };
}

export interface SseStream {
  send(id: number | undefined, event: string, data: unknown): void;
  /** Writes a frame made by sseFrame. */
  write(frame: string): void;
  /** Ends the response after the frames written so far. */
  end(): void;
}

/**
 * Opens an SSE response; returns `send` and registers cleanup on disconnect. Frames written in one tick leave in one
 * write on the next: a burst of 100 events is one chunk and one system call per client, not 100.
 */
export function openSse(req: Request, res: Response, options: SseOptions, onClose: () => void): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write(': connected\n\n');
  let closed = false;
  const close = (): void => {
    if (closed) return;
    // The frames of this tick go out before the end (a shutdown's events, a log's last line).
    flush();
    closed = true;
    clearInterval(heartbeat);
    untrack();
    onClose();
    if (!res.writableEnded) res.end();
  };
  const heartbeat = setInterval(() => res.write(': keepalive\n\n'), options.heartbeatMs);
  heartbeat.unref();
  const untrack = options.track(close);
  req.on('close', close);
  res.on('error', close);
  // Frames of one tick, written together on the next.
  let pending = '';
  const flush = (): void => {
    const frames = pending;
    pending = '';
    if (frames !== '' && !closed && !res.writableEnded && !res.destroyed) res.write(frames);
  };
  const write = (frame: string): void => {
    if (closed) return;
    if (res.writableLength + pending.length > options.maxBufferedBytes) {
      res.destroy();
      close();
      return;
    }
    if (pending === '') process.nextTick(flush);
    pending += frame;
  };
  return {
    send: (id, event, data) => write(sseFrame(id, event, data)),
    write,
    end() {
      flush();
      if (!res.writableEnded) res.end();
    },
  };
}

export function lastEventId(req: Request): number | undefined {
  const raw =
    req.headers['last-event-id'] ??
    (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export const eventPayload = (e: DaemonEvent) => ({ type: e.type, timestamp: e.timestamp, ...e.data });
