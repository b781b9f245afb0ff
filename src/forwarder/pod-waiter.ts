import type { PortForwardSession } from '../portforward/types.ts';
import type { ForwardPod } from './pod-choice.ts';

export interface PodWaiterOptions {
  /** The forward's key, for the timeout message. */
  key: string;
  /** The pod new connections go to now, if any. */
  current: () => ForwardPod | undefined;
  /** The pod's session, dialling when needed; rejects on abort. */
  session: (pod: ForwardPod, signal: AbortSignal) => Promise<PortForwardSession>;
  waitForPodMs: number;
}

/**
 * The slow path of a connection: no ready pod or no live session yet. Connections wait until a pod is chosen
 * (`wake`) and its session is up; one bound covers both waits, so a client is never held longer than
 * `waitForPodMs`. The fast path never comes here and creates no timer.
 *
 * A class, not a factory closure, and its set of waiters made at the first wait: one per service forward, and most
 * forwards never wait.
 */
export class PodWaiter {
  #key: string;
  #current: () => ForwardPod | undefined;
  #session: (pod: ForwardPod, signal: AbortSignal) => Promise<PortForwardSession>;
  #waitForPodMs: number;
  #waiters: Set<(pod: ForwardPod) => void> | undefined;

  constructor(options: PodWaiterOptions) {
    this.#key = options.key;
    this.#current = options.current;
    this.#session = options.session;
    this.#waitForPodMs = options.waitForPodMs;
  }

  /** A pod was chosen: connections waiting for one go to it. */
  wake(pod: ForwardPod): void {
    if (this.#waiters) for (const w of [...this.#waiters]) w(pod);
  }

  async wait(signal: AbortSignal): Promise<{ pod: ForwardPod; session: PortForwardSession }> {
    const waitForPodMs = this.#waitForPodMs;
    const ac = new AbortController();
    let stage = `no ready pod for ${this.#key}`;
    const timer = setTimeout(() => ac.abort(new Error(`${stage} within ${waitForPodMs} ms`)), waitForPodMs);
    const onAbort = (): void => ac.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const pod = await this.#waitForPod(ac.signal);
      stage = `no port-forward session to pod ${pod.name} (timed out)`;
      return { pod, session: await this.#session(pod, ac.signal) };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  #waitForPod(signal: AbortSignal): Promise<ForwardPod> {
    const now = this.#current();
    if (now) return Promise.resolve(now);
    const waiters = (this.#waiters ??= new Set<(pod: ForwardPod) => void>());
    return new Promise((resolve, reject) => {
      const wake = (pod: ForwardPod): void => {
        waiters.delete(wake);
        signal.removeEventListener('abort', onAbort);
        resolve(pod);
      };
      const onAbort = (): void => {
        waiters.delete(wake);
        reject(signal.reason as Error);
      };
      waiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The pod waiter of one service forward. */
export function createPodWaiter(options: PodWaiterOptions): PodWaiter {
  return new PodWaiter(options);
}
