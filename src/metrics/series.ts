import { Ring } from './ring.ts';

export interface Point {
  timestamp: number;
  /** Cumulative counters at the end of the bucket. */
  bytesIn: number;
  bytesOut: number;
  /** Bytes per second over the bucket. */
  rateIn: number;
  rateOut: number;
}

/** Tiers: 1 s samples for 5 min, 10 s for 1 h, 1 min for 24 h: 300 + 360 + 1440 points per key at most. */
export const TIERS = [
  { stepMs: 1_000, keep: 300 },
  { stepMs: 10_000, keep: 360 },
  { stepMs: 60_000, keep: 1_440 },
] as const;

/** One key's history, downsampled as time passes; memory is bounded by the tiers' capacities. */
export class TieredSeries {
  #tiers = TIERS.map((t) => new Ring<Point>(t.keep));
  #pending: Array<Point | undefined> = TIERS.map(() => undefined);

  get capacity(): number {
    return TIERS.reduce((n, t) => n + t.keep, 0);
  }

  add(p: Point): void {
    (this.#tiers[0] as Ring<Point>).push(p);
    for (let i = 1; i < TIERS.length; i++) {
      const step = (TIERS[i] as { stepMs: number }).stepMs;
      const bucket = Math.floor(p.timestamp / step) * step;
      const pending = this.#pending[i];
      if (pending && pending.timestamp !== bucket) {
        (this.#tiers[i] as Ring<Point>).push(pending);
        this.#pending[i] = undefined;
      }
      const cur = this.#pending[i];
      if (!cur)
        this.#pending[i] = { ...p, timestamp: bucket, rateIn: p.rateIn, rateOut: p.rateOut, _n: 1 } as Point;
      else {
        const n = ((cur as Point & { _n: number })._n ?? 1) + 1;
        this.#pending[i] = {
          timestamp: bucket,
          bytesIn: p.bytesIn,
          bytesOut: p.bytesOut,
          rateIn: cur.rateIn + (p.rateIn - cur.rateIn) / n,
          rateOut: cur.rateOut + (p.rateOut - cur.rateOut) / n,
          _n: n,
        } as Point;
      }
    }
  }

  /** Points covering the last `durationMs`, at `intervalMs` or the nearest coarser tier that still has the span. */
  query(durationMs: number, intervalMs: number, now: number): Point[] {
    let tier = TIERS.findIndex((t) => t.stepMs >= intervalMs && t.stepMs * t.keep >= durationMs);
    if (tier === -1) tier = TIERS.length - 1;
    const step = (TIERS[tier] as { stepMs: number }).stepMs;
    const points = (this.#tiers[tier] as Ring<Point>).toArray();
    const pending = this.#pending[tier];
    if (pending) points.push(pending);
    const from = now - durationMs;
    const picked = points
      .filter((p) => p.timestamp >= from)
      .map(({ timestamp, bytesIn, bytesOut, rateIn, rateOut }) => ({
        timestamp,
        bytesIn,
        bytesOut,
        rateIn,
        rateOut,
      }));
    if (intervalMs <= step) return picked;
    // Coarser than the tier: average rates per requested interval.
    const out = new Map<number, Point & { n: number }>();
    for (const p of picked) {
      const b = Math.floor(p.timestamp / intervalMs) * intervalMs;
      const cur = out.get(b);
      if (!cur) out.set(b, { ...p, timestamp: b, n: 1 });
      else {
        cur.n++;
        cur.bytesIn = p.bytesIn;
        cur.bytesOut = p.bytesOut;
        cur.rateIn += (p.rateIn - cur.rateIn) / cur.n;
        cur.rateOut += (p.rateOut - cur.rateOut) / cur.n;
      }
    }
    return [...out.values()].map(({ n: _n, ...p }) => p);
  }
}
