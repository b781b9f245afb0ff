import type { PodCandidate } from '../cluster/pods.ts';
import type { Logger } from '../log/logger.ts';
import type { PortForwardSession } from '../portforward/types.ts';
import { createBackoff, type Backoff, type BackoffState } from './backoff.ts';

export interface PodRef {
  context: string;
  namespace: string;
  name: string;
  uid: string;
}

export type PodDialer = (pod: PodRef) => Promise<PortForwardSession>;

interface Entry {
  pod: PodRef;
  session: PortForwardSession | undefined;
  dialing: Promise<PortForwardSession> | undefined;
  backoff: Backoff;
  lastError: string | undefined;
}

const keyOf = (p: PodRef): string => `${p.context}/${p.namespace}/${p.name}/${p.uid}`;

/**
 * One upgraded connection per pod, shared by every forwarded port and connection to it. Concurrent callers share an
 * in-flight dial; a failed dial backs off (250 ms → 30 s, jittered) until a connection really carried data.
 */
export function createPodSessions(options: {
  dial: PodDialer;
  log: Logger;
  now?: () => number;
  random?: () => number;
}) {
  const entries = new Map<string, Entry>();
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

  function entryFor(pod: PodRef): Entry {
    const key = keyOf(pod);
    let e = entries.get(key);
    if (!e) {
      e = {
        pod,
        session: undefined,
        dialing: undefined,
        backoff: createBackoff({ now: options.now, random: options.random }),
        lastError: undefined,
      };
      entries.set(key, e);
    }
    return e;
  }

  return {
    async get(pod: PodRef): Promise<PortForwardSession> {
      const e = entryFor(pod);
      if (e.session && !e.session.isClosed) return e.session;
      e.dialing ??= (async () => {
        const wait = e.backoff.wait();
        if (wait > 0) await sleep(wait);
        try {
          const session = await options.dial(pod);
          e.session = session;
          e.lastError = undefined;
          void session.closed.then(() => {
            if (e.session === session) e.session = undefined;
          });
          return session;
        } catch (err) {
          e.lastError = err instanceof Error ? err.message : String(err);
          const delay = e.backoff.fail();
          options.log.warn(
            { pod: `${pod.namespace}/${pod.name}`, err: e.lastError, retryInMs: delay },
            'port-forward dial failed',
          );
          throw err;
        } finally {
          e.dialing = undefined;
        }
      })();
      return e.dialing;
    },
    /** A connection on this pod's session carried data: the backoff starts over. */
    worked(pod: PodRef): void {
      entries.get(keyOf(pod))?.backoff.succeed();
    },
    state(pod: PodRef):
      | {
          connected: boolean;
          backoff: BackoffState;
          lastError: string | undefined;
          protocol: string | undefined;
        }
      | undefined {
      const e = entries.get(keyOf(pod));
      if (!e) return undefined;
      return {
        connected: !!e.session && !e.session.isClosed,
        backoff: e.backoff.state(),
        lastError: e.lastError,
        protocol: e.session?.protocol,
      };
    },
    /** Forgets pods not in `alive` (they were deleted): their sessions are closed. */
    retain(alive: Iterable<PodCandidate & { context: string }>): void {
      const keep = new Set(
        [...alive].map((p) =>
          keyOf({ context: p.context, namespace: p.namespace, name: p.name, uid: p.uid }),
        ),
      );
      for (const [key, e] of entries) {
        if (keep.has(key)) continue;
        entries.delete(key);
        e.session?.destroy();
      }
    },
    drop(pod: PodRef): void {
      const e = entries.get(keyOf(pod));
      entries.delete(keyOf(pod));
      e?.session?.destroy();
    },
    get size(): number {
      return [...entries.values()].filter((e) => e.session && !e.session.isClosed).length;
    },
    async closeAll(): Promise<void> {
      const all = [...entries.values()];
      entries.clear();
      for (const e of all) e.session?.destroy();
      await Promise.all(all.map((e) => e.session?.closed ?? Promise.resolve()));
    },
  };
}

export type PodSessions = ReturnType<typeof createPodSessions>;
