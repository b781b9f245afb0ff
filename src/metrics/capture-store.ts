import { createHttpSniffer, type HttpExchange, type HttpSniffer } from './http-sniffer.ts';
import { Ring } from './ring.ts';

export interface CapturedExchange extends HttpExchange {
  forwardKey: string;
  serviceKey: string;
  /** The pod that served the exchange. */
  pod: string | undefined;
}

export interface CaptureStoreOptions {
  /** Exchanges kept per forward. */
  perForward?: number;
  /**
   * Forwards with captures kept at most; the least recently active is dropped past it. Forward keys name pods, so
   * without this bound pod churn would grow the store forever.
   */
  maxForwards?: number;
  now?: () => number;
}

/** The last N HTTP exchanges per forward, fed by sniffers tapped onto the forwarded connections. */
export function createCaptureStore(options: CaptureStoreOptions = {}) {
  const per = options.perForward ?? 100;
  const maxForwards = options.maxForwards ?? 256;
  // Map order is recency order: a forward that records moves to the end.
  const rings = new Map<string, { serviceKey: string; ring: Ring<CapturedExchange> }>();

  function record(forwardKey: string, serviceKey: string, pod: string | undefined, ex: HttpExchange): void {
    let entry = rings.get(forwardKey);
    if (entry) rings.delete(forwardKey);
    else entry = { serviceKey, ring: new Ring<CapturedExchange>(per) };
    rings.set(forwardKey, entry);
    entry.ring.push({ ...ex, forwardKey, serviceKey, pod });
    if (rings.size > maxForwards) {
      const oldest = rings.keys().next().value;
      if (oldest !== undefined) rings.delete(oldest);
    }
  }

  return {
    /** A sniffer for one connection of `forwardKey`; feed it copies of the bytes, call `end()` when it closes. */
    tap(forwardKey: string, serviceKey: string, pod?: string): HttpSniffer {
      return createHttpSniffer({
        now: options.now,
        onExchange: (ex) => record(forwardKey, serviceKey, pod, ex),
      });
    },
    record,
    /** The newest `count` exchanges of a forward, oldest first. */
    list(forwardKey: string, count: number): CapturedExchange[] {
      return rings.get(forwardKey)?.ring.last(count) ?? [];
    },
    /** The newest `count` exchanges across a service's forwards, oldest first. */
    listByService(serviceKey: string, count: number): CapturedExchange[] {
      const all: CapturedExchange[] = [];
      for (const e of rings.values()) if (e.serviceKey === serviceKey) all.push(...e.ring.last(count));
      // ISO timestamps of the same era sort chronologically as strings; the sort is stable for ties.
      all.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
      return all.slice(Math.max(0, all.length - count));
    },
    forwardKeys(serviceKey: string): string[] {
      return [...rings].filter(([, e]) => e.serviceKey === serviceKey).map(([k]) => k);
    },
    /** Drops a forward's captures (its forward is gone for good). */
    forget(forwardKey: string): void {
      rings.delete(forwardKey);
    },
    get size(): number {
      return rings.size;
    },
  };
}

export type CaptureStore = ReturnType<typeof createCaptureStore>;
