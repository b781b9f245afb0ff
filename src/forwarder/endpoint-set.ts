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

const active = (e: Entry): number => e.meters.size;

/**
 * The endpoints of one service forward: those that take new connections (ready, up to `maxSessions`, each holding a
 * warm session once the service has been used) and those draining (no longer ready or terminating, but with
 * connections still on them: their session is held until the last one ends or the pod is gone). Counts connections
 * and bytes per endpoint.
 *
 * A class, not a factory closure: one per service forward, and 10,000 forwards each paid for their own copies of
 * every method.
 */
export class EndpointSet {
  #context: string;
  #sessions: Pick<PodSessions, 'hold' | 'live'>;
  #balancer: Balancer;
  #maxSessions: number;
  #onEvent: EndpointSetOptions['onEvent'];
  #entries = new Map<string, Entry>();
  #warm = false;
  #closed = false;

  constructor(options: EndpointSetOptions) {
    this.#context = options.context;
    this.#sessions = options.sessions;
    this.#balancer = options.balancer;
    this.#maxSessions = options.maxSessions;
    this.#onEvent = options.onEvent;
  }

  /**
   * `ready` (ordered: the first is the pod `first` would use) take new connections; pods of `all` that are not
   * among them drain while they carry connections.
   */
  update(ready: readonly ForwardPod[], all: readonly ForwardPod[]): void {
    if (this.#closed) return;
    const entries = this.#entries;
    const taking = ready.slice(0, Math.max(1, this.#maxSessions));
    const wanted = new Set(taking.map(idOf));
    const present = new Set(all.map(idOf));
    for (const pod of taking) {
      const id = idOf(pod);
      let e = entries.get(id);
      if (!e) {
        e = {
          pod,
          ref: { context: this.#context, namespace: pod.namespace, name: pod.name, uid: pod.uid },
          state: 'ready',
          release: undefined,
          meters: new Set(),
          total: 0,
          closedIn: 0,
          closedOut: 0,
        };
        entries.set(id, e);
        this.#onEvent('endpoint.added', pod);
      } else if (e.state === 'draining') {
        e.state = 'ready';
        this.#onEvent('endpoint.added', pod);
      }
      e.pod = pod;
      if (this.#warm) this.#hold(e);
    }
    for (const e of [...entries.values()]) {
      const id = idOf(e.pod);
      if (wanted.has(id)) continue;
      if (!present.has(id)) this.#drop(e, 'pod gone');
      else if (active(e) === 0) this.#drop(e, e.pod.terminating ? 'terminating' : 'not ready');
      else if (e.state !== 'draining') {
        e.state = 'draining';
        // Held so the session outlives its connections' last bytes; the pod's grace period bounds it.
        this.#hold(e);
        this.#onEvent('endpoint.draining', e.pod, {
          connectionsActive: active(e),
          reason: e.pod.terminating ? 'terminating' : 'not ready',
        });
      }
    }
  }

  /** The service is in use: every endpoint that takes connections keeps a session dialled from now on. */
  warmUp(): void {
    if (this.#warm || this.#closed) return;
    this.#warm = true;
    for (const e of this.#entries.values()) if (e.state === 'ready') this.#hold(e);
  }

  /** The endpoint for a new connection among those whose session is live now; undefined when none is. */
  pick(client: string | undefined): ForwardPod | undefined {
    const candidates: Array<{ key: string; active: number; pod: ForwardPod }> = [];
    for (const [key, e] of this.#entries)
      if (e.state === 'ready' && this.#sessions.live(e.ref))
        candidates.push({ key, active: active(e), pod: e.pod });
    return this.#balancer.pick(candidates, client)?.pod;
  }

  /** Counts a connection on `pod` from now until the returned function is called (once, at its close). */
  track(pod: ForwardPod, meter: ConnectionMeter): () => void {
    const e = this.#entries.get(idOf(pod));
    if (!e) return () => undefined;
    e.meters.add(meter);
    e.total++;
    return () => {
      if (!e.meters.delete(meter)) return;
      e.closedIn += meter.bytesWritten;
      e.closedOut += meter.bytesRead;
      if (e.state === 'draining' && e.meters.size === 0 && this.#entries.get(idOf(e.pod)) === e)
        this.#drop(e, 'drained');
    };
  }

  views(): EndpointView[] {
    return [...this.#entries.values()].map((e) => {
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
        connected: this.#sessions.live(e.ref) !== undefined,
        connectionsActive: active(e),
        connectionsTotal: e.total,
        bytesIn,
        bytesOut,
      };
    });
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#entries.values()) e.release?.();
    this.#entries.clear();
  }

  #hold(e: Entry): void {
    if (!e.release && !this.#closed) e.release = this.#sessions.hold(e.ref);
  }

  #drop(e: Entry, reason: string): void {
    this.#entries.delete(idOf(e.pod));
    e.release?.();
    e.release = undefined;
    this.#onEvent('endpoint.removed', e.pod, { reason });
  }
}

/** The endpoint set of one service forward. */
export function createEndpointSet(options: EndpointSetOptions): EndpointSet {
  return new EndpointSet(options);
}
