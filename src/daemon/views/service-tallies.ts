import type { ServiceTally } from './service-list.ts';

export interface TallyRow<R> extends ServiceTally {
  record: R;
}

export interface TallyCacheOptions<R> {
  /** The records in list order. */
  records: () => readonly R[];
  tally: (record: R) => ServiceTally;
  /** Moves on whenever the daemon publishes an event (the bus's last id): rows made before are made again at once. */
  version: () => number;
  now: () => number;
  /**
   * Rows older than this (default 1 s, the metrics' sample interval) are made again in the background while the
   * old ones still answer; rows twice as old, with no refresh under way, are made again at once. So what changes
   * without an event (bytes, rates, a session that was already open when a forward chose its pod) shows about twice
   * this late at most (a refresh on a busy machine may take longer: it is not started over, which would make every
   * request pay it).
   */
  maxAgeMs?: number | undefined;
  /** Records tallied per turn of the event loop in the background (default 100: about a millisecond). */
  sliceSize?: number | undefined;
  defer?: ((fn: () => void) => void) | undefined;
}

/**
 * Every service's tally, kept between requests. Reading a forward's state touches memory all over the heap (about
 * 5 µs a service: 50 ms a request at 10,000 services on a busy machine), which a page of 100 cannot pay on every
 * request; an event makes the rows again before the next answer, age makes them again in slices between requests.
 */
export function createTallyCache<R>(o: TallyCacheOptions<R>) {
  const maxAgeMs = o.maxAgeMs ?? 1000;
  const sliceSize = o.sliceSize ?? 100;
  const defer = o.defer ?? ((fn: () => void) => void setImmediate(fn));
  const row = (record: R): TallyRow<R> => ({ ...o.tally(record), record });
  let rows: Array<TallyRow<R>> = [];
  let version = Number.NaN;
  let madeAt = 0;
  /** Counts the rows made at once: a background refresh started before one is dropped. */
  let generation = 0;
  let refreshing = false;

  /** Makes the rows again a slice at a time; kept only if no event came in between. */
  function refresh(): void {
    refreshing = true;
    const from = version;
    const gen = generation;
    const at = o.now();
    const records = o.records();
    const next: Array<TallyRow<R>> = [];
    const step = (): void => {
      if (o.version() !== from || generation !== gen) {
        refreshing = false;
        return;
      }
      const end = Math.min(records.length, next.length + sliceSize);
      for (let i = next.length; i < end; i++) next.push(row(records[i] as R));
      if (next.length < records.length) return defer(step);
      refreshing = false;
      rows = next;
      madeAt = at;
    };
    defer(step);
  }

  return {
    rows(): Array<TallyRow<R>> {
      const v = o.version();
      const at = o.now();
      const age = at - madeAt;
      if (v !== version || (age >= 2 * maxAgeMs && !refreshing) || age < 0) {
        rows = o.records().map(row);
        version = v;
        madeAt = at;
        generation++;
      } else if (age >= maxAgeMs && !refreshing) refresh();
      return rows;
    },
  };
}
