import { KubefwdError } from '../errors.ts';
import { counterDelta, serviceOf, type CounterReading, type LegacyCounterReading } from './counters.ts';
import { createSeries, type Point, type Series } from './series.ts';
import { DAY, spanOf } from './spans.ts';

export { parseSpan } from './spans.ts';

export type { CounterReading } from './counters.ts';
export type { Point } from './series.ts';

export interface Rates {
  /** Monotonic totals since the store first saw the key (forward restarts do not lower them). */
  bytesIn: number;
  bytesOut: number;
  /** Bytes per second over the last sample interval. */
  rateIn: number;
  rateOut: number;
  /** Bytes per second averaged over the last 10 s. */
  avgRateIn: number;
  avgRateOut: number;
  connections: number;
}

export interface ForwardMetrics extends Rates {
  key: string;
  service: string;
}

export interface ServiceMetrics extends Rates {
  key: string;
  /** Forwards of the service in the last sample. */
  forwards: number;
}

export interface MetricsSummary extends Rates {
  forwards: number;
  services: number;
  /** Keys with history held (forwards, services and the global one). */
  series: number;
  lastSampleAt: number | undefined;
}

export interface HistoryQuery {
  /** `30s`, `5m`, `1h`, `24h`, or milliseconds. Defaults to 5 minutes. */
  duration?: string | number | undefined;
  /** Same forms; defaults to 1 second. */
  interval?: string | number | undefined;
}

/** Called once per forward per sample with its cumulative counters. */
export type ReadingVisitor = (
  key: string,
  service: string,
  bytesIn: number,
  bytesOut: number,
  connections?: number,
) => void;

export interface MetricsStoreOptions {
  /** The forwards' counters as objects (simple; tests use it). */
  read?: () => Iterable<CounterReading | LegacyCounterReading>;
  /** The same handed to a visitor, which allocates nothing per forward: what a daemon with 1,000 forwards uses. */
  visit?: (visitor: ReadingVisitor) => void;
  /**
   * Visits only the forwards that may have changed since the last sample (a connection arrived, is open or closed).
   * With it, `visit` runs every `fullEvery` samples only: the others read the active forwards, and keys whose
   * history still moves, so 10,000 idle forwards cost nothing between full passes. Forwards not visited are taken
   * as unchanged, not gone.
   */
  visitActive?: (visitor: ReadingVisitor) => void;
  /** With `visitActive`: every how many samples all forwards are visited (default 30). */
  fullEvery?: number;
  /**
   * `visit` a slice at a time (in its place when both are given): visits about `budget` forwards from where the
   * last call stopped, true once every forward was visited (the next call starts over). With it, a full pass runs
   * over turns of the event loop, so that API requests are not held behind it (10,000 forwards in one go took 28 ms
   * under page requests, more on a busy machine); a sample due meanwhile is skipped, and the next one measures over
   * the longer interval.
   */
  visitSome?: (visitor: ReadingVisitor, budget: number) => boolean;
  /** The budget of each slice of a full pass with `visitSome` (default 500). */
  sliceSize?: number;
  /** Runs the next slice (default setImmediate). */
  defer?: (fn: () => void) => void;
  now?: () => number;
  sampleIntervalMs?: number;
  /** How long a key that stopped appearing keeps its history (a forward redialled meanwhile continues it). */
  forgetAfterMs?: number;
}

interface Tracked {
  series: Series;
  bytesIn: number;
  bytesOut: number;
  rateIn: number;
  rateOut: number;
  connections: number;
  lastSeen: number;
  /** Forwards: their service key; services: their forward count. */
  service: string;
  forwards: number;
  /** The sample that last saw the key, and (forwards) its raw counters then, to take deltas from. */
  epoch: number;
  rawIn: number;
  rawOut: number;
  /** Services: what this sample's forwards added up to so far. */
  addIn: number;
  addOut: number;
  addConnections: number;
  /** Seen by the last full pass or a visit since: counters continue from `raw*` (forwards). */
  present: boolean;
}

/**
 * Samples the forwarders' cumulative counters every `sampleIntervalMs` (no per-chunk work on the data path) into
 * rates and tiered series per forward, per service and in total.
 */
export function createMetricsStore(options: MetricsStoreOptions) {
  const now = options.now ?? Date.now;
  const interval = options.sampleIntervalMs ?? 1000;
  const forgetAfter = options.forgetAfterMs ?? 5 * 60_000;
  const forwards = new Map<string, Tracked>();
  const services = new Map<string, Tracked>();
  const track = (service = ''): Tracked => ({
    series: createSeries({ now }),
    bytesIn: 0,
    bytesOut: 0,
    rateIn: 0,
    rateOut: 0,
    connections: 0,
    lastSeen: now(),
    service,
    forwards: 0,
    epoch: -1,
    rawIn: 0,
    rawOut: 0,
    addIn: 0,
    addOut: 0,
    addConnections: 0,
    present: false,
  });
  const total = track();
  const fullEvery = options.fullEvery ?? 30;
  /** Keys whose series still moves (recent traffic, or new): updated every sample, visited or not. */
  const unsettled = new Set<Tracked>();
  let epoch = 0;
  let lastSampleAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  /** A sliced full pass is under way. */
  let passing = false;
  const sliceSize = options.sliceSize ?? 500;
  const defer = options.defer ?? ((fn: () => void) => void setImmediate(fn));

  function update(e: Tracked, dIn: number, dOut: number, connections: number, t: number, dt: number): void {
    e.bytesIn += dIn;
    e.bytesOut += dOut;
    e.rateIn = dt > 0 ? dIn / dt : 0;
    e.rateOut = dt > 0 ? dOut / dt : 0;
    e.connections = connections;
    e.series.record(t, e.bytesIn, e.bytesOut, e.rateIn, e.rateOut);
  }

  /** Updates `e` and notes whether its series still moves (then later samples update it even when not visited). */
  function step(e: Tracked, dIn: number, dOut: number, connections: number, t: number, dt: number): void {
    update(e, dIn, dOut, connections, t, dt);
    if (connections === 0 && e.series.settled(e.bytesIn, e.bytesOut)) unsettled.delete(e);
    else unsettled.add(e);
  }

  /** One sample's state while its forwards are visited. */
  interface Pass {
    t: number;
    dt: number;
    full: boolean;
    seen: number;
    all: { bytesIn: number; bytesOut: number; connections: number };
    touched: Tracked[];
    visitor: ReadingVisitor;
  }

  function begin(): Pass {
    const t = now();
    const dt = lastSampleAt === undefined ? 0 : Math.max(0, t - lastSampleAt) / 1000;
    lastSampleAt = t;
    epoch++;
    const full = !options.visitActive || epoch % fullEvery === 1 || fullEvery <= 1;
    const p: Pass = {
      t,
      dt,
      full,
      seen: 0,
      all: { bytesIn: 0, bytesOut: 0, connections: 0 },
      touched: [],
      visitor: () => undefined,
    };
    // Per forward: a delta from its last raw counters (all of them when it is new or was missing last time; all of
    // the new value when they went down, a rebuilt forward), added to its service's and the global total.
    p.visitor = (key, service, rawIn, rawOut, connections = 0) => {
      let f = forwards.get(key);
      if (!f) forwards.set(key, (f = track(service)));
      if (f.epoch === epoch) return;
      const continued = f.present;
      const dIn = continued ? counterDelta(rawIn, f.rawIn) : rawIn;
      const dOut = continued ? counterDelta(rawOut, f.rawOut) : rawOut;
      f.epoch = epoch;
      f.present = true;
      f.rawIn = rawIn;
      f.rawOut = rawOut;
      f.service = service;
      f.lastSeen = t;
      p.seen++;
      step(f, dIn, dOut, connections, t, dt);
      let s = services.get(service);
      if (!s) services.set(service, (s = track()));
      if (s.epoch !== epoch) {
        s.epoch = epoch;
        if (full) s.forwards = 0;
        s.addIn = s.addOut = s.addConnections = 0;
        p.touched.push(s);
      }
      if (full) s.forwards++;
      s.addIn += dIn;
      s.addOut += dOut;
      s.addConnections += connections;
      p.all.bytesIn += dIn;
      p.all.bytesOut += dOut;
      p.all.connections += connections;
    };
    return p;
  }

  function finish(p: Pass): void {
    const { t, dt } = p;
    for (const s of p.touched) {
      s.lastSeen = t;
      step(s, s.addIn, s.addOut, s.addConnections, t, dt);
    }
    if (p.full) {
      // Keys that went away keep a flat line until they are forgotten, so a short outage shows as zero, not a gap.
      // forEach rather than for-of: no [key, value] array per entry.
      forwards.forEach((f, key) => {
        if (f.epoch === epoch) return;
        f.present = false;
        if (t - f.lastSeen > forgetAfter) {
          forwards.delete(key);
          unsettled.delete(f);
        } else step(f, 0, 0, 0, t, dt);
      });
      services.forEach((s, key) => {
        if (s.epoch === epoch) return;
        s.forwards = 0;
        if (t - s.lastSeen > forgetAfter) {
          services.delete(key);
          unsettled.delete(s);
        } else step(s, 0, 0, 0, t, dt);
      });
      total.forwards = p.seen;
    } else {
      // Between full passes only the keys whose history still moves are written: the others are settled.
      for (const e of [...unsettled]) if (e.epoch !== epoch) step(e, 0, 0, 0, t, dt);
    }
    update(total, p.all.bytesIn, p.all.bytesOut, p.all.connections, t, dt);
  }

  /** A full pass with visitSome: a slice now, the rest on later turns, finished by the last slice. */
  function sliced(p: Pass, visitSome: NonNullable<MetricsStoreOptions['visitSome']>): void {
    passing = true;
    const slice = (): void => {
      if (closed) return;
      try {
        if (!visitSome(p.visitor, sliceSize)) return defer(slice);
        finish(p);
      } catch {
        // As in safeSample: this sample is lost; the next one measures over the longer interval.
      }
      passing = false;
    };
    slice();
  }

  /**
   * Takes one sample now (the timer calls this; tests drive it with their own clock). With `visitSome`, a full pass
   * ends on a later turn; a sample asked for before it did is skipped.
   */
  function sample(): void {
    if (passing) return;
    const p = begin();
    if (p.full && options.visitSome) return sliced(p, options.visitSome);
    if (options.visit && p.full) options.visit(p.visitor);
    else if (options.visitActive) options.visitActive(p.visitor);
    else
      for (const r of options.read?.() ?? [])
        p.visitor(r.key, serviceOf(r), r.bytesIn, r.bytesOut, r.connections ?? 0);
    finish(p);
  }

  function safeSample(): void {
    try {
      sample();
    } catch {
      // A failing read skips one sample; the next one measures over the longer interval.
    }
  }

  function rates(e: Tracked): Rates {
    const since = now() - 10_000;
    const recent = e.series.query(10_000, 1000).filter((p) => p.timestamp > since);
    const avg = (f: (p: Point) => number): number =>
      recent.length === 0 ? 0 : recent.reduce((n, p) => n + f(p), 0) / recent.length;
    return {
      bytesIn: e.bytesIn,
      bytesOut: e.bytesOut,
      rateIn: e.rateIn,
      rateOut: e.rateOut,
      avgRateIn: avg((p) => p.rateIn),
      avgRateOut: avg((p) => p.rateOut),
      connections: e.connections,
    };
  }

  function history(key: string | undefined, query: HistoryQuery | number = {}, intervalMs?: number): Point[] {
    // The numeric form (key, durationMs, intervalMs) is what the daemon's views call.
    const q: HistoryQuery = typeof query === 'number' ? { duration: query, interval: intervalMs } : query;
    const duration = spanOf(q.duration, 5 * 60_000, 'duration', DAY);
    const step = spanOf(q.interval, 1000, 'interval', duration);
    const e = key === undefined ? total : (services.get(key) ?? forwards.get(key));
    if (!e) throw new KubefwdError('NOT_FOUND', `no metrics for ${key ?? ''}`);
    return e.series.query(duration, step);
  }

  return {
    /** Takes a first sample and samples on an unref'd timer from then on; idempotent. */
    start(): Promise<void> {
      if (!timer && !closed) {
        safeSample();
        timer = setInterval(safeSample, interval);
        timer.unref();
      }
      return Promise.resolve();
    },
    /** Stops sampling for good (history stays readable); idempotent. */
    close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      timer = undefined;
      return Promise.resolve();
    },
    sample,
    summary: (): MetricsSummary => ({
      ...rates(total),
      forwards: total.forwards,
      services: [...services.values()].filter((s) => s.forwards > 0).length,
      series: forwards.size + services.size + 1,
      lastSampleAt,
    }),
    /** Rates of all traffic (the summary without its counts). */
    total: (): Rates => rates(total),
    forward(key: string): ForwardMetrics | undefined {
      const f = forwards.get(key);
      return f && { key, service: f.service, ...rates(f) };
    },
    service(key: string): ServiceMetrics | undefined {
      const s = services.get(key);
      return s && { key, forwards: s.forwards, ...rates(s) };
    },
    /**
     * The last sample's rates of a forward or (`serviceRate`) a service, without the 10-second averages `forward`
     * and `service` query the series for: what a list of 10,000 services can afford per item.
     */
    forwardRate: (key: string): Readonly<Pick<Rates, 'rateIn' | 'rateOut'>> | undefined => forwards.get(key),
    serviceRate: (key: string): Readonly<Pick<Rates, 'rateIn' | 'rateOut'>> | undefined => services.get(key),
    /** `key` is a service or forward key, undefined for all traffic; NOT_FOUND for a key not (or no longer) known. */
    history,
    get lastSampleAt(): number | undefined {
      return lastSampleAt;
    },
  };
}

export type MetricsStore = ReturnType<typeof createMetricsStore>;
