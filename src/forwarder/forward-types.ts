import type { ForwardPortSnapshot, ForwardRequest } from '../daemon/ports.ts';
import type { Logger } from '../log/logger.ts';
import type { BackoffState } from './backoff.ts';
import type { LbPolicy } from './balancer.ts';
import type { EndpointEventType } from './endpoint-set.ts';
import type { PodChooser } from './pod-choice.ts';
import type { PodSessions } from './pod-sessions.ts';
import type { ConnectionTap } from './port-listener.ts';

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
