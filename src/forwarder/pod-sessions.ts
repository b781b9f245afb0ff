import { describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { PortForwardProtocol, PortForwardSession } from '../portforward/types.ts';
import { createBackoff, type Backoff, type BackoffState } from './backoff.ts';
import { classifyError } from './classify-error.ts';

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
  /**
   * A local connection waiting on a pod in backoff redials once this long has passed since the last attempt, however
   * long the backoff: someone is asking now, and one dial per this interval per pod is cheap. Default 1 s.
   */
  demandRetryMs?: number;
  /**
   * At most this many sessions per pod are set aside for bulk transfers at a time (see `bulk`); past it, new
   * connections share a session with a bulk transfer again rather than open ever more connections to the API server.
   * 0 turns it off. Default 4.
   */
  maxBulkSessions?: number;
}

interface Entry {
  pod: PodRef;
  session: PortForwardSession | undefined;
  dialing: Promise<PortForwardSession> | undefined;
  backoff: Backoff;
  lastError: string | undefined;
  holders: Set<(ev: SessionEvent) => void>;
  abort: AbortController;
  /** Set while a dial waits out its backoff; aborting it ends the wait early (the entry stays live). */
  wake: AbortController | undefined;
  hurry: NodeJS.Timeout | undefined;
  hurryAt: number;
  lastAttemptAt: number;
  /** The last failure was the API server or the network, not this pod: a sign of life from the server ends the wait. */
  unreachable: boolean;
  /** The current session carried data back from the pod. */
  carried: boolean;
  /** Sessions set aside for the bulk transfers on them: they take no new connections and close when those end. */
  bulkSessions: Set<PortForwardSession>;
}

/** Failures that say nothing about the pod itself: the API server or the path to it was away. */
const UNREACHABLE = new Set(['connection-refused', 'network', 'timeout']);
/** Pods woken because their API server answered again redial spread over this window. */
const SERVER_BACK_SPREAD_MS = 250;

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
 * in-flight dial. A dial failure or a session that dies before carrying data back is followed by a jittered backoff
 * (250 ms → 30 s) that resets only once a connection carried data back (`worked`); a session that did is redialled
 * at once. Pods someone `hold`s are redialled when their session dies, so the next local connection finds a warm
 * session; the last release closes the session gracefully. Two things cut a wait short without resetting the
 * schedule: a local connection asking for the pod (at most one dial per `demandRetryMs`), and another pod of the same
 * context connecting again after the API server was unreachable.
 */
export function createPodSessions(options: PodSessionsOptions) {
  const { log } = options;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const demandRetryMs = options.demandRetryMs ?? 1000;
  const maxBulkSessions = options.maxBulkSessions ?? 4;
  const entries = new Map<string, Entry>();
  /** state()'s keys by ref: callers that keep their ref (a forward's current pod) do not build the string again. */
  const keys = new WeakMap<PodRef, string>();
  const keyOf = (p: PodRef): string => {
    let key = keys.get(p);
    if (key === undefined) keys.set(p, (key = podKey(p)));
    return key;
  };
  let closing: Promise<void> | undefined;
  /** Held pods waiting for their first dial while warm-ups are deferred (deferWarmUps). */
  let deferred: Set<Entry> | undefined;

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
        wake: undefined,
        hurry: undefined,
        hurryAt: Infinity,
        lastAttemptAt: 0,
        unreachable: false,
        carried: false,
        bulkSessions: new Set(),
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
    if (deferred) {
      deferred.add(e);
      return;
    }
    dial(e).catch(() => keepWarm(e));
  }

  /** Ends a backoff wait in `ms` (or now); the earliest request wins. */
  function wakeIn(e: Entry, ms: number): void {
    if (!e.wake) return;
    if (ms <= 0) {
      e.wake.abort();
      return;
    }
    const at = now() + ms;
    if (e.hurry && e.hurryAt <= at) return;
    clearTimeout(e.hurry);
    e.hurryAt = at;
    e.hurry = setTimeout(() => {
      e.hurry = undefined;
      e.wake?.abort();
    }, ms);
    e.hurry.unref();
  }

  /**
   * The API server of `context` answered a dial after failing to: the other pods of that context that wait out a
   * backoff for the same reason redial now, spread over a quarter second so they do not arrive as one burst.
   */
  function serverBack(context: string, except: Entry): void {
    for (const other of entries.values()) {
      if (other === except || other.pod.context !== context || !other.unreachable) continue;
      wakeIn(other, Math.round(random() * SERVER_BACK_SPREAD_MS));
    }
  }

  /** `quiet`: a session that replaces a live one (bulk transfers) is no news to holders, unless that one died. */
  function adopt(e: Entry, session: PortForwardSession, quiet = false): void {
    const recovered = e.unreachable;
    const replacing = e.session !== undefined && !e.session.isClosed;
    e.session = session;
    e.lastError = undefined;
    e.unreachable = false;
    e.carried = false;
    if (recovered) serverBack(e.pod.context, e);
    if (!(quiet && replacing)) notify(e, { type: 'connected', protocol: session.protocol });
    void session.closed.then(() => {
      if (e.session !== session) return;
      e.session = undefined;
      if (!live(e)) return;
      // A session that carried data is redialled at once (the schedule was reset by `worked`, and stays so); one that
      // died before carrying anything counts as a failure and keeps growing the delay.
      const retryInMs = e.carried ? 0 : e.backoff.fail();
      log.warn({ pod: `${e.pod.namespace}/${e.pod.name}`, retryInMs }, 'port-forward session closed');
      notify(e, { type: 'lost', retryInMs });
      keepWarm(e);
    });
  }

  function dial(e: Entry, quiet = false): Promise<PortForwardSession> {
    e.dialing ??= (async () => {
      try {
        const wait = e.backoff.wait();
        if (wait > 0) {
          e.wake = new AbortController();
          try {
            await sleep(wait, AbortSignal.any([e.abort.signal, e.wake.signal]));
          } finally {
            e.wake = undefined;
            clearTimeout(e.hurry);
            e.hurry = undefined;
            e.hurryAt = Infinity;
          }
        }
        e.abort.signal.throwIfAborted();
        e.lastAttemptAt = now();
        const session = await options.dial(e.pod, e.abort.signal);
        if (!live(e)) {
          session.destroy();
          throw new Error(`pod ${e.pod.namespace}/${e.pod.name} is no longer forwarded`);
        }
        adopt(e, session, quiet);
        return session;
      } catch (err) {
        if (live(e)) {
          e.lastError = describeError(err);
          e.unreachable = UNREACHABLE.has(classifyError(err));
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

  /** Destroys the pod's session and those set aside for bulk transfers. */
  function destroyAll(e: Entry): void {
    e.session?.destroy();
    for (const s of e.bulkSessions) s.destroy();
  }

  function forget(e: Entry): void {
    if (entries.get(podKey(e.pod)) === e) entries.delete(podKey(e.pod));
    // Ends any backoff wait too; the dial's `finally` then drops its wake timer.
    e.abort.abort(new Error(`pod ${e.pod.namespace}/${e.pod.name} is no longer forwarded`));
  }

  return {
    /** The pod's live session, dialling (after any backoff) when there is none. */
    get(pod: PodRef, signal?: AbortSignal): Promise<PortForwardSession> {
      if (closing) return Promise.reject(new Error('port-forward sessions are closing'));
      const e = entryFor(pod);
      if (e.session && !e.session.isClosed) return Promise.resolve(e.session);
      const pending = dial(e);
      // Someone is waiting: a long backoff gives way to one attempt per `demandRetryMs`.
      wakeIn(e, e.lastAttemptAt + demandRetryMs - now());
      return raceAbort(pending, signal);
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

    /**
     * A connection on `session` turned out to be a bulk transfer. SPDY has no per-stream flow control and every
     * stream of a session shares one TCP connection, so the small requests behind it would queue behind its bytes
     * (head-of-line blocking): a fresh session takes the pod's new connections, and this one keeps the transfers it
     * carries and closes once they end. The switch waits for the new session to be up, so no connection waits for it.
     */
    bulk(pod: PodRef, session: PortForwardSession): void {
      const e = entries.get(podKey(pod));
      if (!e || e.session !== session || e.dialing || e.bulkSessions.size >= maxBulkSessions || !live(e))
        return;
      dial(e, true).then(
        (fresh) => {
          if (fresh === session) return;
          e.bulkSessions.add(session);
          log.debug(
            { pod: `${e.pod.namespace}/${e.pod.name}` },
            'bulk transfer: new connections use a new session',
          );
          // After this turn: a connection that was handed the old session just before opens its stream on it first.
          setImmediate(() => void session.close().finally(() => e.bulkSessions.delete(session)));
        },
        () => undefined,
      );
    },

    /**
     * Holds back the dials that keep held pods warm until the returned function is called; a connection asking for a
     * pod (`get`) still dials at once. The engine's start-up defers them, so that the handshakes of sessions no one
     * uses yet do not delay its listeners and hosts file.
     */
    deferWarmUps(): () => void {
      const held = (deferred ??= new Set());
      return () => {
        if (deferred !== held) return;
        deferred = undefined;
        for (const e of held) keepWarm(e);
      };
    },

    /** A connection on this pod's session carried data back: the backoff starts over. */
    worked(pod: PodRef): void {
      const e = entries.get(podKey(pod));
      if (!e) return;
      e.backoff.succeed();
      e.carried = true;
    },

    state(pod: PodRef): PodSessionState | undefined {
      const e = entries.get(keyOf(pod));
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
        destroyAll(e);
      }
    },

    /** Forgets one pod (deleted, or a reconnect was asked for): its session is destroyed, holders redial afresh. */
    drop(pod: PodRef): void {
      const e = entries.get(podKey(pod));
      if (!e) return;
      forget(e);
      destroyAll(e);
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
          destroyAll(e);
        }
        const pending: Promise<unknown>[] = [];
        for (const e of all) {
          if (e.session) pending.push(e.session.closed);
          for (const s of e.bulkSessions) pending.push(s.closed);
          if (e.dialing) pending.push(e.dialing.catch(() => undefined));
        }
        await Promise.all(pending);
      })();
      return closing;
    },
  };
}

export type PodSessions = ReturnType<typeof createPodSessions>;
