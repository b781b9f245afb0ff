import type { ServiceTally } from './service-list.ts';

export interface TallyRow<R> extends ServiceTally {
  record: R;
}

export interface TallyCacheOptions<R> {
  /** The records in list order. */
  records: () => readonly R[];
  /** Counts `record` into `into`, every field written. */
  tally: (record: R, into: ServiceTally) => void;
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
 *
 * Rows are written over in place while the records are the same (the list keeps its array while the set of services
 * is unchanged): a background refresh fills the spare set of rows and swaps it with the answering one. Rows made
 * afresh every second outlived two scavenges and were promoted: at 10,000 services the old generation grew 1.2-3.5
 * MB/s under list requests, 0.4-1.8 MB/s with rows kept (--trace-gc-nvp), and each full collection of that heap
 * paused the daemon for 150-350 ms.
 */
export function createTallyCache<R>(o: TallyCacheOptions<R>) {
  const maxAgeMs = o.maxAgeMs ?? 1000;
  const sliceSize = o.sliceSize ?? 100;
  const defer = o.defer ?? ((fn: () => void) => void setImmediate(fn));
  let rows = createRowSet<R>();
  let spare = createRowSet<R>();
  let version = Number.NaN;
  let madeAt = 0;
  /** Counts the rows made at once: a background refresh started before one is dropped. */
  let generation = 0;
  let refreshing = false;

  /** Makes the rows again a slice at a time into the spare set; swapped in only if no event came in between. */
  function refresh(): void {
    refreshing = true;
    const from = version;
    const gen = generation;
    const at = o.now();
    const records = o.records();
    const next = spare.for(records);
    let done = 0;
    const step = (): void => {
      if (o.version() !== from || generation !== gen) {
        refreshing = false;
        return;
      }
      const end = Math.min(records.length, done + sliceSize);
      for (; done < end; done++) next.fill(done, o.tally);
      if (done < records.length) return defer(step);
      refreshing = false;
      spare = rows;
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
        const records = o.records();
        rows = rows.for(records);
        for (let i = 0; i < records.length; i++) rows.fill(i, o.tally);
        version = v;
        madeAt = at;
        generation++;
      } else if (age >= maxAgeMs && !refreshing) refresh();
      return rows.rows;
    },
  };
}

/** Rows for one array of records, made once and written over by fill(). */
function createRowSet<R>(records: readonly R[] = [], rows: Array<TallyRow<R>> = []) {
  return {
    rows,
    /** This set when it was made for `records` (the same array), else a new one. */
    for(next: readonly R[]) {
      return next === records && rows.length === next.length
        ? this
        : createRowSet(next, new Array<TallyRow<R>>(next.length));
    },
    /** Counts the i-th record into its row. */
    fill(i: number, tally: (record: R, into: ServiceTally) => void): void {
      const record = records[i] as R;
      let row = rows[i];
      if (!row) rows[i] = row = { ...emptyTally(), record };
      tally(record, row);
    },
  };
}

/** A tally of nothing: no forwards, no bytes, pending. */
export const emptyTally = (): ServiceTally => ({
  forwards: 0,
  active: 0,
  errors: 0,
  bytesIn: 0,
  bytesOut: 0,
  status: 'pending',
  rateIn: 0,
  rateOut: 0,
});
