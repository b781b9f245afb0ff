import type { Logger } from './logger.ts';

/**
 * Logs the first `burst` messages of a burst at info and the rest at debug, with one info line where it switches; a
 * quiet spell of `quietMs` starts a new burst.
 */
export function burstLog(log: Logger, burst: number, quietMs: number, now: () => number = Date.now) {
  let count = 0;
  let last = -Infinity;
  return (fields: Record<string, unknown>, msg: string): void => {
    const t = now();
    if (t - last > quietMs) count = 0;
    last = t;
    count++;
    if (count <= burst) log.info(fields, msg);
    else {
      if (count === burst + 1) log.info('more new forwards: their lines are at debug level (-v)');
      log.debug(fields, msg);
    }
  };
}
