import { detailSize } from './capture-detail.ts';
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
  /** Payload bytes kept per message for services that opted in to headers and bodies. */
  maxBodyBytes?: number;
  /**
   * Bytes of headers and bodies kept across all services; past it the oldest exchanges lose theirs (the exchange
   * itself stays), so opting in can never grow memory beyond this.
   */
  detailBudgetBytes?: number;
  now?: () => number;
}

/** The last N HTTP exchanges per forward, fed by sniffers tapped onto the forwarded connections. */
export function createCaptureStore(options: CaptureStoreOptions = {}) {
  const per = options.perForward ?? 100;
  const maxForwards = options.maxForwards ?? 256;
  // Map order is recency order: a forward that records moves to the end.
  const rings = new Map<string, { serviceKey: string; ring: Ring<CapturedExchange> }>();
  const detailed = new Set<string>();
  const detailOptions = { maxBodyBytes: options.maxBodyBytes ?? 4096 };
  const budget = options.detailBudgetBytes ?? 16 * 1024 * 1024;
  // Exchanges holding detail, oldest first, with what each holds.
  const holding: Array<{ exchange: CapturedExchange; bytes: number }> = [];
  let held = 0;

  function keepDetail(exchange: CapturedExchange): void {
    const bytes = detailSize(exchange.request) + detailSize(exchange.response);
    if (bytes === 0) return;
    holding.push({ exchange, bytes });
    held += bytes;
    while (held > budget && holding.length > 0) {
      const oldest = holding.shift();
      if (!oldest) break;
      held -= oldest.bytes;
      delete oldest.exchange.request;
      delete oldest.exchange.response;
    }
  }

  function dropDetail(match: (e: CapturedExchange) => boolean): void {
    for (let i = holding.length - 1; i >= 0; i--) {
      const h = holding[i];
      if (h && match(h.exchange)) {
        held -= h.bytes;
        holding.splice(i, 1);
      }
    }
  }

  function record(forwardKey: string, serviceKey: string, pod: string | undefined, ex: HttpExchange): void {
    let entry = rings.get(forwardKey);
    if (entry) rings.delete(forwardKey);
    else entry = { serviceKey, ring: new Ring<CapturedExchange>(per) };
    rings.set(forwardKey, entry);
    const captured: CapturedExchange = { ...ex, forwardKey, serviceKey, pod };
    entry.ring.push(captured);
    keepDetail(captured);
    if (rings.size > maxForwards) {
      const oldest = rings.keys().next().value;
      if (oldest !== undefined) forget(oldest);
    }
  }

  function forget(forwardKey: string): void {
    if (rings.delete(forwardKey)) dropDetail((e) => e.forwardKey === forwardKey);
  }

  return {
    /** A sniffer for one connection of `forwardKey`; feed it copies of the bytes, call `end()` when it closes. */
    tap(forwardKey: string, serviceKey: string, pod?: string): HttpSniffer {
      return createHttpSniffer({
        now: options.now,
        onExchange: (ex) => record(forwardKey, serviceKey, pod, ex),
        detail: () => (detailed.has(serviceKey) ? detailOptions : undefined),
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
    forget,
    /** Keeps headers and first body bytes of a service's exchanges from its next request on (or stops). */
    setDetail(serviceKey: string, on: boolean): void {
      if (on) detailed.add(serviceKey);
      else detailed.delete(serviceKey);
    },
    detail: (serviceKey: string): boolean => detailed.has(serviceKey),
    /** Drops every capture of a service; returns how many exchanges went. */
    purge(serviceKey: string): number {
      let n = 0;
      for (const key of [...rings.keys()]) {
        const entry = rings.get(key);
        if (entry?.serviceKey !== serviceKey) continue;
        n += entry.ring.size;
        forget(key);
      }
      return n;
    },
    /** Bytes of headers and bodies held now. */
    get detailBytes(): number {
      return held;
    },
    get size(): number {
      return rings.size;
    },
  };
}

export type CaptureStore = ReturnType<typeof createCaptureStore>;
