import type { Logger } from './logger.ts';

/**
 * Logs the first `burst` messages of a burst at info and the rest at debug, with one info line where it switches; a
 * quiet spell of `quietMs` starts a new burst. Without `verbose` the rest are not logged at all: a start with 10,000
 * services made ~10,000 debug records that no output showed (only the API's log ring kept its last 1,000), ~0.15 s
 * of CPU serialising and parsing them back.
 */
export function burstLog(
  log: Logger,
  burst: number,
  quietMs: number,
  options: { now?: () => number; verbose?: boolean } = {},
) {
  const now = options.now ?? Date.now;
  const verbose = options.verbose ?? true;
  let count = 0;
  let last = -Infinity;
  return (fields: Record<string, unknown>, msg: string): void => {
    const t = now();
    if (t - last > quietMs) count = 0;
    last = t;
    count++;
    if (count <= burst) log.info(fields, msg);
    else {
      if (count === burst + 1)
        log.info(
          verbose
            ? 'more new forwards: their lines are at debug level (-v)'
            : 'more new forwards: not logged one by one (-v logs each at debug level)',
        );
      if (verbose) log.debug(fields, msg);
    }
  };
}
