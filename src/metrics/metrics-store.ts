import { KubefwdError } from '../errors.ts';
import { TieredSeries, type Point } from './series.ts';

export interface CounterSample {
  key: string;
  serviceKey: string;
  bytesIn: number;
  bytesOut: number;
}

export interface Rate {
  bytesIn: number;
  bytesOut: number;
  rateIn: number;
  rateOut: number;
}

interface Tracked {
  series: TieredSeries;
  last: Rate;
  lastSeen: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `30s`, `5m`, `1h`, `24h` into milliseconds; anything else is a BAD_REQUEST. */
export function parseSpan(text: string, what: string, maxMs = 86_400_000): number {
  const m = /^(\d{1,6})(ms|s|m|h|d)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (UNITS[m[2] as string] ?? 0) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > maxMs)
    throw new KubefwdError('BAD_REQUEST', `invalid ${what} "${text}": use e.g. 30s, 5m, 1h (at most 24h)`);
  return ms;
}

/**
 * Samples the forwarders' cumulative byte counters once a second (no per-chunk work) into rates and tiered series
 * per forward, per service and in total. Keys that disappear are forgotten after `forgetAfterMs`.
 */
export function createMetricsStore(options: {
  read: () => Iterable<CounterSample>;
  now?: () => number;
  sampleIntervalMs?: number;
  forgetAfterMs?: number;
}) {
  const now = options.now ?? Date.now;
  const interval = options.sampleIntervalMs ?? 1000;
  const forgetAfter = options.forgetAfterMs ?? 10 * 60_000;
  const forwards = new Map<string, Tracked>();
  const services = new Map<string, Tracked>();
  const total: Tracked = {
    series: new TieredSeries(),
    last: { bytesIn: 0, bytesOut: 0, rateIn: 0, rateOut: 0 },
    lastSeen: 0,
  };
  let lastSampleAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Bytes of forwards that went away stay in the totals.
  let retiredIn = 0;
  let retiredOut = 0;

  function track(
    map: Map<string, Tracked>,
    key: string,
    bytesIn: number,
    bytesOut: number,
    t: number,
    dt: number,
  ): void {
    let e = map.get(key);
    if (!e) {
      e = { series: new TieredSeries(), last: { bytesIn, bytesOut, rateIn: 0, rateOut: 0 }, lastSeen: t };
      map.set(key, e);
    }
    const rateIn = dt > 0 ? Math.max(0, (bytesIn - e.last.bytesIn) / dt) : 0;
    const rateOut = dt > 0 ? Math.max(0, (bytesOut - e.last.bytesOut) / dt) : 0;
    e.last = { bytesIn, bytesOut, rateIn, rateOut };
    e.lastSeen = t;
    e.series.add({ timestamp: t, bytesIn, bytesOut, rateIn, rateOut });
  }

  function sample(): void {
    const t = now();
    const dt = lastSampleAt === undefined ? 0 : (t - lastSampleAt) / 1000;
    lastSampleAt = t;
    const perService = new Map<string, { bytesIn: number; bytesOut: number }>();
    const seen = new Set<string>();
    for (const s of options.read()) {
      seen.add(s.key);
      track(forwards, s.key, s.bytesIn, s.bytesOut, t, dt);
      const agg = perService.get(s.serviceKey) ?? { bytesIn: 0, bytesOut: 0 };
      agg.bytesIn += s.bytesIn;
      agg.bytesOut += s.bytesOut;
      perService.set(s.serviceKey, agg);
    }
    for (const [key, e] of forwards) {
      if (seen.has(key)) continue;
      if (e.last.rateIn !== 0 || e.last.rateOut !== 0) e.last = { ...e.last, rateIn: 0, rateOut: 0 };
      if (t - e.lastSeen > forgetAfter) {
        retiredIn += e.last.bytesIn;
        retiredOut += e.last.bytesOut;
        forwards.delete(key);
      }
    }
    for (const [key, agg] of perService) track(services, key, agg.bytesIn, agg.bytesOut, t, dt);
    for (const [key, e] of services)
      if (!perService.has(key) && t - e.lastSeen > forgetAfter) services.delete(key);
    let bytesIn = retiredIn;
    let bytesOut = retiredOut;
    for (const e of forwards.values()) {
      bytesIn += e.last.bytesIn;
      bytesOut += e.last.bytesOut;
    }
    total.series.add({
      timestamp: t,
      bytesIn,
      bytesOut,
      rateIn: dt > 0 ? Math.max(0, (bytesIn - total.last.bytesIn) / dt) : 0,
      rateOut: dt > 0 ? Math.max(0, (bytesOut - total.last.bytesOut) / dt) : 0,
    });
    total.last = {
      bytesIn,
      bytesOut,
      rateIn: total.series.query(2000, 1000, t).at(-1)?.rateIn ?? 0,
      rateOut: total.series.query(2000, 1000, t).at(-1)?.rateOut ?? 0,
    };
  }

  return {
    start(): void {
      if (timer) return;
      sample();
      timer = setInterval(sample, interval);
      timer.unref();
    },
    close(): void {
      clearInterval(timer);
      timer = undefined;
    },
    sample,
    total: (): Rate => total.last,
    forward: (key: string): Rate | undefined => forwards.get(key)?.last,
    service: (key: string): Rate | undefined => services.get(key)?.last,
    /** `key` undefined = all traffic; throws NOT_FOUND for a key never seen. */
    history(key: string | undefined, durationMs: number, intervalMs: number): Point[] {
      const e = key === undefined ? total : (services.get(key) ?? forwards.get(key));
      if (!e) throw new KubefwdError('NOT_FOUND', `no metrics for ${key ?? ''}`);
      return e.series.query(durationMs, intervalMs, now());
    },
    get seriesCount(): number {
      return forwards.size + services.size + 1;
    },
    get lastSampleAt(): number | undefined {
      return lastSampleAt;
    },
  };
}

export type MetricsStore = ReturnType<typeof createMetricsStore>;
