import { describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { PortForwardProtocol, PortForwardSession } from '../portforward/types.ts';
import { createBackoff, type Backoff, type BackoffState } from './backoff.ts';

export interface PodRef {
  context: string;
  namespace: string;
  name: string;
  uid: string;
}

/** Dials one upgraded connection to a pod; the daemon builds it from the kubeconfig (fresh credentials per dial). */
export type PodDialer = (pod: PodRef, signal: AbortSignal) => Promise<PortForwardSession>;

export type SessionEvent =
  | { type: 'connected'; protocol: PortForwardProtocol }
  | { type: 'lost'; retryInMs: number }
  | { type: 'dial-failed'; error: string; retryInMs: number };

export interface PodSessionState {
  connected: boolean;
  dialing: boolean;
  backoff: BackoffState;
  lastError: string | undefined;
  protocol: PortForwardProtocol | undefined;
}

export interface PodSessionsOptions {
  dial: PodDialer;
  log: Logger;
  now?: () => number;
  random?: () => number;
  /** Waits out a backoff delay; injected so tests take milliseconds. Must reject or resolve early on abort. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

interface Entry {
  pod: PodRef;
  session: PortForwardSession | undefined;
  dialing: Promise<PortForwardSession> | undefined;
  backoff: Backoff;
  lastError: string | undefined;
  holders: Set<(ev: SessionEvent) => void>;
  abort: AbortController;
}

/** Pods are told apart by uid: a replacement with the same name (a StatefulSet) is another pod. */
export const podKey = (p: PodRef): string => `${p.context}/${p.namespace}/${p.uid || p.name}`;

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Lets one caller stop waiting without cancelling a dial that other callers share. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * One upgraded connection per pod, shared by every forwarded port and connection to it. Concurrent callers share one
 * in-flight dial. A dial failure or a session that dies is followed by a jittered backoff (250 ms → 30 s) that resets
 * only once a connection carried data back (`worked`). Pods someone `hold`s are redialled when their session dies, so
 * the next local connection finds a warm session; the last release closes the session gracefully.
 */
export function createPodSessions(options: PodSessionsOptions) {
  const { log } = options;
  const sleep = options.sleep ?? defaultSleep;
  const entries = new Map<string, Entry>();
  let closing: Promise<void> | undefined;

  function entryFor(pod: PodRef): Entry {
    const key = podKey(pod);
    let e = entries.get(key);
    if (!e) {
      const backoff = createBackoff({
        now: options.now,
        random: options.random,
        initialMs: options.initialBackoffMs,
        maxMs: options.maxBackoffMs,
      });
      e = {
        pod,
        session: undefined,
        dialing: undefined,
        backoff,
        lastError: undefined,
        holders: new Set(),
        abort: new AbortController(),
      };
      entries.set(key, e);
    }
    return e;
  }

  const live = (e: Entry): boolean => entries.get(podKey(e.pod)) === e && !closing;
  const notify = (e: Entry, ev: SessionEvent): void => {
    for (const fn of e.holders) fn(ev);
  };

  /** Keeps a held pod connected: redials after the backoff until it works or nobody holds it. */
  function keepWarm(e: Entry): void {
    if (!live(e) || e.holders.size === 0 || e.session || e.dialing) return;
    dial(e).catch(() => keepWarm(e));
  }

  function adopt(e: Entry, session: PortForwardSession): void {
    e.session = session;
    e.lastError = undefined;
    notify(e, { type: 'connected', protocol: session.protocol });
    void session.closed.then(() => {
      if (e.session !== session) return;
      e.session = undefined;
      if (!live(e)) return;
      // Counted as a failure even when it worked before: `worked` already reset the schedule, so the next dial waits
      // only the first step, while a session that dies before carrying anything keeps growing the delay.
      const retryInMs = e.backoff.fail();
      log.warn({ pod: `${e.pod.namespace}/${e.pod.name}`, retryInMs }, 'port-forward session closed');
      notify(e, { type: 'lost', retryInMs });
      keepWarm(e);
    });
  }

  function dial(e: Entry): Promise<PortForwardSession> {
    e.dialing ??= (async () => {
      try {
        const wait = e.backoff.wait();
        if (wait > 0) await sleep(wait, e.abort.signal);
        e.abort.signal.throwIfAborted();
        const session = await options.dial(e.pod, e.abort.signal);
        if (!live(e)) {
          session.destroy();
          throw new Error(`pod ${e.pod.namespace}/${e.pod.name} is no longer forwarded`);
        }
        adopt(e, session);
        return session;
      } catch (err) {
        if (live(e)) {
          e.lastError = describeError(err);
          const retryInMs = e.backoff.fail();
          log.warn(
            { pod: `${e.pod.namespace}/${e.pod.name}`, err: e.lastError, retryInMs },
            'port-forward dial failed',
          );
          notify(e, { type: 'dial-failed', error: e.lastError, retryInMs });
        }
        throw err;
      } finally {
        e.dialing = undefined;
      }
    })();
    return e.dialing;
  }

  function forget(e: Entry): void {
    if (entries.get(podKey(e.pod)) === e) entries.delete(podKey(e.pod));
    e.abort.abort(new Error(`pod ${e.pod.namespace}/${e.pod.name} is no longer forwarded`));
  }

  return {
    /** The pod's live session, dialling (after any backoff) when there is none. */
    get(pod: PodRef, signal?: AbortSignal): Promise<PortForwardSession> {
      if (closing) return Promise.reject(new Error('port-forward sessions are closing'));
      const e = entryFor(pod);
      if (e.session && !e.session.isClosed) return Promise.resolve(e.session);
      return raceAbort(dial(e), signal);
    },

    /** The pod's session if it is connected right now: the per-connection fast path, without a promise. */
    live(pod: PodRef): PortForwardSession | undefined {
      const s = entries.get(podKey(pod))?.session;
      return s && !s.isClosed ? s : undefined;
    },

    /** Keeps the pod's session dialled while held; `listener` hears of its connects, losses and failed dials. */
    hold(pod: PodRef, listener: (ev: SessionEvent) => void = () => undefined): () => void {
      if (closing) return () => undefined;
      const e = entryFor(pod);
      const fn = (ev: SessionEvent): void => listener(ev);
      e.holders.add(fn);
      keepWarm(e);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        e.holders.delete(fn);
        if (e.holders.size > 0 || !live(e)) return;
        forget(e);
        // Graceful: connections already on it finish; new ones go to the pod the holder moved to.
        void e.session?.close();
      };
    },

    /** A connection on this pod's session carried data back: the backoff starts over. */
    worked(pod: PodRef): void {
      entries.get(podKey(pod))?.backoff.succeed();
    },

    state(pod: PodRef): PodSessionState | undefined {
      const e = entries.get(podKey(pod));
      if (!e) return undefined;
      return {
        connected: !!e.session && !e.session.isClosed,
        dialing: !!e.dialing,
        backoff: e.backoff.state(),
        lastError: e.lastError,
        protocol: e.session?.protocol,
      };
    },

    /** Forgets pods not in `alive` (they were deleted): their sessions are destroyed. */
    retain(alive: Iterable<PodRef>): void {
      const keep = new Set([...alive].map(podKey));
      for (const [key, e] of entries) {
        if (keep.has(key)) continue;
        forget(e);
        e.session?.destroy();
      }
    },

    /** Forgets one pod (deleted, or a reconnect was asked for): its session is destroyed, holders redial afresh. */
    drop(pod: PodRef): void {
      const e = entries.get(podKey(pod));
      if (!e) return;
      forget(e);
      e.session?.destroy();
      if (e.holders.size === 0) return;
      // Holders keep their interest: a fresh entry (fresh backoff) takes them over.
      const fresh = entryFor(pod);
      for (const fn of e.holders) fresh.holders.add(fn);
      e.holders.clear();
      keepWarm(fresh);
    },

    /** Sessions currently connected. */
    get size(): number {
      let n = 0;
      for (const e of entries.values()) if (e.session && !e.session.isClosed) n++;
      return n;
    },

    /** Destroys every session and stops redialling. Idempotent. */
    closeAll(): Promise<void> {
      closing ??= (async () => {
        const all = [...entries.values()];
        entries.clear();
        for (const e of all) {
          e.abort.abort(new Error('port-forward sessions are closing'));
          e.session?.destroy();
        }
        const pending: Promise<unknown>[] = [];
        for (const e of all) {
          if (e.session) pending.push(e.session.closed);
          if (e.dialing) pending.push(e.dialing.catch(() => undefined));
        }
        await Promise.all(pending);
      })();
      return closing;
    },
  };
}

export type PodSessions = ReturnType<typeof createPodSessions>;
