/** One forward's cumulative counters as the forwarder keeps them (read, never pushed per chunk). */
export interface CounterReading {
  /** Forward key, `svc.ns.ctx.pod.port`. */
  key: string;
  /** Service key, `svc.ns.ctx`. */
  service: string;
  /** Bytes from the pod to local clients since the forward started. */
  bytesIn: number;
  /** Bytes from local clients to the pod since the forward started. */
  bytesOut: number;
  /** Open local connections now. */
  connections?: number | undefined;
}

/** The shape the daemon yielded before `service` was named so. */
export type LegacyCounterReading = Omit<CounterReading, 'service'> & { serviceKey: string };

export const serviceOf = (r: CounterReading | LegacyCounterReading): string =>
  'service' in r ? r.service : r.serviceKey;

/** Bytes a cumulative counter added since `previous`; one that went down was reset, so all its value is new. */
export const counterDelta = (value: number, previous: number): number =>
  value >= previous ? value - previous : value;

/**
 * Turns per-forward cumulative counters, which restart from zero when a forward is rebuilt and vanish when it
 * stops, into deltas that can be summed into monotonic totals. A key seen for the first time contributes all its
 * bytes; a counter that went down was reset, so its whole new value is new traffic.
 */
export function createDeltaTracker() {
  const last = new Map<string, { bytesIn: number; bytesOut: number }>();
  return {
    delta(key: string, bytesIn: number, bytesOut: number): { bytesIn: number; bytesOut: number } {
      const prev = last.get(key);
      if (prev === undefined) {
        last.set(key, { bytesIn, bytesOut });
        return { bytesIn, bytesOut };
      }
      const d = {
        bytesIn: counterDelta(bytesIn, prev.bytesIn),
        bytesOut: counterDelta(bytesOut, prev.bytesOut),
      };
      prev.bytesIn = bytesIn;
      prev.bytesOut = bytesOut;
      return d;
    },
    /** Forgets every key not in `seen` (their bytes are already in the totals). */
    retain(seen: ReadonlySet<string>): void {
      for (const key of last.keys()) if (!seen.has(key)) last.delete(key);
    },
    get size(): number {
      return last.size;
    },
  };
}
