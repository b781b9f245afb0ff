/** Jittered exponential backoff, reset only after a connection really worked. */
export interface BackoffState {
  attempts: number;
  delayMs: number;
  nextAttemptAt: number | undefined;
}

export function createBackoff(
  options: { initialMs?: number; maxMs?: number; random?: () => number; now?: () => number } = {},
) {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let attempts = 0;
  let nextAttemptAt: number | undefined;
  let delayMs = 0;
  return {
    /** Records a failure; returns how long to wait before the next attempt. */
    fail(): number {
      attempts++;
      const base = Math.min(max, initial * 2 ** Math.min(attempts - 1, 20));
      delayMs = Math.round(base / 2 + (random() * base) / 2);
      nextAttemptAt = now() + delayMs;
      return delayMs;
    },
    /** Time left until an attempt is allowed (0 when allowed now). */
    wait(): number {
      return nextAttemptAt === undefined ? 0 : Math.max(0, nextAttemptAt - now());
    },
    succeed(): void {
      attempts = 0;
      delayMs = 0;
      nextAttemptAt = undefined;
    },
    state: (): BackoffState => ({ attempts, delayMs, nextAttemptAt }),
  };
}

export type Backoff = ReturnType<typeof createBackoff>;
