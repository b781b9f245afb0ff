import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PodCandidate } from '../cluster/pods.ts';
import type { ForwardHandle, ForwardPortSnapshot, ForwardPortSpec, ForwardRequest } from '../daemon/ports.ts';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { PodSessions } from './pod-sessions.ts';
import { createPortListener, type ConnectionTap, type Counters, type PortListener } from './port-listener.ts';

export interface ForwardEvent {
  type: 'forward.connected' | 'forward.disconnected' | 'forward.error' | 'pod.selected';
  data: Record<string, unknown>;
}

export interface ServiceForwardOptions {
  request: ForwardRequest;
  sessions: PodSessions;
  log: Logger;
  onEvent: (event: ForwardEvent) => void;
  /** How long a connection arriving while no pod is ready waits for one (the `--timeout`). */
  waitForPodMs: number;
  tap?: ((forwardKey: string, serviceKey: string) => ConnectionTap | undefined) | undefined;
  /** Loopback aliases (macOS); absent where the platform needs none. */
  aliases?: { acquire(ip: string): void; release(ip: string): void } | undefined;
  now?: () => number;
}

interface PortState {
  spec: ForwardPortSpec;
  listener: PortListener | undefined;
  counters: Counters;
  error: string | undefined;
  startedAt: string | undefined;
}

function choose(
  pods: PodCandidate[],
  current: string | undefined,
  pinned: string | undefined,
): PodCandidate | undefined {
  const eligible = pods.filter((p) => p.ready && !p.terminating && (!pinned || p.name === pinned));
  const keep = eligible.find((p) => p.name === current);
  if (keep) return keep;
  return eligible.sort(
    (a, b) => a.creationTimestamp.localeCompare(b.creationTimestamp) || a.name.localeCompare(b.name),
  )[0];
}

function podPortFor(pod: PodCandidate, target: number | string): number | undefined {
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  return pod.containerPorts[target];
}

/**
 * The forward of one service IP: a listener per port, bound first; connections go to the chosen Ready pod over its
 * shared session; when the pod goes, the next connection goes to another at once. An error on one connection fails
 * that connection only.
 */
export function createServiceForward(options: ServiceForwardOptions): ForwardHandle {
  const { request, sessions, log, onEvent } = options;
  const now = options.now ?? Date.now;
  const ports = new Map<number, PortState>();
  let pods: PodCandidate[] = [];
  let current: PodCandidate | undefined;
  let waiters: Array<() => void> = [];
  let closed = false;

  const podRef = (p: PodCandidate) => ({
    context: request.context,
    namespace: p.namespace,
    name: p.name,
    uid: p.uid,
  });
  const forwardKey = (spec: ForwardPortSpec): string => `${request.key}.${current?.name ?? '-'}.${spec.port}`;

  function select(): void {
    const next = choose(pods, current?.name, request.pod);
    if (next?.name === current?.name && next?.uid === current?.uid) return;
    const prev = current;
    current = next;
    if (prev)
      onEvent({
        type: 'forward.disconnected',
        data: {
          key: request.key,
          serviceKey: request.serviceKey,
          pod: prev.name,
          reason: next ? 'pod replaced' : 'no ready pod',
        },
      });
    if (next) {
      onEvent({
        type: 'pod.selected',
        data: { key: request.key, serviceKey: request.serviceKey, pod: next.name },
      });
      const w = waiters;
      waiters = [];
      for (const fn of w) fn();
      // Warm the session so the first connection does not pay for the upgrade.
      sessions.get(podRef(next)).then(
        () => {
          if (current === next)
            onEvent({
              type: 'forward.connected',
              data: {
                key: request.key,
                serviceKey: request.serviceKey,
                pod: next.name,
                localIP: request.ip,
                ports: [...ports.keys()],
              },
            });
        },
        (err: unknown) =>
          onEvent({
            type: 'forward.error',
            data: {
              key: request.key,
              serviceKey: request.serviceKey,
              pod: next.name,
              error: describeError(err),
            },
          }),
      );
    }
  }

  function waitForPod(ms: number): Promise<PodCandidate | undefined> {
    if (current || ms <= 0) return Promise.resolve(current);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(current);
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== done);
        resolve(undefined);
      }, ms);
      timer.unref();
      waiters.push(done);
    });
  }

  async function handle(state: PortState, socket: net.Socket): Promise<void> {
    const c = state.counters;
    c.connectionsActive++;
    c.connectionsTotal++;
    socket.once('close', () => c.connectionsActive--);
    const pod = await waitForPod(options.waitForPodMs);
    if (!pod || closed) {
      socket.destroy();
      return;
    }
    const podPort = podPortFor(pod, state.spec.targetPort);
    if (podPort === undefined) {
      state.error = `pod ${pod.name} has no port named "${String(state.spec.targetPort)}"`;
      socket.destroy();
      return;
    }
    let data: Duplex;
    let errorText: Promise<string | null>;
    try {
      const session = await sessions.get(podRef(pod));
      ({ data, error: errorText } = session.open(podPort));
    } catch (err) {
      state.error = describeError(err);
      socket.destroy();
      return;
    }
    const fk = `${request.key}.${pod.name}.${state.spec.port}`;
    const tap = options.tap?.(fk, request.serviceKey);
    let worked = false;
    data.on('data', (chunk: Buffer) => {
      c.bytesIn += chunk.length;
      c.lastActive = now();
      tap?.server(chunk);
      if (!worked) {
        worked = true;
        sessions.worked(podRef(pod));
      }
    });
    socket.on('data', (chunk: Buffer) => {
      c.bytesOut += chunk.length;
      c.lastActive = now();
      tap?.client(chunk);
    });
    data.on('error', () => socket.destroy());
    data.on('close', () => {
      tap?.end();
      if (!socket.destroyed && !socket.writableEnded) socket.end();
    });
    socket.on('close', () => {
      if (!data.destroyed) data.destroy();
    });
    socket.pipe(data);
    data.pipe(socket);
    socket.resume();
    void errorText.then((text) => {
      if (!text) return;
      state.error = text;
      log.warn({ forward: fk, err: text }, `connection to ${pod.name}:${podPort} failed`);
      onEvent({
        type: 'forward.error',
        data: {
          key: request.key,
          serviceKey: request.serviceKey,
          pod: pod.name,
          port: state.spec.port,
          error: text,
        },
      });
      socket.destroy();
    });
  }

  async function openPort(spec: ForwardPortSpec): Promise<PortState> {
    const state: PortState = {
      spec,
      listener: undefined,
      counters: { bytesIn: 0, bytesOut: 0, connectionsActive: 0, connectionsTotal: 0, lastActive: undefined },
      error: undefined,
      startedAt: undefined,
    };
    const listener = createPortListener({
      ip: request.ip,
      port: spec.port,
      onConnection: (socket) => {
        handle(state, socket).catch((err: unknown) => {
          state.error = describeError(err);
          socket.destroy();
        });
      },
    });
    try {
      options.aliases?.acquire(request.ip);
      try {
        await listener.start();
      } catch (err) {
        options.aliases?.release(request.ip);
        throw err;
      }
      state.listener = listener;
      state.startedAt = new Date(now()).toISOString();
    } catch (err) {
      state.error = describeError(err);
      log.error({ forward: request.key, port: spec.port, err: state.error }, state.error);
      onEvent({
        type: 'forward.error',
        data: { key: request.key, serviceKey: request.serviceKey, port: spec.port, error: state.error },
      });
    }
    return state;
  }

  return {
    async start() {
      for (const spec of request.ports) ports.set(spec.port, await openPort(spec));
      if ([...ports.values()].every((p) => !p.listener)) {
        const first = [...ports.values()][0];
        throw new KubefwdError('PORT_IN_USE', first?.error ?? `no port of ${request.key} could be bound`);
      }
    },
    setPods(next) {
      pods = next;
      select();
    },
    async setPorts(specs) {
      const wanted = new Map(specs.map((s) => [s.port, s]));
      for (const [port, state] of ports) {
        if (wanted.has(port)) {
          state.spec = wanted.get(port) as ForwardPortSpec;
          continue;
        }
        ports.delete(port);
        if (state.listener) {
          await state.listener.close();
          options.aliases?.release(request.ip);
        }
      }
      for (const spec of specs) if (!ports.has(spec.port)) ports.set(spec.port, await openPort(spec));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiters) w();
      waiters = [];
      await Promise.all(
        [...ports.values()].map(async (p) => {
          if (!p.listener) return;
          await p.listener.close();
          options.aliases?.release(request.ip);
        }),
      );
    },
    snapshot(): ForwardPortSnapshot[] {
      return [...ports.values()].map((p) => {
        const podPort = current ? podPortFor(current, p.spec.targetPort) : undefined;
        const session = current ? sessions.state(podRef(current)) : undefined;
        const status = !p.listener
          ? 'error'
          : !current
            ? 'pending'
            : session?.connected
              ? 'active'
              : session?.lastError
                ? 'error'
                : 'connecting';
        return {
          forwardKey: forwardKey(p.spec),
          localIp: request.ip,
          localPort: p.spec.port,
          podName: current?.name,
          podPort,
          status,
          bytesIn: p.counters.bytesIn,
          bytesOut: p.counters.bytesOut,
          connectionsActive: p.counters.connectionsActive,
          connectionsTotal: p.counters.connectionsTotal,
          lastError: p.error ?? session?.lastError,
          reconnect: session?.backoff,
          startedAt: p.startedAt,
          lastActive:
            p.counters.lastActive === undefined ? undefined : new Date(p.counters.lastActive).toISOString(),
          servicePort: p.spec.servicePort,
          protocol: session?.protocol,
        };
      });
    },
  };
}
