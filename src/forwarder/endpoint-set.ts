import type { Balancer } from './balancer.ts';
import type { ForwardPod } from './pod-choice.ts';
import type { PodRef, PodSessions } from './pod-sessions.ts';

/** What a connection's bytes are read from while it lives (a socket). */
export interface ConnectionMeter {
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export type EndpointState = 'ready' | 'draining';

export interface EndpointView {
  pod: string;
  uid: string;
  state: EndpointState;
  /** Its port-forward session is connected: a connection sent to it waits for no dial. */
  connected: boolean;
  connectionsActive: number;
  connectionsTotal: number;
  /** Bytes from the pod to local clients. */
  bytesIn: number;
  /** Bytes from local clients to the pod. */
  bytesOut: number;
}

export type EndpointEventType = 'endpoint.added' | 'endpoint.removed' | 'endpoint.draining';

interface Entry {
  pod: ForwardPod;
  ref: PodRef;
  state: EndpointState;
  release: (() => void) | undefined;
  meters: Set<ConnectionMeter>;
  total: number;
  closedIn: number;
  closedOut: number;
}

export interface EndpointSetOptions {
  context: string;
  sessions: Pick<PodSessions, 'hold' | 'live'>;
  balancer: Balancer;
  /** Endpoints of one service that keep a session dialled ahead of need (and so take connections). */
  maxSessions: number;
  onEvent: (type: EndpointEventType, pod: ForwardPod, extra?: Record<string, unknown>) => void;
}

const idOf = (p: ForwardPod): string => p.uid || p.name;

/**
 * The endpoints of one service forward: those that take new connections (ready, up to `maxSessions`, each holding a
 * warm session once the service has been used) and those draining (no longer ready or terminating, but with
 * connections still on them: their session is held until the last one ends or the pod is gone). Counts connections
 * and bytes per endpoint.
 */
export function createEndpointSet(options: EndpointSetOptions) {
  const { sessions, balancer, onEvent } = options;
  const entries = new Map<string, Entry>();
  let warm = false;
  let closed = false;

  const active = (e: Entry): number => e.meters.size;

  function hold(e: Entry): void {
    if (!e.release && !closed) e.release = sessions.hold(e.ref);
  }

  function drop(e: Entry, reason: string): void {
    entries.delete(idOf(e.pod));
    e.release?.();
    e.release = undefined;
    onEvent('endpoint.removed', e.pod, { reason });
  }

  return {
    /**
     * `ready` (ordered: the first is the pod `first` would use) take new connections; pods of `all` that are not
     * among them drain while they carry connections.
     */
    update(ready: readonly ForwardPod[], all: readonly ForwardPod[]): void {
      if (closed) return;
      const taking = ready.slice(0, Math.max(1, options.maxSessions));
      const wanted = new Set(taking.map(idOf));
      const present = new Set(all.map(idOf));
      for (const pod of taking) {
        const id = idOf(pod);
        let e = entries.get(id);
        if (!e) {
          e = {
            pod,
            ref: { context: options.context, namespace: pod.namespace, name: pod.name, uid: pod.uid },
            state: 'ready',
            release: undefined,
            meters: new Set(),
            total: 0,
            closedIn: 0,
            closedOut: 0,
          };
          entries.set(id, e);
          onEvent('endpoint.added', pod);
        } else if (e.state === 'draining') {
          e.state = 'ready';
          onEvent('endpoint.added', pod);
        }
        e.pod = pod;
        if (warm) hold(e);
      }
      for (const e of [...entries.values()]) {
        const id = idOf(e.pod);
        if (wanted.has(id)) continue;
        if (!present.has(id)) drop(e, 'pod gone');
        else if (active(e) === 0) drop(e, e.pod.terminating ? 'terminating' : 'not ready');
        else if (e.state !== 'draining') {
          e.state = 'draining';
          // Held so the session outlives its connections' last bytes; the pod's grace period bounds it.
          hold(e);
          onEvent('endpoint.draining', e.pod, {
            connectionsActive: active(e),
            reason: e.pod.terminating ? 'terminating' : 'not ready',
          });
        }
      }
    },

    /** The service is in use: every endpoint that takes connections keeps a session dialled from now on. */
    warmUp(): void {
      if (warm || closed) return;
      warm = true;
      for (const e of entries.values()) if (e.state === 'ready') hold(e);
    },

    /** The endpoint for a new connection among those whose session is live now; undefined when none is. */
    pick(client: string | undefined): ForwardPod | undefined {
      const candidates: Array<{ key: string; active: number; pod: ForwardPod }> = [];
      for (const [key, e] of entries)
        if (e.state === 'ready' && sessions.live(e.ref))
          candidates.push({ key, active: active(e), pod: e.pod });
      return balancer.pick(candidates, client)?.pod;
    },

    /** Counts a connection on `pod` from now until the returned function is called (once, at its close). */
    track(pod: ForwardPod, meter: ConnectionMeter): () => void {
      const e = entries.get(idOf(pod));
      if (!e) return () => undefined;
      e.meters.add(meter);
      e.total++;
      return () => {
        if (!e.meters.delete(meter)) return;
        e.closedIn += meter.bytesWritten;
        e.closedOut += meter.bytesRead;
        if (e.state === 'draining' && e.meters.size === 0 && entries.get(idOf(e.pod)) === e)
          drop(e, 'drained');
      };
    },

    views(): EndpointView[] {
      return [...entries.values()].map((e) => {
        let bytesIn = e.closedIn;
        let bytesOut = e.closedOut;
        for (const m of e.meters) {
          bytesIn += m.bytesWritten;
          bytesOut += m.bytesRead;
        }
        return {
          pod: e.pod.name,
          uid: e.pod.uid,
          state: e.state,
          connected: sessions.live(e.ref) !== undefined,
          connectionsActive: active(e),
          connectionsTotal: e.total,
          bytesIn,
          bytesOut,
        };
      });
    },

    close(): void {
      closed = true;
      for (const e of entries.values()) e.release?.();
      entries.clear();
    },
  };
}

export type EndpointSet = ReturnType<typeof createEndpointSet>;
