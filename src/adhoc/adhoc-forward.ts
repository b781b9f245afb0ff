import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { toPodCandidate, type PodCandidate } from '../cluster/pods.ts';
import { createReflector, type Reflector } from '../cluster/reflector.ts';
import type { Logger } from '../log/logger.ts';
import type { PodChooser } from '../forwarder/pod-choice.ts';
import type { PodSessions } from '../forwarder/pod-sessions.ts';
import { createServiceForward, type ForwardEvent, type ForwardStatus } from '../forwarder/service-forward.ts';
import type { ResolvedTarget } from './resolve-target.ts';
import { formatTarget, type TargetRef } from './target-spec.ts';

export interface AdhocSpec {
  id: string;
  context: string;
  namespace: string;
  target: TargetRef;
  address: string;
  localPort: number;
  resolved: ResolvedTarget;
  /** Stops after this long without a connection or a byte. */
  ttlMs: number | undefined;
}

/** What an ad-hoc forward tells its owner: an error to report, or the pod it now reaches. */
export type AdhocNotice =
  | { type: 'error'; message: string; pod?: string | undefined }
  | { type: 'pod'; pod: string; previous: string | undefined };

export interface AdhocForwardOptions {
  spec: AdhocSpec;
  client: ClusterClient;
  sessions: Pick<PodSessions, 'get' | 'live' | 'hold' | 'worked' | 'state' | 'bulk'>;
  log: Logger;
  now: () => number;
  /** How long a connection arriving while no pod is ready waits. */
  waitForPodMs: number;
  onNotice: (notice: AdhocNotice) => void;
  /** The forward went unused for its TTL. */
  onExpire: () => void;
}

export interface AdhocSnapshot {
  pod: string | null;
  podPort: number | null;
  localPort: number;
  status: ForwardStatus;
  error: string | null;
  bytesIn: number;
  bytesOut: number;
  connectionsActive: number;
  connectionsTotal: number;
  expiresAt: string | null;
}

/**
 * kubectl's pod choice for a pod target: the pod of that name while it runs, ready or not. A pod deleted and created
 * again under the same name (a StatefulSet's) is picked up as soon as it runs.
 */
const runningPod =
  (name: string, phases: Map<string, string>): PodChooser =>
  (pods) =>
    pods.find((p) => p.name === name && !p.terminating && phases.get(p.uid) === 'Running');

/**
 * One ad-hoc forward: a listener on (address, port) of the service forward machinery, fed with the target's pods by
 * a watch of its own. Services, deployments and statefulsets follow pod replacement with the forwarder's pod choice
 * (ready pods first); a pod target stays on its pod and waits for it to come back under the same name.
 */
export function createAdhocForward(options: AdhocForwardOptions) {
  const { spec, client, log, now } = options;
  const createdAt = now();
  const label = formatTarget(spec.target);
  const phases = new Map<string, string>();
  let candidates: PodCandidate[] = [];
  let current: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  let started = false;

  const onEvent = (ev: ForwardEvent): void => {
    if (!started || closing) return;
    const data = ev.data;
    const pod = typeof data.pod === 'string' ? data.pod : undefined;
    if (ev.type === 'forward.error')
      options.onNotice({
        type: 'error',
        message: typeof data.message === 'string' ? data.message : 'forward failed',
        pod,
      });
    else if (ev.type === 'pod.selected' && pod) {
      const previous = current;
      current = pod;
      options.onNotice({ type: 'pod', pod, previous });
    } else if (ev.type === 'forward.disconnected' && data.reason === 'no ready pod') {
      current = undefined;
      options.onNotice({
        type: 'error',
        pod,
        message:
          spec.target.kind === 'pod'
            ? `pod ${spec.target.name} is gone or not running: waiting for it to come back`
            : `no ready pod for ${label}: connections wait for one`,
      });
    }
  };

  const forward = createServiceForward({
    request: {
      key: spec.id,
      serviceKey: spec.id,
      context: spec.context,
      namespace: spec.namespace,
      service: spec.target.name,
      ip: spec.address,
      ports: [
        {
          port: spec.localPort,
          servicePort: typeof spec.resolved.remote === 'number' ? spec.resolved.remote : 0,
          targetPort: spec.resolved.targetPort,
          protocol: 'TCP',
        },
      ],
    },
    sessions: options.sessions,
    log,
    now,
    waitForPodMs: options.waitForPodMs,
    choosePod: spec.target.kind === 'pod' ? runningPod(spec.target.name, phases) : undefined,
    onEvent,
  });

  const pods: Reflector<V1Pod> = createReflector<V1Pod>({
    kc: client.kc,
    path: `/api/v1/namespaces/${encodeURIComponent(spec.namespace)}/pods`,
    labelSelector: spec.resolved.labelSelector,
    fieldSelector: spec.resolved.fieldSelector,
    list: () =>
      client.core.listNamespacedPod({
        namespace: spec.namespace,
        labelSelector: spec.resolved.labelSelector,
        fieldSelector: spec.resolved.fieldSelector,
      }),
    onEvent: () => refresh(),
    onError: (err) => log.debug({ forward: spec.id, err: String(err) }, 'pod watch of a port-forward failed'),
    log,
  });

  function refresh(): void {
    const next: PodCandidate[] = [];
    phases.clear();
    for (const pod of pods.items()) {
      const c = toPodCandidate(pod);
      if (c.phase === 'Succeeded' || c.phase === 'Failed') continue;
      phases.set(c.uid, c.phase);
      next.push(c);
    }
    candidates = next;
    forward.setPods(next);
  }

  /** The last moment the forward was in use: now while a connection is open, else its last traffic. */
  function lastUse(): number {
    const [p] = forward.snapshot();
    if (!p) return createdAt;
    if (p.connectionsActive > 0) return now();
    return Math.max(createdAt, p.lastActive ? Date.parse(p.lastActive) : 0);
  }

  function armTtl(): void {
    if (spec.ttlMs === undefined || closing) return;
    const due = lastUse() + spec.ttlMs - now();
    if (due <= 0) {
      options.onExpire();
      return;
    }
    timer = setTimeout(armTtl, due);
    timer.unref();
  }

  return {
    spec,
    createdAt,
    /** Binds the port (PORT_IN_USE if taken), then lists the pods and picks one. */
    async start(syncTimeoutMs = 10_000): Promise<void> {
      await forward.start();
      started = true;
      pods.start();
      let bound: NodeJS.Timeout | undefined;
      await Promise.race([pods.synced, new Promise((r) => (bound = setTimeout(r, syncTimeoutMs)))]);
      clearTimeout(bound);
      armTtl();
    },

    snapshot(): AdhocSnapshot {
      const [p] = forward.snapshot();
      return {
        pod: p?.podName ?? null,
        podPort: p?.podPort ?? null,
        localPort: p?.localPort ?? spec.localPort,
        status: p?.status ?? 'connecting',
        error: p?.lastError ?? null,
        bytesIn: p?.bytesIn ?? 0,
        bytesOut: p?.bytesOut ?? 0,
        connectionsActive: p?.connectionsActive ?? 0,
        connectionsTotal: p?.connectionsTotal ?? 0,
        expiresAt: spec.ttlMs === undefined ? null : new Date(lastUse() + spec.ttlMs).toISOString(),
      };
    },

    /** A named pod port that none of the target's current pods has (kubectl refuses those); undefined if fine. */
    missingPortName(): string | undefined {
      const t = spec.resolved.targetPort;
      if (typeof t === 'number' || /^\d+$/.test(t) || candidates.length === 0) return undefined;
      return candidates.some((c) => c.containerPorts[t] !== undefined) ? undefined : t;
    },

    /** Stops the watch and the listener; live connections get the forwarder's grace. Idempotent. */
    close(): Promise<void> {
      closing ??= (async () => {
        clearTimeout(timer);
        await Promise.all([pods.close(), forward.close()]);
      })();
      return closing;
    },
  };
}

export type AdhocForward = ReturnType<typeof createAdhocForward>;
