import { describe, expect, it } from 'vitest';
import { createEventBus, type DaemonEvent } from '../../../src/daemon/bus.ts';

describe('event bus', () => {
  it('delivers in order with increasing ids and replays after an id', () => {
    const bus = createEventBus({ now: () => 0, retain: 3 });
    const seen: DaemonEvent[] = [];
    const off = bus.subscribe((e) => seen.push(e));
    for (let i = 0; i < 5; i++) bus.publish('service.added', { i });
    expect(seen.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    expect(bus.since(3).map((e) => e.id)).toEqual([4, 5]);
    expect(bus.since(0).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(bus.recent(2).map((e) => e.id)).toEqual([4, 5]);
    off();
    bus.publish('service.removed', {});
    expect(seen).toHaveLength(5);
    expect(bus.subscriberCount).toBe(0);
  });

  it('keeps exactly the newest `retain` events however many go through', () => {
    const bus = createEventBus({ now: () => 0, retain: 4 });
    for (let i = 0; i < 1001; i++) bus.publish('service.added', { i });
    expect(bus.since(0).map((e) => e.id)).toEqual([998, 999, 1000, 1001]);
    expect(bus.since(999).map((e) => e.id)).toEqual([1000, 1001]);
    expect(bus.since(1001)).toEqual([]);
    expect(bus.since(-5)).toHaveLength(4);
    expect(bus.recent(2).map((e) => e.id)).toEqual([1000, 1001]);
    expect(bus.recent(10).map((e) => e.id)).toEqual([998, 999, 1000, 1001]);
    expect(bus.lastId).toBe(1001);
  });

  it('isolates a throwing listener', () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ onListenerError: (e) => errors.push(e) });
    const got: number[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe((e) => got.push(e.id));
    bus.publish('pod.added', {});
    expect(got).toEqual([1]);
    expect(errors).toHaveLength(1);
  });
});
