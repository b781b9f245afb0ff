/** Event names, in the seed's dotted style. */
export const EVENT_TYPES = [
  'service.added',
  'service.removed',
  'service.updated',
  'service.error',
  'forward.connected',
  'forward.disconnected',
  'forward.error',
  'pod.added',
  'pod.removed',
  'pod.status',
  'endpoint.added',
  'endpoint.removed',
  'endpoint.draining',
  'namespace.added',
  'namespace.removed',
  'namespace.error',
  'hosts.updated',
  'portforward.added',
  'portforward.removed',
  'portforward.error',
  'shutdown.started',
  'shutdown.complete',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface DaemonEvent {
  /** Monotonic, starting at 1; SSE clients resume with Last-Event-ID. */
  id: number;
  type: EventType;
  timestamp: string;
  data: Record<string, unknown>;
}

export type EventListener = (event: DaemonEvent) => void;

export interface EventBus {
  publish(type: EventType, data: Record<string, unknown>): DaemonEvent;
  subscribe(listener: EventListener): () => void;
  /** Retained events with an id greater than `afterId`, oldest first. */
  since(afterId: number): DaemonEvent[];
  /** The newest `count` retained events, oldest first. */
  recent(count: number): DaemonEvent[];
  readonly lastId: number;
  readonly subscriberCount: number;
}

/**
 * In-process, synchronous fan-out with a bounded replay window. A listener that throws is isolated: it cannot stop
 * delivery to others (the original leaked a handler per closed SSE client and panicked on every later event).
 */
export function createEventBus(
  options: { now?: () => number; retain?: number; onListenerError?: (err: unknown) => void } = {},
): EventBus {
  const now = options.now ?? Date.now;
  const retain = options.retain ?? 1000;
  // Retained events are buffer[head…]; the consumed front is dropped in one slice once it is as long as the window,
  // so a publish costs O(1) amortised (a splice per publish moved the whole window: 10,000 services publish ~30,000
  // events while they start).
  let buffer: DaemonEvent[] = [];
  let head = 0;
  const listeners = new Set<EventListener>();
  let lastId = 0;

  return {
    publish(type, data) {
      const event: DaemonEvent = { id: ++lastId, type, timestamp: new Date(now()).toISOString(), data };
      buffer.push(event);
      if (buffer.length - head > retain) head = buffer.length - retain;
      if (head >= retain) {
        buffer = buffer.slice(head);
        head = 0;
      }
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (err) {
          options.onListenerError?.(err);
        }
      }
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    since(afterId) {
      // Ids are consecutive: the first wanted one is found by arithmetic, not by a scan.
      const oldest = buffer[head]?.id;
      if (oldest === undefined) return [];
      return buffer.slice(head + Math.max(0, Math.min(afterId + 1 - oldest, buffer.length - head)));
    },
    recent(count) {
      return buffer.slice(Math.max(head, buffer.length - count));
    },
    get lastId() {
      return lastId;
    },
    get subscriberCount() {
      return listeners.size;
    },
  };
}
