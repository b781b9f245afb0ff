import type { Schemas } from '../contract/contract.ts';
import { followSse, type SseFollower } from './sse.ts';

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

export type EventFollower = SseFollower;

/** Follows the daemon's event stream (`/api/v1/events`), resuming with Last-Event-ID after a drop. */
export function followEvents(
  options: FollowOptions & { baseUrl: string; fetch: typeof globalThis.fetch },
): EventFollower {
  let lastId = options.lastEventId;
  return followSse({
    url: `${options.baseUrl}/api/v1/events${options.types?.length ? `?type=${options.types.join(',')}` : ''}`,
    fetch: options.fetch,
    what: 'events',
    headers: (): Record<string, string> => (lastId !== undefined ? { 'Last-Event-ID': String(lastId) } : {}),
    onState: options.onState,
    retryMs: options.retryMs,
    onMessage(message) {
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
}
