import { Ring } from '../metrics/ring.ts';
import type { DaemonEvent, EventBus } from './bus.ts';

/** Rings of events, errors and reconnections recorded from the bus, with counts by type. */
export function createHistory(bus: EventBus, options: { capacity?: number; now?: () => number } = {}) {
  const capacity = options.capacity ?? 1000;
  const now = options.now ?? Date.now;
  const all = new Ring<DaemonEvent>(capacity);
  const errors = new Ring<DaemonEvent>(capacity);
  const reconnections = new Ring<DaemonEvent>(capacity);
  const counts = new Map<string, number>();
  let synthetic = 0;
  const unsubscribe = bus.subscribe((e) => {
    all.push(e);
    counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
    if (e.type.endsWith('.error')) errors.push(e);
    if (e.type === 'forward.disconnected' && e.data.reason === 'pod replaced') reconnections.push(e);
  });
  return {
    events: (n: number) => all.last(n),
    errors: (n: number) => errors.last(n),
    reconnections: (n: number, key?: string) =>
      reconnections
        .toArray()
        .filter((e) => !key || e.data.serviceKey === key || e.data.key === key)
        .slice(-n),
    reconnection(key: string, reason: string): void {
      reconnections.push({
        id: -++synthetic,
        type: 'forward.disconnected',
        timestamp: new Date(now()).toISOString(),
        data: { serviceKey: key, key, reason },
      });
    },
    stats: () => ({
      totalEvents: [...counts.values()].reduce((a, b) => a + b, 0),
      byType: Object.fromEntries(counts),
      errors: errors.size,
      reconnections: reconnections.size,
    }),
    close: unsubscribe,
  };
}

export type History = ReturnType<typeof createHistory>;
