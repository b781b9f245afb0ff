import { describe, expect, it } from 'vitest';
import { BYTES_PER_POINT, createSeries, type Point } from '../../../src/metrics/series.ts';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Feeds one sample a second for `ms` from `start`, at `rate(t)` bytes/s, with a clock the series reads. */
function simulate(
  ms: number,
  rate: (t: number) => number,
  start = 1_700_000_000_000 - (1_700_000_000_000 % MIN),
) {
  let t = start;
  let bytes = 0;
  const series = createSeries({ now: () => t });
  for (; t < start + ms; t += S) {
    const r = rate(t - start);
    bytes += r;
    series.add({ timestamp: t, bytesIn: bytes, bytesOut: 0, rateIn: r, rateOut: 0 });
  }
  t -= S;
  return { series, start, end: t };
}

const steps = (points: Point[]) =>
  new Set(points.slice(1).map((p, i) => p.timestamp - (points[i] as Point).timestamp));

describe('tiered series', () => {
  it('keeps a known, exact bound per key however long it runs (simulated 25 h)', () => {
    const { series } = simulate(25 * HOUR, () => 1000);
    expect(series.capacity).toBe(300 + 360 + 1440);
    expect(series.allocatedPoints).toBe(series.capacity);
    expect(series.capacity * BYTES_PER_POINT).toBe(84_000);
  });

  it('allocates little for a short-lived key', () => {
    const { series } = simulate(30 * S, () => 1);
    expect(series.allocatedPoints).toBeLessThanOrEqual(16 * 3);
  });

  it('stores almost nothing for an idle key yet answers every step, idle buckets as rate 0', () => {
    // 100 B/s for the first 10 s, then idle for 25 h, then 500 B/s for the last 5 s.
    const total = 25 * HOUR;
    const { series, end } = simulate(total, (t) => (t < 10 * S ? 100 : t >= total - 5 * S ? 500 : 0));
    expect(series.allocatedPoints).toBeLessThanOrEqual(16 * 3);
    const fiveMin = series.query(5 * MIN, S);
    expect(fiveMin.length).toBeGreaterThanOrEqual(300);
    expect(steps(fiveMin)).toEqual(new Set([S]));
    expect(fiveMin.at(-1)?.timestamp).toBe(end);
    expect(fiveMin.slice(0, -5).every((p) => p.rateIn === 0 && p.bytesIn === 1000)).toBe(true);
    expect(fiveMin.slice(-5).map((p) => p.rateIn)).toEqual([500, 500, 500, 500, 500]);
    expect(fiveMin.at(-1)?.bytesIn).toBe(1000 + 5 * 500);
    const day = series.query(DAY, MIN);
    expect(day.length).toBeGreaterThanOrEqual(1440);
    expect(steps(day)).toEqual(new Set([MIN]));
    expect(day.slice(0, -1).every((p) => p.rateIn === 0 && p.bytesIn === 1000)).toBe(true);
  });

  it('skips idle samples without changing an answer: coarse buckets keep their exact mean, idle ones run to now', () => {
    // 100 B/s for 5 s, then idle for 3 min: from then on the samples are skipped (nothing moves).
    const { series, start, end } = simulate(5 * S + 3 * MIN, (t) => (t < 5 * S ? 100 : 0));
    expect(series.settled(500, 0)).toBe(true);
    expect(series.settled(501, 0)).toBe(false);
    const tens = series.query(5 * MIN, 10 * S);
    expect(tens[0]?.timestamp).toBeLessThanOrEqual(start);
    const first = tens.find((p) => p.timestamp === start);
    // Ten samples in the first 10 s bucket: five of 100, five of 0.
    expect(first).toMatchObject({ rateIn: 50, bytesIn: 500 });
    expect(tens.filter((p) => p.timestamp > start).every((p) => p.rateIn === 0 && p.bytesIn === 500)).toBe(
      true,
    );
    expect(tens.at(-1)?.timestamp).toBe(end - (end % (10 * S)));
    const minutes = series.query(HOUR, MIN);
    // Sixty samples in the first minute: five of 100.
    expect(minutes.find((p) => p.timestamp === start)?.rateIn).toBeCloseTo(500 / 60, 9);
    expect(minutes.at(-1)?.timestamp).toBe(end - (end % MIN));
  });

  it('answers each duration from the tier that covers it, at its step', () => {
    const { series, end } = simulate(DAY + HOUR, () => 1000);
    const fiveMin = series.query(5 * MIN, S);
    expect(fiveMin.length).toBeGreaterThanOrEqual(300);
    expect(fiveMin.length).toBeLessThanOrEqual(301);
    expect(steps(fiveMin)).toEqual(new Set([S]));
    expect(fiveMin.at(-1)?.timestamp).toBe(end);

    const hour = series.query(HOUR, 10 * S);
    expect(hour.length).toBeGreaterThanOrEqual(360);
    expect(hour.length).toBeLessThanOrEqual(361);
    expect(steps(hour)).toEqual(new Set([10 * S]));

    const day = series.query(DAY, MIN);
    expect(day.length).toBeGreaterThanOrEqual(1440);
    expect(day.length).toBeLessThanOrEqual(1441);
    expect(steps(day)).toEqual(new Set([MIN]));
    expect(day[0]?.timestamp).toBeGreaterThanOrEqual(end - DAY);

    // Finer than any tier spanning the duration can be: the coarser tier's step.
    expect(steps(series.query(2 * HOUR, S))).toEqual(new Set([MIN]));
    // Coarser than the tier: regrouped.
    const hourByMinute = series.query(HOUR, MIN);
    expect(hourByMinute.length).toBeGreaterThanOrEqual(60);
    expect(hourByMinute.length).toBeLessThanOrEqual(61);
    expect(steps(hourByMinute)).toEqual(new Set([MIN]));
    for (const p of [...fiveMin, ...hour, ...day, ...hourByMinute]) expect(p.rateIn).toBeCloseTo(1000, 6);
  });

  it('averages rates when downsampling and keeps cumulative counters', () => {
    // 6,000 B/s during the first 10 s of every hour's 30th minute, 1,000 B/s otherwise.
    const burst = (t: number): number => (t % HOUR >= 30 * MIN && t % HOUR < 30 * MIN + 10 * S ? 6000 : 1000);
    const { series, start } = simulate(DAY, burst);
    const day = series.query(DAY, MIN);
    const minute = day.find((p) => (p.timestamp - start) % HOUR === 30 * MIN);
    expect(minute?.rateIn).toBeCloseTo((6000 * 10 + 1000 * 50) / 60, 6);
    const tenS = series.query(HOUR, 10 * S).find((p) => (p.timestamp - start) % HOUR === 30 * MIN);
    expect(tenS?.rateIn).toBeCloseTo(6000, 6);
    const bytes = day.map((p) => p.bytesIn);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    const last = day.at(-1) as Point;
    expect(last.bytesIn).toBe((DAY / S) * 1000 + 24 * 10 * 5000);
  });

  it('ends queries at the injected now and leaves out what is older than the duration', () => {
    let t = 0;
    const series = createSeries({ now: () => t });
    for (; t <= 20 * S; t += S) series.add({ timestamp: t, bytesIn: t, bytesOut: 0, rateIn: 1, rateOut: 0 });
    t = 30 * S;
    expect(series.query(15 * S, S).map((p) => p.timestamp)).toEqual(
      [15, 16, 17, 18, 19, 20].map((x) => x * S),
    );
    t = 10 * MIN;
    expect(series.query(5 * MIN, S)).toEqual([]);
  });
});
