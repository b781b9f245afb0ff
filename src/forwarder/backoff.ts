/** What the API's diagnostics show of a reconnect schedule. */
export interface BackoffState {
  /** Failures since the last connection that really worked. */
  attempts: number;
  /** The delay chosen after the last failure (0 before any). */
  delayMs: number;
  /** Epoch milliseconds before which no attempt is made; undefined when one may be made now. */
  nextAttemptAt: number | undefined;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** In [0, 1); injected so tests choose the jitter. */
  random?: () => number;
  now?: () => number;
}

export interface Backoff {
  /** Records a failure; returns how long to wait before the next attempt. */
  fail(): number;
  /** Milliseconds left until an attempt is allowed (0 when allowed now). */
  wait(): number;
  /** A connection carried data back from the pod: the schedule starts over. */
  succeed(): void;
  state(): BackoffState;
}

/**
 * Jittered exponential backoff. The delay doubles from `initialMs` to `maxMs`; each is drawn from [half, full] of the
 * nominal value ("equal jitter") so many forwards that lost the same API server do not redial in lockstep, and the
 * ceiling stays jittered too. Only `succeed()` resets it: a dial that upgrades but never carries a byte (the pod's
 * sandbox gone, a proxy that accepts then drops) must keep growing the delay, the original's bug 17.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initial = options.initialMs ?? 250;
  const max = Math.max(initial, options.maxMs ?? 30_000);
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let attempts = 0;
  let delayMs = 0;
  let nextAttemptAt: number | undefined;

  return {
    fail() {
      attempts++;
      // Capping the exponent keeps 2 ** n finite however long a pod stays unreachable.
      const nominal = Math.min(max, initial * 2 ** Math.min(attempts - 1, 30));
      const r = Math.min(Math.max(random(), 0), 1);
      delayMs = Math.round(nominal / 2 + (nominal / 2) * r);
      nextAttemptAt = now() + delayMs;
      return delayMs;
    },
    wait() {
      return nextAttemptAt === undefined ? 0 : Math.max(0, nextAttemptAt - now());
    },
    succeed() {
      attempts = 0;
      delayMs = 0;
      nextAttemptAt = undefined;
    },
    state: () => ({ attempts, delayMs, nextAttemptAt }),
  };
}
