import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubefwdError } from '../../../src/errors.ts';
import {
  createMetricsStore,
  parseSpan,
  type CounterReading,
  type ReadingVisitor,
} from '../../../src/metrics/metrics-store.ts';

function harness(forgetAfterMs = 60_000) {
  let t = 1_700_000_000_000;
  const forwards = new Map<string, CounterReading>();
  const store = createMetricsStore({ now: () => t, forgetAfterMs, read: () => forwards.values() });
  return {
    store,
    forwards,
    set(key: string, service: string, bytesIn: number, bytesOut = 0, connections = 0): void {
      forwards.set(key, { key, service, bytesIn, bytesOut, connections });
    },
    tick(ms = 1000): void {
      t += ms;
      store.sample();
    },
  };
}

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof KubefwdError ? err.code : 'not a KubefwdError';
  }
  return undefined;
};

describe('metrics store', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('turns sampled counters into rates per forward, per service and in total', () => {
    const h = harness();
    h.set('web.ns.ctx.pod-a.80', 'web.ns.ctx', 0, 0, 1);
    h.set('web.ns.ctx.pod-b.80', 'web.ns.ctx', 0, 0, 2);
    h.set('db.ns.ctx.pod-c.5432', 'db.ns.ctx', 0);
    h.tick();
    h.set('web.ns.ctx.pod-a.80', 'web.ns.ctx', 2000, 100, 1);
    h.set('web.ns.ctx.pod-b.80', 'web.ns.ctx', 1000, 0, 2);
    h.set('db.ns.ctx.pod-c.5432', 'db.ns.ctx', 500);
    h.tick(2000);
    expect(h.store.forward('web.ns.ctx.pod-a.80')).toMatchObject({
      service: 'web.ns.ctx',
      bytesIn: 2000,
      bytesOut: 100,
      rateIn: 1000,
      rateOut: 50,
      connections: 1,
    });
    expect(h.store.service('web.ns.ctx')).toMatchObject({
      bytesIn: 3000,
      rateIn: 1500,
      connections: 3,
      forwards: 2,
    });
    expect(h.store.summary()).toMatchObject({
      bytesIn: 3500,
      rateIn: 1750,
      forwards: 3,
      services: 2,
      connections: 3,
      series: 3 + 2 + 1,
    });
    expect(h.store.total().rateIn).toBe(1750);
    expect(h.store.forward('nope')).toBeUndefined();
  });

  it('between full passes reads only the active forwards, and keeps the idle ones known, at rate 0', () => {
    let t = 1_700_000_000_000;
    const readings = new Map<string, [string, number]>([
      ['busy.ns.ctx.p.80', ['busy.ns.ctx', 0]],
      ['idle.ns.ctx.p.80', ['idle.ns.ctx', 0]],
    ]);
    const active = new Set(['busy.ns.ctx.p.80']);
    let full = 0;
    let partial = 0;
    const emit = (visitor: ReadingVisitor, key: string): void => {
      const [service, bytes] = readings.get(key) ?? ['', 0];
      visitor(key, service, bytes, 0, 0);
    };
    const store = createMetricsStore({
      now: () => t,
      fullEvery: 5,
      visit: (v) => {
        full++;
        for (const key of readings.keys()) emit(v, key);
      },
      visitActive: (v) => {
        partial++;
        for (const key of active) emit(v, key);
      },
    });
    for (let i = 1; i <= 10; i++) {
      readings.set('busy.ns.ctx.p.80', ['busy.ns.ctx', i * 1000]);
      t += 1000;
      store.sample();
    }
    expect([full, partial]).toEqual([2, 8]);
    expect(store.forward('busy.ns.ctx.p.80')).toMatchObject({ bytesIn: 10_000, rateIn: 1000 });
    expect(store.service('busy.ns.ctx')).toMatchObject({ bytesIn: 10_000, rateIn: 1000, forwards: 1 });
    expect(store.forward('idle.ns.ctx.p.80')).toMatchObject({ bytesIn: 0, rateIn: 0 });
    expect(store.summary()).toMatchObject({ forwards: 2, services: 2, rateIn: 1000 });
    // The busy one stops: its rate falls to 0 at once, though it is no longer visited.
    active.clear();
    t += 1000;
    store.sample();
    expect(store.forward('busy.ns.ctx.p.80')).toMatchObject({ bytesIn: 10_000, rateIn: 0 });
    expect(store.history('busy.ns.ctx.p.80', 20_000).at(-1)).toMatchObject({ rateIn: 0, bytesIn: 10_000 });
    expect(store.history('idle.ns.ctx.p.80', 20_000).every((p) => p.rateIn === 0)).toBe(true);
  });

  it('runs a full pass with visitSome a slice per turn, skipping samples due before it ends', () => {
    let t = 0;
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const bytes = new Map(keys.map((k) => [k, 0]));
    const turns: Array<() => void> = [];
    let cursor = 0;
    let visited = 0;
    const store = createMetricsStore({
      now: () => t,
      fullEvery: 3,
      sliceSize: 2,
      defer: (fn) => void turns.push(fn),
      visitActive: () => undefined,
      visitSome: (v, budget) => {
        for (let n = 0; n < budget && cursor < keys.length; n++, cursor++) {
          const k = keys[cursor] as string;
          visited++;
          v(`${k}.p.80`, `${k}.svc`, bytes.get(k) ?? 0, 0);
        }
        if (cursor < keys.length) return false;
        cursor = 0;
        return true;
      },
    });
    store.sample(); // the first sample is a full pass: two forwards now, the rest on later turns
    expect([visited, turns.length]).toEqual([2, 1]);
    expect(store.summary().forwards).toBe(0);
    t += 1000;
    store.sample(); // due while the pass runs: skipped
    expect(visited).toBe(2);
    while (turns.length > 0) turns.shift()?.();
    expect(visited).toBe(5);
    expect(store.summary()).toMatchObject({ forwards: 5, services: 5 });
    // Between full passes only the active forwards are read; the third sample from the pass is the next full one.
    bytes.set('e', 3000);
    t += 1000;
    store.sample();
    t += 1000;
    store.sample();
    expect(visited).toBe(5);
    t += 1000;
    store.sample();
    while (turns.length > 0) turns.shift()?.();
    expect(visited).toBe(10);
    expect(store.forward('e.p.80')).toMatchObject({ bytesIn: 3000, rateIn: 3000 });
    expect(store.service('e.svc')).toMatchObject({ bytesIn: 3000, forwards: 1 });
  });

  it('keeps totals monotonic when a forward restarts its counters, and averages over 10 s', () => {
    const h = harness();
    for (let i = 0; i <= 10; i++) {
      h.set('f', 's', i * 1000);
      h.tick();
    }
    expect(h.store.forward('f')).toMatchObject({ bytesIn: 10_000, rateIn: 1000, avgRateIn: 1000 });
    h.set('f', 's', 300); // rebuilt: counters start again
    h.tick();
    expect(h.store.forward('f')).toMatchObject({ bytesIn: 10_300, rateIn: 300 });
    expect(h.store.service('s')?.bytesIn).toBe(10_300);
  });

  it('accepts readings that name the service `serviceKey`', () => {
    let t = 0;
    let bytes = 0;
    const store = createMetricsStore({
      now: () => t,
      read: () => [{ key: 'f', serviceKey: 's', bytesIn: bytes, bytesOut: 0 }],
    });
    store.sample();
    t += 1000;
    bytes = 10;
    store.sample();
    expect(store.service('s')?.rateIn).toBe(10);
  });

  it('shows a vanished key at rate zero through the grace period, then forgets it', () => {
    const h = harness(5000);
    h.set('f', 's', 0);
    h.tick();
    h.set('f', 's', 1000);
    h.tick();
    h.forwards.clear();
    h.tick();
    expect(h.store.forward('f')).toMatchObject({ bytesIn: 1000, rateIn: 0 });
    expect(h.store.summary().forwards).toBe(0);
    expect(h.store.history('f', { duration: '10s' }).map((p) => p.rateIn)).toEqual([0, 1000, 0]);
    for (let i = 0; i < 6; i++) h.tick();
    expect(h.store.forward('f')).toBeUndefined();
    expect(h.store.service('s')).toBeUndefined();
    expect(code(() => h.store.history('f'))).toBe('NOT_FOUND');
    expect(h.store.summary()).toMatchObject({ bytesIn: 1000, series: 1 });
  });

  it('answers history for a service, a forward or everything, with duration and interval strings', () => {
    const h = harness();
    for (let i = 0; i <= 3600; i++) {
      h.set('f', 's', i * 1000);
      h.tick();
    }
    const hour = h.store.history('s', { duration: '1h', interval: '1m' });
    expect(hour.length).toBeGreaterThanOrEqual(60);
    expect(hour.length).toBeLessThanOrEqual(61);
    expect(hour.at(-2)?.rateIn).toBeCloseTo(1000, 6);
    expect(h.store.history(undefined, { duration: '5m' }).length).toBeLessThanOrEqual(301);
    expect(h.store.history('f', 30_000, 1000)).toHaveLength(31);
    expect(h.store.history('f', { duration: 30_000, interval: '10s' }).length).toBeLessThanOrEqual(4);
  });

  it('rejects bad spans with BAD_REQUEST naming the parameter', () => {
    const h = harness();
    h.tick();
    expect(parseSpan('5m', 'duration')).toBe(300_000);
    expect(parseSpan(' 250ms ', 'interval')).toBe(250);
    expect(parseSpan('1d', 'duration')).toBe(86_400_000);
    for (const [q, what] of [
      [{ duration: '5 minutes' }, 'duration'],
      [{ duration: '5years' }, 'duration'],
      [{ duration: '48h' }, 'duration'],
      [{ duration: '0s' }, 'duration'],
      [{ duration: '-1m' }, 'duration'],
      [{ duration: '1m', interval: '5m' }, 'interval'],
      [{ interval: 'fast' }, 'interval'],
    ] as const) {
      let err: unknown;
      try {
        h.store.history(undefined, q);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KubefwdError);
      expect((err as KubefwdError).code).toBe('BAD_REQUEST');
      expect((err as KubefwdError).message).toContain(what);
      expect((err as KubefwdError).details).toEqual({ parameter: what });
    }
  });

  it('samples on an unref-ed timer between start and close, both idempotent', async () => {
    vi.useFakeTimers();
    let reads = 0;
    const store = createMetricsStore({
      sampleIntervalMs: 1000,
      read: () => {
        reads++;
        return [];
      },
    });
    await store.start();
    await store.start();
    expect(reads).toBe(1);
    vi.advanceTimersByTime(3000);
    expect(reads).toBe(4);
    await store.close();
    await store.close();
    vi.advanceTimersByTime(5000);
    expect(reads).toBe(4);
    await store.start();
    expect(reads).toBe(4);
  });

  it('survives a read that throws (the sample is skipped)', async () => {
    vi.useFakeTimers();
    let fail = true;
    const store = createMetricsStore({
      read: () => {
        if (fail) throw new Error('engine busy');
        return [{ key: 'f', service: 's', bytesIn: 1, bytesOut: 0 }];
      },
    });
    await store.start();
    fail = false;
    vi.advanceTimersByTime(1000);
    expect(store.forward('f')?.bytesIn).toBe(1);
    await store.close();
  });
});
