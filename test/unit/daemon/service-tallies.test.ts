import { describe, expect, it } from 'vitest';
import { createTallyCache } from '../../../src/daemon/views/service-tallies.ts';
import type { ServiceTally } from '../../../src/daemon/views/service-list.ts';

/** Five services whose bytes the test sets; the clock, the event counter and the deferred turns are the test's. */
function setup(o: { sameArray?: boolean } = {}) {
  const bytes = new Map<string, number>(['a', 'b', 'c', 'd', 'e'].map((k) => [k, 0]));
  const kept = [...bytes.keys()];
  const env = { now: 1000, version: 1, tallied: 0, turns: [] as Array<() => void> };
  const tally = (k: string, into: ServiceTally): void => {
    env.tallied++;
    Object.assign(into, {
      forwards: 1,
      active: 1,
      errors: 0,
      bytesIn: bytes.get(k) ?? 0,
      bytesOut: 0,
      status: 'active',
      rateIn: 0,
      rateOut: 0,
    });
  };
  const cache = createTallyCache({
    // The services list hands the same array back while its set of services is unchanged.
    records: () => (o.sameArray ? kept : [...bytes.keys()]),
    tally,
    version: () => env.version,
    now: () => env.now,
    maxAgeMs: 500,
    sliceSize: 2,
    defer: (fn) => void env.turns.push(fn),
  });
  const seen = (): number[] => cache.rows().map((r) => r.bytesIn);
  const runTurns = (): number => {
    let n = 0;
    while (env.turns.length > 0) {
      env.turns.shift()?.();
      n++;
    }
    return n;
  };
  return { bytes, env, cache, seen, runTurns };
}

describe('the services list tally cache', () => {
  it('serves kept rows until an event, then makes them again before answering', () => {
    const t = setup();
    expect(t.seen()).toEqual([0, 0, 0, 0, 0]);
    t.bytes.set('a', 7);
    t.env.now += 100;
    expect(t.seen()).toEqual([0, 0, 0, 0, 0]);
    expect(t.env.tallied).toBe(5);
    t.env.version++;
    expect(t.seen()).toEqual([7, 0, 0, 0, 0]);
    expect(t.env.turns).toEqual([]);
  });

  it('makes aged rows again in slices between requests, answering with the old ones meanwhile', () => {
    const t = setup();
    t.seen();
    t.bytes.set('e', 9);
    t.env.now += 600;
    expect(t.seen()).toEqual([0, 0, 0, 0, 0]);
    t.env.turns.shift()?.();
    // Past twice the age with the refresh under way: still the old rows, no second refresh, no rows made at once.
    t.env.now += 600;
    expect(t.seen()).toEqual([0, 0, 0, 0, 0]);
    expect(t.env.tallied).toBe(7);
    // Five records, two a turn: two turns left, then the new rows answer.
    expect(t.runTurns()).toBe(2);
    expect(t.seen()).toEqual([0, 0, 0, 0, 9]);
  });

  it('drops a background refresh that an event interrupted, and makes rows at once past twice the age', () => {
    const t = setup();
    t.seen();
    t.env.now += 600;
    t.seen();
    t.env.turns.shift()?.();
    t.bytes.set('a', 3);
    t.env.version++;
    t.runTurns();
    // The event's rows, made at the next request, not the refresh's half-made ones.
    expect(t.seen()).toEqual([3, 0, 0, 0, 0]);
    t.bytes.set('b', 4);
    t.env.now += 1000;
    expect(t.seen()).toEqual([3, 4, 0, 0, 0]);
    // A clock that went back makes them again too.
    t.bytes.set('c', 5);
    t.env.now -= 5000;
    expect(t.seen()).toEqual([3, 4, 5, 0, 0]);
  });

  it('writes rows over while the records are the same array, the answering ones untouched until a refresh ends', () => {
    const t = setup({ sameArray: true });
    const first = t.cache.rows();
    t.env.version++;
    expect(t.cache.rows()).toBe(first);
    t.bytes.set('e', 9);
    t.env.now += 600;
    t.cache.rows();
    t.env.turns.shift()?.();
    expect(t.seen()).toEqual([0, 0, 0, 0, 0]);
    t.runTurns();
    const second = t.cache.rows();
    expect(second).not.toBe(first);
    expect(second.map((r) => r.bytesIn)).toEqual([0, 0, 0, 0, 9]);
    // The next refresh fills the first set again: the same row objects, no new ones.
    const objects = new Set(first);
    t.env.now += 600;
    t.cache.rows();
    t.runTurns();
    expect(t.cache.rows()).toBe(first);
    expect(t.cache.rows().every((r) => objects.has(r))).toBe(true);
  });
});
