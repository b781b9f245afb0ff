import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../log/logger.ts';

export interface HeapTrimOptions {
  /** How often to look (default 30 s). */
  intervalMs?: number;
  /**
   * A quiet daemon gives memory back when this much committed heap is unused, or when the committed heap grew this
   * much since the daemon's last collection (default 48 MB).
   */
  wasteBytes?: number;
  /** True while traffic flows: no pause is added then, and the heap will be used again anyway. */
  busy: () => boolean;
  stats?: () => { total: number; used: number };
  collect?: () => void;
  log?: Logger;
}

/**
 * V8 keeps the heap it grew for a burst (200 requests for 1,000 services took it from 123 to 206 MB) until its next
 * full collection, and an idle daemon allocates too little to ever have one: RSS stayed ~325 MB for good. One full
 * collection once things are quiet shrinks it back (RSS 323 → 210 MB, 30-40 ms of CPU, measured with 1,000 forwards).
 * Unused committed heap alone misses garbage nobody collected yet (with the GC on the main thread only, the heap
 * after that burst was 155 MB committed and 107 MB "used"), so growth of the committed heap since the last of these
 * collections counts as well (the first quiet look collects once to have that baseline). A heap that really grew
 * costs one collection, not one per interval: the baseline is what the collection left.
 */
export function startHeapTrim(options: HeapTrimOptions): {
  stop(): void;
  /**
   * One collection now, busy or not: the daemon's start-up leaves its garbage (~65-100 MB of old generation at
   * 10,000 services) for V8's next full collection, which otherwise comes at a moment of V8's choosing, in the middle
   * of later API requests, and pauses the daemon for as long (~300 ms at that size with the GC on one thread).
   */
  collectNow(why: string): void;
  readonly trims: number;
} {
  const stats =
    options.stats ??
    (() => {
      const s = getHeapStatistics();
      return { total: s.total_heap_size, used: s.used_heap_size };
    });
  const collect = options.collect ?? fullCollection();
  const waste = options.wasteBytes ?? 48e6;
  let trims = 0;
  let baseline = -Infinity;
  // Unused heap the last collection left: V8 keeps some committed for reuse, more the bigger the heap (88 MB of 341
  // with 10,000 forwards). Only unused heap beyond that is waste another collection could give back; counting it all
  // made a collection every interval, 1.5 s of CPU each at that size (idle CPU 5-6 %).
  let slack = 0;
  function trim(why: string): void {
    const before = stats();
    const t0 = performance.now();
    collect();
    trims++;
    const after = stats();
    baseline = after.total;
    slack = Math.max(0, after.total - after.used);
    options.log?.debug(
      { before, after, ms: Math.round(performance.now() - t0), why },
      `heap trimmed from ${Math.round(before.total / 1e6)} to ${Math.round(after.total / 1e6)} MB`,
    );
  }
  const timer = setInterval(() => {
    if (options.busy()) return;
    const s = stats();
    if (s.total - s.used - slack < waste && s.total - baseline < waste) return;
    trim('quiet');
  }, options.intervalMs ?? 30_000);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    collectNow: trim,
    get trims() {
      return trims;
    },
  };
}

/** V8's `gc()`, which Node.js hands out to a new context once the flag is set (the main context stays without). */
function fullCollection(): () => void {
  let gc: (() => void) | undefined;
  return () => {
    if (!gc) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
    gc();
  };
}
