import type { LbPolicy } from '../forwarder/balancer.ts';
import type { EndpointView } from '../forwarder/endpoint-set.ts';
import type { BalancingView } from '../forwarder/service-forward.ts';
import type { PodCandidate } from '../cluster/pods.ts';

/**
 * What the daemon needs from the hosts, forwarder and allocator rooms. The composition root adapts the rooms to
 * these, so the registry and its tests depend on behaviour, not on another room's internals.
 */
import type { HostnameOptions } from '../hosts/hostnames.ts';
import type { IpKey, IpSlot } from '../hosts/ip-allocator.ts';

export type { IpKey, IpSlot };

export interface IpAllocatorPort {
  allocate(key: IpKey, slot: IpSlot): string;
  release(key: IpKey): void;
}

export type HostnameInput = Omit<HostnameOptions, 'domain' | 'clusterDomain'> & { pod?: string | undefined };

export interface HostsPort {
  set(owner: string, ip: string, hostnames: string[]): void;
  remove(owner: string): void;
  flush(): Promise<void>;
}

export interface ForwardPortSpec {
  name?: string | undefined;
  /** Local port (after -m mapping). */
  port: number;
  /** The service's port, as the cluster knows it. */
  servicePort: number;
  targetPort: number | string;
  protocol: string;
}

export interface ForwardPortSnapshot {
  forwardKey: string;
  localIp: string;
  localPort: number;
  podName: string | undefined;
  podPort: number | undefined;
  status: 'active' | 'pending' | 'error' | 'connecting';
  bytesIn: number;
  bytesOut: number;
  connectionsActive: number;
  connectionsTotal: number;
  lastError: string | undefined;
  reconnect?: { attempts: number; delayMs: number; nextAttemptAt: number | undefined } | undefined;
  startedAt?: string | undefined;
  lastActive?: string | undefined;
  protocol?: string | undefined;
}

/** A forward's ports counted by status, with their bytes: what a list of services needs, without snapshots. */
export interface ForwardTally {
  forwards: number;
  active: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

export interface ForwardHandle {
  start(): Promise<void>;
  setPods(pods: PodCandidate[]): void;
  setPorts(ports: ForwardPortSpec[]): Promise<void> | void;
  close(): Promise<void>;
  snapshot(): ForwardPortSnapshot[];
  /** Adds the ports to `into` as snapshot() would count them, allocating nothing per port but its counters. */
  tally(into: ForwardTally): void;
  setPolicy(policy: LbPolicy | undefined): void;
  setAffinity(ms: number | undefined): void;
  balancing(): BalancingView;
  endpoints(): EndpointView[];
  /**
   * Byte counters per port only, handed to `emit`, for the once-a-second metrics sampler; false when the forward was
   * idle since the last visit (the same readings again).
   */
  visitReadings(
    emit: (forwardKey: string, serviceKey: string, bytesIn: number, bytesOut: number) => void,
  ): boolean;
  /**
   * Puts into `into` every value snapshot() reads (the forward rates of its keys through `rate`), so that two stamps
   * equal value for value mean equal snapshots; false (not to be compared) while a port has a connection open, whose
   * counters move. Optional: a forward without it is never taken as unchanged.
   */
  stamp?(into: StampSink, rate: (forwardKey: string) => ForwardRates | undefined): boolean;
}

/** Takes the values of a stamp one by one (see ForwardHandle.stamp). */
export interface StampSink {
  put(value: unknown): void;
}

export interface ForwardRates {
  readonly rateIn: number;
  readonly rateOut: number;
}

export interface ForwardRequest {
  /** svc.ns.ctx, or pod.svc.ns.ctx for a headless per-pod forward. */
  key: string;
  serviceKey: string;
  context: string;
  namespace: string;
  service: string;
  ip: string;
  ports: ForwardPortSpec[];
  /** Pin to one pod (headless per-pod names). */
  pod?: string | undefined;
}

export type ForwardFactory = (request: ForwardRequest) => ForwardHandle;
