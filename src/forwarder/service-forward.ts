import type { ForwardPortSpec, ForwardRequest } from '../daemon/ports.ts';
import { KubefwdError, describeError } from '../errors.ts';
import type { PortForwardSession } from '../portforward/types.ts';
import type {
  BalancingView,
  ForwardPortStatus,
  ForwardStatus,
  ServiceForwardOptions,
} from './forward-types.ts';
import { classifyError, type ErrorClassification } from './classify-error.ts';
import { createBalancer, type Balancer, type LbPolicy } from './balancer.ts';
import { createEndpointSet, type EndpointSet, type EndpointView } from './endpoint-set.ts';
import {
  choosePod,
  eligiblePods,
  pinPod,
  resolvePodPort,
  type ForwardPod,
  type PodChooser,
} from './pod-choice.ts';
import type { PodRef, PodSessionState, SessionEvent } from './pod-sessions.ts';
import { createPodWaiter } from './pod-waiter.ts';
import {
  createPortListener,
  type ConnectionTarget,
  type PortListener,
  type TargetRequest,
} from './port-listener.ts';

export type {
  BalancingView,
  ConnectionEvent,
  ForwardEvent,
  ForwardPortStatus,
  ForwardStatus,
  ServiceForwardOptions,
} from './forward-types.ts';

interface PortState {
  spec: ForwardPortSpec;
  listener: PortListener;
  bound: boolean;
  error: string | undefined;
  startedAt: string | undefined;
  /** The forward key for `keyPod`, kept so that sampling does not build a string per port each second. */
  key?: string | undefined;
  keyPod?: string | undefined;
  /** The byte counters sampling read last and the listener's idleEpoch then: reused while that stays the same. */
  readIn?: number | undefined;
  readOut?: number | undefined;
  readEpoch?: number | undefined;
}

/**
 * The forward of one service IP: a listener per TCP port, bound before names are written. New connections go to the
 * chosen ready pod over its shared session; when that pod is deleted or turns unready the next connection goes to
 * another at once, on the same IP. With no ready pod, connections wait up to `waitForPodMs` and the forward is
 * pending. An error on one connection fails that connection only.
 */
export function createServiceForward(options: ServiceForwardOptions): ServiceForward {
  return new ServiceForward(options);
}

/**
 * A class rather than a factory of closures: with 10,000 forwards the closures of the factory were 330,000 (33 per
 * forward, ~19 MB of heap with their context); methods on a prototype cost an instance nothing.
 */
export class ServiceForward {
  readonly #options: ServiceForwardOptions;
  readonly #request: ForwardRequest;
  readonly #sessions: ServiceForwardOptions['sessions'];
  readonly #now: () => number;
  readonly #chooser: PodChooser;
  readonly #base: { key: string; serviceKey: string };
  readonly #defaultPolicy: LbPolicy;
  readonly #maxSessions: number;
  readonly #balancer: Balancer;
  readonly #endpoints: EndpointSet;
  readonly #waiter: ReturnType<typeof createPodWaiter>;
  readonly #ports = new Map<number, PortState>();
  #override: LbPolicy | undefined;
  #pods: readonly ForwardPod[] = [];
  #current: ForwardPod | undefined;
  #release: (() => void) | undefined;
  #started: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  /** The current pod's ref, made once per pod: its session state is read for every service of every list. */
  #currentRef: { pod: ForwardPod; ref: PodRef } | undefined;

  constructor(options: ServiceForwardOptions) {
    const { request, sessions, onEvent } = options;
    this.#options = options;
    this.#request = request;
    this.#sessions = sessions;
    this.#now = options.now ?? Date.now;
    this.#chooser = options.choosePod ?? (request.pod ? pinPod(request.pod) : choosePod);
    const base = { key: request.key, serviceKey: request.serviceKey };
    this.#base = base;
    this.#defaultPolicy = options.lbPolicy ?? 'round-robin';
    this.#balancer = createBalancer({ policy: this.#defaultPolicy, now: this.#now });
    this.#maxSessions = options.maxSessions ?? 8;
    this.#endpoints = createEndpointSet({
      context: request.context,
      sessions,
      balancer: this.#balancer,
      maxSessions: this.#maxSessions,
      onEvent: (type, pod, extra) => onEvent({ type, data: { ...base, pod: pod.name, ...extra } }),
    });
    this.#waiter = createPodWaiter({
      key: request.key,
      current: () => this.#current,
      session: (pod, signal) => sessions.get(this.#ref(pod), signal),
      waitForPodMs: options.waitForPodMs ?? 5_000,
    });
  }

  #ref(p: ForwardPod): PodRef {
    return { context: this.#request.context, namespace: p.namespace, name: p.name, uid: p.uid };
  }

  #refOfCurrent(p: ForwardPod): PodRef {
    if (this.#currentRef?.pod !== p) this.#currentRef = { pod: p, ref: this.#ref(p) };
    return this.#currentRef.ref;
  }

  #keyFor(pod: string | undefined, port: number): string {
    return `${this.#request.key}.${pod ?? '-'}.${port}`;
  }

  /** The port's forward key for the current pod, made again only when the pod changed. */
  #portKey(p: PortState): string {
    const pod = this.#current?.name;
    if (p.keyPod !== pod || p.key === undefined) {
      p.keyPod = pod;
      p.key = this.#keyFor(pod, p.spec.port);
    }
    return p.key;
  }

  #error(message: string, classification: ErrorClassification, extra: Record<string, unknown> = {}): void {
    this.#options.onEvent({
      type: 'forward.error',
      data: { ...this.#base, ...extra, message, error: message, classification },
    });
  }

  #announceConnected(pod: ForwardPod, protocol: string | undefined): void {
    for (const p of this.#ports.values()) {
      if (!p.bound) continue;
      this.#options.onEvent({
        type: 'forward.connected',
        data: {
          ...this.#base,
          forwardKey: this.#keyFor(pod.name, p.spec.port),
          pod: pod.name,
          port: p.spec.port,
          podPort: resolvePodPort(pod, p.spec.targetPort),
          localIP: this.#request.ip,
          protocol,
        },
      });
    }
  }

  #onSession(pod: ForwardPod, ev: SessionEvent): void {
    if (this.#current !== pod || this.#closing) return;
    if (ev.type === 'connected') this.#announceConnected(pod, ev.protocol);
    else if (ev.type === 'lost')
      this.#options.onEvent({
        type: 'forward.disconnected',
        data: { ...this.#base, pod: pod.name, reason: 'session lost', retryInMs: ev.retryInMs },
      });
    else this.#error(ev.error, classifyError(ev.error), { pod: pod.name, retryInMs: ev.retryInMs });
  }

  /** The pods that take new connections, the one `first` uses first. */
  #takers(next: ForwardPod | undefined, targets: Array<number | string>): ForwardPod[] {
    if (!next) return [];
    if (this.#options.choosePod || this.#request.pod) return [next];
    return [
      next,
      ...eligiblePods(this.#pods, targets).filter((p) => p.uid !== next.uid || p.name !== next.name),
    ];
  }

  #select(): void {
    if (this.#closing) return;
    const targets = [...this.#ports.values()].map((p) => p.spec.targetPort);
    const current = this.#current;
    const next = this.#chooser(this.#pods, current, targets);
    this.#endpoints.update(this.#takers(next, targets), this.#pods);
    if (next?.uid === current?.uid && next?.name === current?.name) {
      this.#current = next ?? current;
      return;
    }
    const prev = current;
    this.#current = next;
    // The forward keys (they name the pod) change: the sampler reads them at its next sample.
    this.#options.onActivity?.();
    this.#release?.();
    this.#release = undefined;
    if (prev)
      this.#options.onEvent({
        type: 'forward.disconnected',
        data: { ...this.#base, pod: prev.name, reason: next ? 'pod replaced' : 'no ready pod' },
      });
    if (!next) return;
    this.#options.onEvent({
      type: 'pod.selected',
      data: { ...this.#base, pod: next.name, previous: prev?.name },
    });
    this.#waiter.wake(next);
    // Holding the pod keeps its session dialled, so the first connection does not pay for the upgrade.
    this.#release = this.#sessions.hold(this.#ref(next), (ev) => this.#onSession(next, ev));
    const st = this.#sessions.state(this.#ref(next));
    if (st?.connected) this.#announceConnected(next, st.protocol);
  }

  /** Where an accepted connection on `state`'s port goes: the balancer's pick, else the current pod, else a wait. */
  async #target(
    state: PortState,
    targets: WeakMap<PortForwardSession, ConnectionTarget>,
    request: TargetRequest,
  ): Promise<ConnectionTarget> {
    const sessions = this.#sessions;
    let pod: ForwardPod | undefined;
    let session: PortForwardSession | undefined;
    if (this.#balancer.policy !== 'first') {
      this.#endpoints.warmUp();
      pod = this.#endpoints.pick(this.#balancer.usesClient ? request.client : undefined);
      session = pod ? sessions.live(this.#ref(pod)) : undefined;
    }
    if (!pod || !session) {
      pod = this.#current;
      session = pod ? sessions.live(this.#ref(pod)) : undefined;
    }
    if (!pod || !session) ({ pod, session } = await this.#waiter.wait(request.signal));
    const chosen = pod;
    const podPort = resolvePodPort(pod, state.spec.targetPort);
    if (podPort === undefined)
      throw new Error(`pod ${pod.name} has no port named "${String(state.spec.targetPort)}"`);
    // One target per session (a session is one pod's), not one per connection: what it holds does not change
    // between connections, and each connection's copy was garbage the young generation had to copy.
    const known = targets.get(session);
    if (known && known.pod === pod.name && known.podPort === podPort) return known;
    const r = this.#ref(pod);
    const s = session;
    const endpoints = this.#endpoints;
    const made: ConnectionTarget = {
      forwardKey: this.#keyFor(pod.name, state.spec.port),
      pod: pod.name,
      podPort,
      session,
      worked: () => sessions.worked(r),
      bulk: () => sessions.bulk(r, s),
      track: (meter) => endpoints.track(chosen, meter),
    };
    targets.set(session, made);
    return made;
  }

  #listen(spec: ForwardPortSpec): PortState {
    const { request, log, onConnection, tap } = this.#options;
    const state: PortState = {
      spec,
      listener: undefined as unknown as PortListener,
      bound: false,
      error: undefined,
      startedAt: undefined,
    };
    const targets = new WeakMap<PortForwardSession, ConnectionTarget>();
    state.listener = createPortListener({
      ip: request.ip,
      port: spec.port,
      closeGraceMs: this.#options.closeGraceMs,
      now: this.#now,
      target: (conn) => this.#target(state, targets, conn),
      tap: tap ? (fk, pod) => tap(fk, request.serviceKey, pod) : undefined,
      onAccept: this.#options.onActivity,
      onFailure: (f) => {
        state.error = f.message;
        log.warn(
          {
            forward: f.forwardKey ?? this.#keyFor(this.#current?.name, spec.port),
            stage: f.stage,
            err: f.message,
          },
          `connection to ${request.key}:${spec.port} failed`,
        );
        this.#error(f.message, classifyError(f.message), {
          forwardKey: f.forwardKey,
          pod: f.pod,
          port: spec.port,
          stage: f.stage,
        });
      },
      onConnection: onConnection
        ? (ev) =>
            onConnection({
              type: ev.type === 'opened' ? 'connection.opened' : 'connection.closed',
              data: {
                key: request.key,
                localPort: spec.port,
                connectionsActive: ev.active,
                connectionsTotal: ev.total,
              },
            })
        : undefined,
    });
    return state;
  }

  async #bind(state: PortState): Promise<void> {
    const { request, aliases, log } = this.#options;
    aliases?.acquire(request.ip);
    try {
      await state.listener.start();
      state.bound = true;
      state.startedAt = new Date(this.#now()).toISOString();
    } catch (err) {
      aliases?.release(request.ip);
      state.error = describeError(err);
      log.error({ forward: request.key, port: state.spec.port, err: state.error }, state.error);
      this.#error(state.error, classifyError(err), { port: state.spec.port });
    }
  }

  async #unbind(state: PortState): Promise<void> {
    await state.listener.close();
    if (state.bound) this.#options.aliases?.release(this.#request.ip);
    state.bound = false;
  }

  #add(spec: ForwardPortSpec): PortState | undefined {
    const key = this.#request.key;
    if ((spec.protocol || 'TCP').toUpperCase() !== 'TCP') {
      const message = `${spec.protocol} port ${spec.port} of ${key} skipped: only TCP can be forwarded`;
      this.#options.log.warn({ forward: key, port: spec.port }, message);
      this.#error(message, 'unsupported', { port: spec.port });
      return undefined;
    }
    const state = this.#listen(spec);
    this.#ports.set(spec.port, state);
    return state;
  }

  #statusOf(p: PortState, podPort: number | undefined, session: PodSessionState | undefined): ForwardStatus {
    if (!p.bound) return p.startedAt === undefined && !p.error ? 'connecting' : 'error';
    if (!this.#current) return 'pending';
    if (podPort === undefined) return 'error';
    if (session?.connected) return 'active';
    return session?.lastError && !session.dialing ? 'error' : 'connecting';
  }

  #currentSession(): PodSessionState | undefined {
    return this.#current ? this.#sessions.state(this.#refOfCurrent(this.#current)) : undefined;
  }

  /** Binds every port; rejects (PORT_IN_USE) only when none could be bound: the others keep working. Idempotent. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      const fresh = this.#request.ports
        .map((spec) => this.#add(spec))
        .filter((p): p is PortState => p !== undefined);
      await Promise.all(fresh.map((p) => this.#bind(p)));
      if (fresh.length > 0 && fresh.every((p) => !p.bound))
        throw new KubefwdError(
          'PORT_IN_USE',
          fresh[0]?.error ?? `no port of ${this.#request.key} could be bound`,
        );
      this.#select();
    })();
    return this.#started;
  }

  setPods(next: readonly ForwardPod[]): void {
    this.#pods = next;
    this.#select();
  }

  /** Overrides the default policy for this service; undefined goes back to the default. */
  setPolicy(policy: LbPolicy | undefined): void {
    this.#override = policy;
    this.#balancer.policy = policy ?? this.#defaultPolicy;
  }

  /** The Service's sessionAffinity: ClientIP with its timeout, or none (undefined). */
  setAffinity(ms: number | undefined): void {
    if (ms !== this.#balancer.affinityMs) this.#balancer.setAffinity(ms);
  }

  balancing(): BalancingView {
    const b = this.#balancer;
    return {
      policy: b.policy,
      override: this.#override,
      affinityMs: b.affinityMs,
      maxSessions: this.#maxSessions,
    };
  }

  /** Each endpoint that takes connections or drains, with its connections and bytes. */
  endpoints(): EndpointView[] {
    return this.#endpoints.views();
  }

  async setPorts(specs: ForwardPortSpec[]): Promise<void> {
    const ports = this.#ports;
    const wanted = new Map(specs.map((s) => [s.port, s]));
    const gone = [...ports.values()].filter((p) => !wanted.has(p.spec.port));
    for (const p of gone) ports.delete(p.spec.port);
    for (const p of ports.values()) p.spec = wanted.get(p.spec.port) ?? p.spec;
    const fresh = specs
      .filter((spec) => !ports.has(spec.port))
      .map((spec) => this.#add(spec))
      .filter((p): p is PortState => p !== undefined);
    await Promise.all([
      ...gone.map((p) => this.#unbind(p)),
      ...(this.#started && !this.#closing ? fresh.map((p) => this.#bind(p)) : []),
    ]);
    this.#select();
  }

  /** Stops accepting, lets live connections finish within the grace period, releases the pod. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#started?.catch(() => undefined);
      this.#release?.();
      this.#release = undefined;
      this.#endpoints.close();
      await Promise.all([...this.#ports.values()].map((p) => this.#unbind(p)));
    })();
    return this.#closing;
  }

  /**
   * Just the byte counters of each port, handed to `emit`: what the once-a-second metrics sampler needs, without
   * building snapshots (1,000 forwards sampled through objects made megabytes of garbage a second). True when any
   * counter was read afresh (a connection is open or one opened or closed since the last visit): false means the
   * forward is idle and its readings are the same as last time.
   */
  visitReadings(
    emit: (forwardKey: string, serviceKey: string, bytesIn: number, bytesOut: number) => void,
  ): boolean {
    let fresh = false;
    for (const p of this.#ports.values()) {
      const key = this.#portKey(p);
      const epoch = p.listener.idleEpoch;
      if (p.readIn === undefined || p.readOut === undefined || epoch === undefined || epoch !== p.readEpoch) {
        const c = p.listener.counters();
        p.readIn = c.bytesIn;
        p.readOut = c.bytesOut;
        p.readEpoch = epoch;
        fresh = true;
      }
      emit(key, this.#request.serviceKey, p.readIn, p.readOut);
    }
    return fresh;
  }

  /** snapshot()'s statuses and bytes, counted without an object per port: the services list counts every service. */
  tally(into: { forwards: number; active: number; errors: number; bytesIn: number; bytesOut: number }): void {
    if (this.#ports.size === 0) return;
    const session = this.#currentSession();
    const current = this.#current;
    for (const p of this.#ports.values()) {
      const status = this.#statusOf(
        p,
        current ? resolvePodPort(current, p.spec.targetPort) : undefined,
        session,
      );
      const c = p.listener.counters();
      into.forwards++;
      if (status === 'active') into.active++;
      else if (status === 'error') into.errors++;
      into.bytesIn += c.bytesIn;
      into.bytesOut += c.bytesOut;
    }
  }

  /** See ForwardHandle.stamp (src/daemon/ports.ts): what snapshot() reads, without building it. */
  stamp(
    into: { put(value: unknown): void },
    rate: (forwardKey: string) => Readonly<{ rateIn: number; rateOut: number }> | undefined,
  ): boolean {
    const s = this.#currentSession();
    into.put(this.#current);
    into.put(this.#ports.size);
    into.put(s?.connected);
    into.put(s?.dialing);
    into.put(s?.lastError);
    into.put(s?.protocol);
    into.put(s?.backoff.attempts);
    into.put(s?.backoff.delayMs);
    into.put(s?.backoff.nextAttemptAt);
    for (const p of this.#ports.values()) {
      const epoch = p.listener.idleEpoch;
      if (epoch === undefined) return false;
      const r = rate(this.#portKey(p));
      into.put(p);
      into.put(epoch);
      into.put(p.bound);
      into.put(p.error);
      into.put(p.startedAt);
      into.put(p.spec.port);
      into.put(p.spec.servicePort);
      into.put(p.spec.targetPort);
      into.put(r?.rateIn);
      into.put(r?.rateOut);
    }
    return true;
  }

  snapshot(): ForwardPortStatus[] {
    const session = this.#currentSession();
    const current = this.#current;
    return [...this.#ports.values()].map((p) => {
      const podPort = current ? resolvePodPort(current, p.spec.targetPort) : undefined;
      const c = p.listener.counters();
      return {
        forwardKey: this.#keyFor(current?.name, p.spec.port),
        localIp: this.#request.ip,
        localPort: p.spec.port,
        servicePort: p.spec.servicePort,
        podName: current?.name,
        podPort,
        status: this.#statusOf(p, podPort, session),
        bytesIn: c.bytesIn,
        bytesOut: c.bytesOut,
        connectionsActive: c.connectionsActive,
        connectionsTotal: c.connectionsTotal,
        lastError: p.error ?? session?.lastError,
        reconnect: session?.backoff,
        protocol: session?.protocol,
        startedAt: p.startedAt,
        lastActive: c.lastActive === undefined ? undefined : new Date(c.lastActive).toISOString(),
      };
    });
  }
}
