import type { ForwardPortSnapshot, ForwardPortSpec, ForwardRequest } from '../daemon/ports.ts';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { PortForwardSession } from '../portforward/types.ts';
import type { BackoffState } from './backoff.ts';
import { classifyError, type ErrorClassification } from './classify-error.ts';
import { createBalancer, type LbPolicy } from './balancer.ts';
import { createEndpointSet, type EndpointEventType, type EndpointView } from './endpoint-set.ts';
import {
  choosePod,
  eligiblePods,
  pinPod,
  resolvePodPort,
  type ForwardPod,
  type PodChooser,
} from './pod-choice.ts';
import type { PodRef, PodSessions, SessionEvent } from './pod-sessions.ts';
import { createPodWaiter } from './pod-waiter.ts';
import {
  createPortListener,
  type ConnectionTap,
  type ConnectionTarget,
  type PortListener,
} from './port-listener.ts';

export interface ForwardEvent {
  type: 'forward.connected' | 'forward.disconnected' | 'forward.error' | 'pod.selected' | EndpointEventType;
  data: Record<string, unknown>;
}

/** Per-connection notices; kept apart from ForwardEvent because they come at connection rate. */
export interface ConnectionEvent {
  type: 'connection.opened' | 'connection.closed';
  data: { key: string; localPort: number; connectionsActive: number; connectionsTotal: number };
}

export type ForwardStatus = 'active' | 'pending' | 'error' | 'connecting';

export interface ForwardPortStatus extends ForwardPortSnapshot {
  status: ForwardStatus;
  reconnect: BackoffState | undefined;
  servicePort: number;
  protocol: string | undefined;
  lastActive: string | undefined;
}

/** How a forward spreads connections; `policy` is the daemon's default unless overridden per service. */
export interface BalancingView {
  policy: LbPolicy;
  /** Set when the policy was chosen for this service (through the API) rather than by `--lb`. */
  override: LbPolicy | undefined;
  /** ClientIP affinity timeout from the Service, when it asks for affinity. */
  affinityMs: number | undefined;
  maxSessions: number;
}

export interface ServiceForwardOptions {
  request: ForwardRequest;
  sessions: Pick<PodSessions, 'get' | 'live' | 'hold' | 'worked' | 'state' | 'bulk'>;
  /** Default balancing policy (`--lb`), default round-robin. */
  lbPolicy?: LbPolicy;
  /** Endpoints of a service that keep a session dialled ahead of need (`--lb-sessions`), default 8. */
  maxSessions?: number;
  log: Logger;
  onEvent: (event: ForwardEvent) => void;
  onConnection?: ((event: ConnectionEvent) => void) | undefined;
  /** Called when a connection arrives: the sampler then reads this forward's counters until it is idle again. */
  onActivity?: (() => void) | undefined;
  /** How long a connection arriving while no pod is ready (or its session is still dialling) waits, then closes. */
  waitForPodMs?: number;
  tap?: ((forwardKey: string, serviceKey: string, pod: string) => ConnectionTap | undefined) | undefined;
  /** Overrides pod choice; by default `request.pod` pins one pod (headless per-pod forwards), else `choosePod`. */
  choosePod?: PodChooser | undefined;
  /** Loopback aliases (macOS); absent where the platform needs none. */
  aliases?: { acquire(ip: string): void; release(ip: string): void } | undefined;
  closeGraceMs?: number;
  now?: () => number;
}

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
export function createServiceForward(options: ServiceForwardOptions) {
  const { request, sessions, log, onEvent } = options;
  const now = options.now ?? Date.now;
  const waitForPodMs = options.waitForPodMs ?? 5_000;
  const chooser = options.choosePod ?? (request.pod ? pinPod(request.pod) : choosePod);
  const base = { key: request.key, serviceKey: request.serviceKey };
  const defaultPolicy: LbPolicy = options.lbPolicy ?? 'round-robin';
  let override: LbPolicy | undefined;
  const balancer = createBalancer({ policy: defaultPolicy, now });
  const maxSessions = options.maxSessions ?? 8;
  const endpoints = createEndpointSet({
    context: request.context,
    sessions,
    balancer,
    maxSessions,
    onEvent: (type, pod, extra) => onEvent({ type, data: { ...base, pod: pod.name, ...extra } }),
  });
  const ports = new Map<number, PortState>();
  const waiter = createPodWaiter({
    key: request.key,
    current: () => current,
    session: (pod, signal) => sessions.get(ref(pod), signal),
    waitForPodMs,
  });
  let pods: readonly ForwardPod[] = [];
  let current: ForwardPod | undefined;
  let release: (() => void) | undefined;
  let started: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  const ref = (p: ForwardPod): PodRef => ({
    context: request.context,
    namespace: p.namespace,
    name: p.name,
    uid: p.uid,
  });
  /** The current pod's ref, made once per pod: its session state is read for every service of every list. */
  let currentRef: { pod: ForwardPod; ref: PodRef } | undefined;
  const refOfCurrent = (p: ForwardPod): PodRef => {
    if (currentRef?.pod !== p) currentRef = { pod: p, ref: ref(p) };
    return currentRef.ref;
  };
  const keyFor = (pod: string | undefined, port: number): string => `${request.key}.${pod ?? '-'}.${port}`;
  /** The port's forward key for the current pod, made again only when the pod changed. */
  const portKey = (p: PortState): string => {
    const pod = current?.name;
    if (p.keyPod !== pod || p.key === undefined) {
      p.keyPod = pod;
      p.key = keyFor(pod, p.spec.port);
    }
    return p.key;
  };
  const error = (
    message: string,
    classification: ErrorClassification,
    extra: Record<string, unknown> = {},
  ): void =>
    onEvent({ type: 'forward.error', data: { ...base, ...extra, message, error: message, classification } });

  function announceConnected(pod: ForwardPod, protocol: string | undefined): void {
    for (const p of ports.values()) {
      if (!p.bound) continue;
      onEvent({
        type: 'forward.connected',
        data: {
          ...base,
          forwardKey: keyFor(pod.name, p.spec.port),
          pod: pod.name,
          port: p.spec.port,
          podPort: resolvePodPort(pod, p.spec.targetPort),
          localIP: request.ip,
          protocol,
        },
      });
    }
  }

  function onSession(pod: ForwardPod, ev: SessionEvent): void {
    if (current !== pod || closing) return;
    if (ev.type === 'connected') announceConnected(pod, ev.protocol);
    else if (ev.type === 'lost')
      onEvent({
        type: 'forward.disconnected',
        data: { ...base, pod: pod.name, reason: 'session lost', retryInMs: ev.retryInMs },
      });
    else error(ev.error, classifyError(ev.error), { pod: pod.name, retryInMs: ev.retryInMs });
  }

  /** The pods that take new connections, the one `first` uses first. */
  function takers(next: ForwardPod | undefined, targets: Array<number | string>): ForwardPod[] {
    if (!next) return [];
    if (options.choosePod || request.pod) return [next];
    return [next, ...eligiblePods(pods, targets).filter((p) => p.uid !== next.uid || p.name !== next.name)];
  }

  function select(): void {
    if (closing) return;
    const targets = [...ports.values()].map((p) => p.spec.targetPort);
    const next = chooser(pods, current, targets);
    endpoints.update(takers(next, targets), pods);
    if (next?.uid === current?.uid && next?.name === current?.name) {
      current = next ?? current;
      return;
    }
    const prev = current;
    current = next;
    // The forward keys (they name the pod) change: the sampler reads them at its next sample.
    options.onActivity?.();
    release?.();
    release = undefined;
    if (prev)
      onEvent({
        type: 'forward.disconnected',
        data: { ...base, pod: prev.name, reason: next ? 'pod replaced' : 'no ready pod' },
      });
    if (!next) return;
    onEvent({ type: 'pod.selected', data: { ...base, pod: next.name, previous: prev?.name } });
    waiter.wake(next);
    // Holding the pod keeps its session dialled, so the first connection does not pay for the upgrade.
    release = sessions.hold(ref(next), (ev) => onSession(next, ev));
    const st = sessions.state(ref(next));
    if (st?.connected) announceConnected(next, st.protocol);
  }

  function listen(spec: ForwardPortSpec): PortState {
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
      closeGraceMs: options.closeGraceMs,
      now,
      target: async (signal, client) => {
        let pod: ForwardPod | undefined;
        let session: PortForwardSession | undefined;
        if (balancer.policy !== 'first') {
          endpoints.warmUp();
          pod = endpoints.pick(client);
          session = pod ? sessions.live(ref(pod)) : undefined;
        }
        if (!pod || !session) {
          pod = current;
          session = pod ? sessions.live(ref(pod)) : undefined;
        }
        if (!pod || !session) ({ pod, session } = await waiter.wait(signal));
        const chosen = pod;
        const podPort = resolvePodPort(pod, state.spec.targetPort);
        if (podPort === undefined)
          throw new Error(`pod ${pod.name} has no port named "${String(state.spec.targetPort)}"`);
        // One target per session (a session is one pod's), not one per connection: what it holds does not change
        // between connections, and each connection's copy was garbage the young generation had to copy.
        const known = targets.get(session);
        if (known && known.pod === pod.name && known.podPort === podPort) return known;
        const r = ref(pod);
        const s = session;
        const made: ConnectionTarget = {
          forwardKey: keyFor(pod.name, spec.port),
          pod: pod.name,
          podPort,
          session,
          worked: () => sessions.worked(r),
          bulk: () => sessions.bulk(r, s),
          track: (meter) => endpoints.track(chosen, meter),
        };
        targets.set(session, made);
        return made;
      },
      tap: options.tap ? (fk, pod) => options.tap?.(fk, request.serviceKey, pod) : undefined,
      onAccept: options.onActivity,
      onFailure: (f) => {
        state.error = f.message;
        log.warn(
          { forward: f.forwardKey ?? keyFor(current?.name, spec.port), stage: f.stage, err: f.message },
          `connection to ${request.key}:${spec.port} failed`,
        );
        error(f.message, classifyError(f.message), {
          forwardKey: f.forwardKey,
          pod: f.pod,
          port: spec.port,
          stage: f.stage,
        });
      },
      onConnection: options.onConnection
        ? (ev) =>
            options.onConnection?.({
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

  async function bind(state: PortState): Promise<void> {
    options.aliases?.acquire(request.ip);
    try {
      await state.listener.start();
      state.bound = true;
      state.startedAt = new Date(now()).toISOString();
    } catch (err) {
      options.aliases?.release(request.ip);
      state.error = describeError(err);
      log.error({ forward: request.key, port: state.spec.port, err: state.error }, state.error);
      error(state.error, classifyError(err), { port: state.spec.port });
    }
  }

  async function unbind(state: PortState): Promise<void> {
    await state.listener.close();
    if (state.bound) options.aliases?.release(request.ip);
    state.bound = false;
  }

  function add(spec: ForwardPortSpec): PortState | undefined {
    if ((spec.protocol || 'TCP').toUpperCase() !== 'TCP') {
      const message = `${spec.protocol} port ${spec.port} of ${request.key} skipped: only TCP can be forwarded`;
      log.warn({ forward: request.key, port: spec.port }, message);
      error(message, 'unsupported', { port: spec.port });
      return undefined;
    }
    const state = listen(spec);
    ports.set(spec.port, state);
    return state;
  }

  function statusOf(
    p: PortState,
    podPort: number | undefined,
    session: ReturnType<typeof sessions.state>,
  ): ForwardStatus {
    if (!p.bound) return p.startedAt === undefined && !p.error ? 'connecting' : 'error';
    if (!current) return 'pending';
    if (podPort === undefined) return 'error';
    if (session?.connected) return 'active';
    return session?.lastError && !session.dialing ? 'error' : 'connecting';
  }

  return {
    /** Binds every port; rejects (PORT_IN_USE) only when none could be bound: the others keep working. Idempotent. */
    start(): Promise<void> {
      started ??= (async () => {
        const fresh = request.ports.map(add).filter((s): s is PortState => s !== undefined);
        await Promise.all(fresh.map(bind));
        if (fresh.length > 0 && fresh.every((p) => !p.bound))
          throw new KubefwdError(
            'PORT_IN_USE',
            fresh[0]?.error ?? `no port of ${request.key} could be bound`,
          );
        select();
      })();
      return started;
    },

    setPods(next: readonly ForwardPod[]): void {
      pods = next;
      select();
    },

    /** Overrides the default policy for this service; undefined goes back to the default. */
    setPolicy(policy: LbPolicy | undefined): void {
      override = policy;
      balancer.policy = policy ?? defaultPolicy;
    },

    /** The Service's sessionAffinity: ClientIP with its timeout, or none (undefined). */
    setAffinity(ms: number | undefined): void {
      if (ms !== balancer.affinityMs) balancer.setAffinity(ms);
    },

    balancing(): BalancingView {
      return { policy: balancer.policy, override, affinityMs: balancer.affinityMs, maxSessions };
    },

    /** Each endpoint that takes connections or drains, with its connections and bytes. */
    endpoints(): EndpointView[] {
      return endpoints.views();
    },

    async setPorts(specs: ForwardPortSpec[]): Promise<void> {
      const wanted = new Map(specs.map((s) => [s.port, s]));
      const gone = [...ports.values()].filter((p) => !wanted.has(p.spec.port));
      for (const p of gone) ports.delete(p.spec.port);
      for (const p of ports.values()) p.spec = wanted.get(p.spec.port) ?? p.spec;
      const fresh = specs
        .filter((s) => !ports.has(s.port))
        .map(add)
        .filter((s): s is PortState => s !== undefined);
      await Promise.all([...gone.map(unbind), ...(started && !closing ? fresh.map(bind) : [])]);
      select();
    },

    /** Stops accepting, lets live connections finish within the grace period, releases the pod. Idempotent. */
    close(): Promise<void> {
      closing ??= (async () => {
        await started?.catch(() => undefined);
        release?.();
        release = undefined;
        endpoints.close();
        await Promise.all([...ports.values()].map(unbind));
      })();
      return closing;
    },

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
      for (const p of ports.values()) {
        const key = portKey(p);
        const epoch = p.listener.idleEpoch;
        if (
          p.readIn === undefined ||
          p.readOut === undefined ||
          epoch === undefined ||
          epoch !== p.readEpoch
        ) {
          const c = p.listener.counters();
          p.readIn = c.bytesIn;
          p.readOut = c.bytesOut;
          p.readEpoch = epoch;
          fresh = true;
        }
        emit(key, request.serviceKey, p.readIn, p.readOut);
      }
      return fresh;
    },

    /** snapshot()'s statuses and bytes, counted without an object per port: the services list counts every service. */
    tally(into: {
      forwards: number;
      active: number;
      errors: number;
      bytesIn: number;
      bytesOut: number;
    }): void {
      if (ports.size === 0) return;
      const session = current ? sessions.state(refOfCurrent(current)) : undefined;
      for (const p of ports.values()) {
        const status = statusOf(p, current ? resolvePodPort(current, p.spec.targetPort) : undefined, session);
        const c = p.listener.counters();
        into.forwards++;
        if (status === 'active') into.active++;
        else if (status === 'error') into.errors++;
        into.bytesIn += c.bytesIn;
        into.bytesOut += c.bytesOut;
      }
    },

    /** See ForwardHandle.stamp (src/daemon/ports.ts): what snapshot() reads, without building it. */
    stamp(
      into: { put(value: unknown): void },
      rate: (forwardKey: string) => Readonly<{ rateIn: number; rateOut: number }> | undefined,
    ): boolean {
      const s = current ? sessions.state(refOfCurrent(current)) : undefined;
      into.put(current);
      into.put(ports.size);
      into.put(s?.connected);
      into.put(s?.dialing);
      into.put(s?.lastError);
      into.put(s?.protocol);
      into.put(s?.backoff.attempts);
      into.put(s?.backoff.delayMs);
      into.put(s?.backoff.nextAttemptAt);
      for (const p of ports.values()) {
        const epoch = p.listener.idleEpoch;
        if (epoch === undefined) return false;
        const r = rate(portKey(p));
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
    },

    snapshot(): ForwardPortStatus[] {
      const session = current ? sessions.state(refOfCurrent(current)) : undefined;
      return [...ports.values()].map((p) => {
        const podPort = current ? resolvePodPort(current, p.spec.targetPort) : undefined;
        const c = p.listener.counters();
        return {
          forwardKey: keyFor(current?.name, p.spec.port),
          localIp: request.ip,
          localPort: p.spec.port,
          servicePort: p.spec.servicePort,
          podName: current?.name,
          podPort,
          status: statusOf(p, podPort, session),
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
    },
  };
}

export type ServiceForward = ReturnType<typeof createServiceForward>;
