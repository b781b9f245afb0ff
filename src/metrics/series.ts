/**
 * Tiered time series for one key: 1 s points kept 5 min, 10 s buckets kept 1 h, 1 min buckets kept 24 h. Every
 * sample feeds all three tiers at once (each tier averages the rates that fall in its current bucket), so coarse
 * history exists from the first minute on and no tier ever has to be rebuilt from another.
 */
export interface Point {
  /** Epoch ms of the start of the point's bucket. */
  timestamp: number;
  /** Cumulative byte counters at the end of the bucket. */
  bytesIn: number;
  bytesOut: number;
  /** Mean rate over the bucket, bytes per second. */
  rateIn: number;
  rateOut: number;
}

export interface Tier {
  stepMs: number;
  retentionMs: number;
}

export const TIERS: readonly Tier[] = [
  { stepMs: 1_000, retentionMs: 5 * 60_000 },
  { stepMs: 10_000, retentionMs: 60 * 60_000 },
  { stepMs: 60_000, retentionMs: 24 * 60 * 60_000 },
];

const FIELDS = 5;
/** Bytes one stored point costs (five float64s). */
export const BYTES_PER_POINT = FIELDS * 8;

/** Shared by every buffer that has stored nothing yet: most keys of a large daemon never store a point. */
const NO_POINTS = new Float64Array(0);

/** A ring of points in one Float64Array, grown by doubling up to its capacity: no object per point. */
class PointBuffer {
  readonly capacity: number;
  #data = NO_POINTS;
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#size;
  }

  get allocatedPoints(): number {
    return this.#data.length / FIELDS;
  }

  push(timestamp: number, bytesIn: number, bytesOut: number, rateIn: number, rateOut: number): void {
    let slot: number;
    if (this.#size < this.capacity) {
      if (this.#size * FIELDS === this.#data.length) {
        const grown = new Float64Array(Math.min(this.capacity, Math.max(16, this.#size * 2)) * FIELDS);
        grown.set(this.#data);
        this.#data = grown;
      }
      slot = this.#size++;
    } else {
      slot = this.#start;
      this.#start = (this.#start + 1) % this.capacity;
    }
    const o = slot * FIELDS;
    this.#data[o] = timestamp;
    this.#data[o + 1] = bytesIn;
    this.#data[o + 2] = bytesOut;
    this.#data[o + 3] = rateIn;
    this.#data[o + 4] = rateOut;
  }

  /** Field `f` of the newest point (the buffer must not be empty). */
  newest(f: number): number {
    return this.#data[((this.#start + this.#size - 1) % this.capacity) * FIELDS + f] as number;
  }

  /**
   * Points with `timestamp >= from`, oldest first, with the idle buckets that were not stored put back: between
   * two stored points (and between the newest and `until`) every missing `step` is a point with rate 0 and the
   * counters of the point before it.
   */
  since(from: number, step: number, until: number, out: Point[]): void {
    const d = this.#data;
    let prev: Point | undefined;
    const fill = (upTo: number): void => {
      if (!prev) return;
      for (let ts = prev.timestamp + step; ts < upTo; ts += step)
        if (ts >= from) out.push({ ...prev, timestamp: ts, rateIn: 0, rateOut: 0 });
    };
    for (let i = 0; i < this.#size; i++) {
      const o = ((this.#start + i) % this.capacity) * FIELDS;
      const p: Point = {
        timestamp: d[o] as number,
        bytesIn: d[o + 1] as number,
        bytesOut: d[o + 2] as number,
        rateIn: d[o + 3] as number,
        rateOut: d[o + 4] as number,
      };
      fill(p.timestamp);
      if (p.timestamp >= from) out.push(p);
      prev = p;
    }
    fill(until);
  }
}

/** The bucket a tier is still filling (one object per tier, reused). */
interface OpenBucket {
  timestamp: number;
  n: number;
  sumIn: number;
  sumOut: number;
  bytesIn: number;
  bytesOut: number;
}

export interface Series {
  /** Records one sample (its timestamp is epoch ms). Samples older than the newest bucket are merged into it. */
  add(sample: Point): void;
  /** `add` without a Point object (the sampler calls this for every key every second). */
  record(timestamp: number, bytesIn: number, bytesOut: number, rateIn: number, rateOut: number): void;
  /** Points of the last `durationMs`, from the finest tier that covers it, regrouped when `intervalMs` is coarser. */
  query(durationMs: number, intervalMs: number): Point[];
  /** True when an idle sample at these counters would change nothing (it is skipped): the key can be left alone. */
  settled(bytesIn: number, bytesOut: number): boolean;
  /** Most points this series can ever hold (its memory bound is `capacity * BYTES_PER_POINT`). */
  readonly capacity: number;
  /** Points currently allocated. */
  readonly allocatedPoints: number;
}

/**
 * A closed bucket with no traffic and unchanged counters is not stored: queries put it back. An idle key (most of
 * the forwards of a large namespace) so costs a few points instead of filling its tiers, and it costs no copying.
 * A class, not a closure per method: a daemon of 10,000 forwards holds 20,000 series (a forward's and its service's),
 * and seven closures with their context and an accessor object each were ~0.9 KB a series (heap snapshot).
 */
class TieredSeries implements Series {
  readonly capacity: number;
  readonly #now: () => number;
  readonly #tiers: readonly Tier[];
  readonly #buffers: PointBuffer[];
  readonly #open: OpenBucket[];

  constructor(now: () => number, tiers: readonly Tier[]) {
    this.#now = now;
    this.#tiers = tiers;
    this.#buffers = tiers.map((t) => new PointBuffer(Math.ceil(t.retentionMs / t.stepMs)));
    this.#open = tiers.map(() => ({ timestamp: -1, n: 0, sumIn: 0, sumOut: 0, bytesIn: 0, bytesOut: 0 }));
    this.capacity = this.#buffers.reduce((n, b) => n + b.capacity, 0);
  }

  get allocatedPoints(): number {
    return this.#buffers.reduce((n, b) => n + b.allocatedPoints, 0);
  }

  #close(i: number, b: OpenBucket): void {
    const buffer = this.#buffers[i] as PointBuffer;
    const idle =
      b.sumIn === 0 &&
      b.sumOut === 0 &&
      buffer.size > 0 &&
      buffer.newest(1) === b.bytesIn &&
      buffer.newest(2) === b.bytesOut;
    if (!idle) buffer.push(b.timestamp, b.bytesIn, b.bytesOut, b.sumIn / b.n, b.sumOut / b.n);
  }

  /**
   * Would recording an idle sample (no rate, these counters) change nothing a query can see? True when every tier's
   * open bucket is idle at these counters: the sample would only count into it, or close it and open another idle
   * one, and an idle bucket closes into what the queries put back anyway (the one after a change of counters is
   * stored when the bucket finally closes, with the same timestamp). Such samples are skipped and `query` puts back
   * the idle buckets after the open one. The sampler records every key every second; 10,000 idle forwards cost ~10 %
   * of a core doing nothing else.
   */
  settled(bytesIn: number, bytesOut: number): boolean {
    for (const b of this.#open)
      if (b.n === 0 || b.sumIn !== 0 || b.sumOut !== 0 || b.bytesIn !== bytesIn || b.bytesOut !== bytesOut)
        return false;
    return true;
  }

  add(p: Point): void {
    this.record(p.timestamp, p.bytesIn, p.bytesOut, p.rateIn, p.rateOut);
  }

  record(timestamp: number, bytesIn: number, bytesOut: number, rateIn: number, rateOut: number): void {
    if (rateIn === 0 && rateOut === 0 && this.settled(bytesIn, bytesOut)) return;
    for (let i = 0; i < this.#tiers.length; i++) {
      const stepMs = (this.#tiers[i] as Tier).stepMs;
      const bucket = Math.floor(timestamp / stepMs) * stepMs;
      const b = this.#open[i] as OpenBucket;
      if (b.n > 0 && bucket <= b.timestamp) {
        b.n++;
        b.sumIn += rateIn;
        b.sumOut += rateOut;
        b.bytesIn = Math.max(b.bytesIn, bytesIn);
        b.bytesOut = Math.max(b.bytesOut, bytesOut);
        continue;
      }
      if (b.n > 0) this.#close(i, b);
      b.timestamp = bucket;
      b.n = 1;
      b.sumIn = rateIn;
      b.sumOut = rateOut;
      b.bytesIn = bytesIn;
      b.bytesOut = bytesOut;
    }
  }

  #pickTier(durationMs: number, intervalMs: number): number {
    // The coarsest tier not coarser than asked that still spans the duration; else the finest one that spans it.
    const tiers = this.#tiers;
    let pick = -1;
    tiers.forEach((t, i) => {
      if (t.retentionMs >= durationMs && t.stepMs <= Math.max(intervalMs, (tiers[0] as Tier).stepMs))
        pick = i;
    });
    if (pick === -1) pick = tiers.findIndex((t) => t.retentionMs >= durationMs);
    return pick === -1 ? tiers.length - 1 : pick;
  }

  query(durationMs: number, intervalMs: number): Point[] {
    const i = this.#pickTier(durationMs, intervalMs);
    const step = (this.#tiers[i] as Tier).stepMs;
    const now = this.#now();
    const from = now - durationMs;
    const points: Point[] = [];
    const b = this.#open[i] as OpenBucket;
    (this.#buffers[i] as PointBuffer).since(from, step, b.n > 0 ? b.timestamp : from, points);
    if (b.n > 0) {
      const last: Point = {
        timestamp: b.timestamp,
        bytesIn: b.bytesIn,
        bytesOut: b.bytesOut,
        rateIn: b.sumIn / b.n,
        rateOut: b.sumOut / b.n,
      };
      if (b.timestamp >= from) points.push(last);
      // An idle open bucket may be old: the idle samples after it were skipped (see `settled`). Its idle buckets up
      // to now are put back as the closed ones are.
      if (b.sumIn === 0 && b.sumOut === 0) {
        const current = Math.floor(now / step) * step;
        for (let ts = b.timestamp + step; ts <= current; ts += step)
          if (ts >= from) points.push({ ...last, timestamp: ts });
      }
    }
    return intervalMs > step ? regroup(points, intervalMs) : points;
  }
}

export function createSeries(options: { now?: () => number; tiers?: readonly Tier[] } = {}): Series {
  return new TieredSeries(options.now ?? Date.now, options.tiers ?? TIERS);
}

/** Regroups points into `intervalMs` buckets: rates averaged, counters from the last point. */
function regroup(points: Point[], intervalMs: number): Point[] {
  const out: Point[] = [];
  let n = 0;
  for (const p of points) {
    const bucket = Math.floor(p.timestamp / intervalMs) * intervalMs;
    const cur = out.at(-1);
    if (cur?.timestamp !== bucket) {
      out.push({ ...p, timestamp: bucket });
      n = 1;
      continue;
    }
    n++;
    cur.rateIn += (p.rateIn - cur.rateIn) / n;
    cur.rateOut += (p.rateOut - cur.rateOut) / n;
    cur.bytesIn = p.bytesIn;
    cur.bytesOut = p.bytesOut;
  }
  return out;
}
