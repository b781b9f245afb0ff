import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { podsForService, serviceKind, type PodCandidate, type ServiceKind } from '../cluster/pods.ts';
import { KubefwdError, describeError } from '../errors.ts';
import { burstLog } from '../log/burst-log.ts';
import type { Logger } from '../log/logger.ts';
import type { PortMapping } from './config.ts';
import type { EventBus } from './bus.ts';
import type {
  ForwardFactory,
  ForwardHandle,
  ForwardPortSpec,
  HostnameInput,
  HostsPort,
  IpAllocatorPort,
  IpKey,
  IpSlot,
} from './ports.ts';

export interface ServiceRecord {
  key: string;
  context: string;
  namespace: string;
  name: string;
  kind: ServiceKind;
  ip: string;
  hostnames: string[];
  ports: ForwardPortSpec[];
  slot: IpSlot;
  /** 'namespace' when a namespace watch owns it, 'api' when added alone. */
  source: 'namespace' | 'api';
  forward: ForwardHandle;
  podForwards: Map<string, { ip: string; hostnames: string[]; forward: ForwardHandle }>;
  pods: PodCandidate[];
  createdAt: string;
  lastSyncedAt: string;
  error: string | undefined;
}

export interface SkippedService {
  key: string;
  reason: string;
}

export interface ServiceRegistryOptions {
  allocator: IpAllocatorPort;
  hosts: HostsPort;
  hostnames: (input: HostnameInput) => string[];
  createForward: ForwardFactory;
  mappings: PortMapping[];
  bus: EventBus;
  log: Logger;
  now?: () => number;
}

export const serviceKey = (name: string, namespace: string, context: string): string =>
  `${name}.${namespace}.${context}`;

/**
 * A burst of new forwards (a namespace of 10,000 services at start) logs its first ANNOUNCE_BURST at info and the rest
 * at debug: a line each was ~7 % of the daemon's CPU until ready at 10,000 services, for a log nobody reads line by
 * line (the start summary and GET /api/v1/services list them all). A quiet spell starts a new burst.
 */
const ANNOUNCE_BURST = 100;
const ANNOUNCE_QUIET_MS = 5_000;

function portsOf(service: V1Service, mappings: PortMapping[], log: Logger, key: string): ForwardPortSpec[] {
  const out: ForwardPortSpec[] = [];
  for (const p of service.spec?.ports ?? []) {
    const protocol = p.protocol ?? 'TCP';
    if (protocol !== 'TCP') {
      log.warn(
        { service: key, port: p.port, protocol },
        `skipping ${protocol} port ${p.port} of ${key}: only TCP is forwarded`,
      );
      continue;
    }
    const mapped = mappings.find((m) => m.servicePort === p.port);
    out.push({
      name: p.name,
      port: mapped?.localPort ?? p.port,
      servicePort: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol,
    });
  }
  return out;
}

/** The Service's ClientIP affinity timeout in ms (default 3 hours, as Kubernetes), or undefined without affinity. */
export function affinityMsOf(service: V1Service): number | undefined {
  if (service.spec?.sessionAffinity !== 'ClientIP') return undefined;
  return (service.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10_800) * 1000;
}

const samePorts = (a: ForwardPortSpec[], b: ForwardPortSpec[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * The desired state: one record per forwarded service with its IP, hostnames and forwards. Changes to one service
 * are serialised; different services proceed in parallel.
 */
export function createServiceRegistry(options: ServiceRegistryOptions) {
  const { allocator, hosts, bus, log } = options;
  const announce = burstLog(log, ANNOUNCE_BURST, ANNOUNCE_QUIET_MS);
  const now = options.now ?? Date.now;
  const records = new Map<string, ServiceRecord>();
  const skipped = new Map<string, SkippedService>();
  const chains = new Map<string, Promise<unknown>>();

  function serially<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = chains.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return next;
  }

  const iso = (): string => new Date(now()).toISOString();

  async function openForward(
    record: Pick<ServiceRecord, 'key' | 'context' | 'namespace' | 'name' | 'slot'>,
    ipKey: IpKey,
    ports: ForwardPortSpec[],
    pod: string | undefined,
  ): Promise<{ ip: string; hostnames: string[]; forward: ForwardHandle }> {
    const ip = allocator.allocate(ipKey, record.slot);
    const hostnames = options.hostnames({
      service: pod ? `${pod}.${record.name}` : record.name,
      namespace: record.namespace,
      context: record.context,
      contextIndex: record.slot.contextIndex,
      namespaceIndex: record.slot.namespaceIndex,
      pod,
    });
    const forward = options.createForward({
      key: pod ? `${pod}.${record.key}` : record.key,
      serviceKey: record.key,
      context: record.context,
      namespace: record.namespace,
      service: record.name,
      ip,
      ports,
      pod,
    });
    try {
      // Listeners first: a name must never point at an address nobody listens on.
      await forward.start();
    } catch (err) {
      await forward.close().catch(() => undefined);
      allocator.release(ipKey);
      throw err;
    }
    hosts.set(pod ? `${pod}.${record.key}` : record.key, ip, hostnames);
    return { ip, hostnames, forward };
  }

  async function syncHeadless(record: ServiceRecord): Promise<void> {
    const wanted = new Set(record.pods.filter((p) => !p.terminating).map((p) => p.name));
    for (const [pod, entry] of record.podForwards) {
      if (wanted.has(pod)) continue;
      record.podForwards.delete(pod);
      hosts.remove(`${pod}.${record.key}`);
      await entry.forward.close();
      allocator.release({ context: record.context, namespace: record.namespace, service: record.name, pod });
    }
    for (const pod of wanted) {
      const existing = record.podForwards.get(pod);
      if (existing) {
        existing.forward.setPods(record.pods.filter((p) => p.name === pod));
        continue;
      }
      try {
        const ipKey = { context: record.context, namespace: record.namespace, service: record.name, pod };
        const entry = await openForward(record, ipKey, record.ports, pod);
        entry.forward.setPods(record.pods.filter((p) => p.name === pod));
        record.podForwards.set(pod, entry);
      } catch (err) {
        log.warn(
          { service: record.key, pod, err: describeError(err) },
          `cannot forward pod ${pod} of ${record.key}`,
        );
      }
    }
  }

  function applyPods(record: ServiceRecord, pods: PodCandidate[]): Promise<void> | undefined {
    const before = new Set(record.pods.map((p) => p.name));
    const after = new Set(pods.map((p) => p.name));
    for (const p of pods)
      if (!before.has(p.name))
        bus.publish('pod.added', {
          key: record.key,
          service: record.name,
          namespace: record.namespace,
          context: record.context,
          pod: p.name,
          ready: p.ready,
        });
    for (const name of before)
      if (!after.has(name))
        bus.publish('pod.removed', {
          key: record.key,
          service: record.name,
          namespace: record.namespace,
          context: record.context,
          pod: name,
        });
    record.pods = pods;
    record.lastSyncedAt = iso();
    record.forward.setPods(pods);
    return record.kind === 'headless' ? syncHeadless(record) : undefined;
  }

  return {
    /** Creates or updates the forward of `service` with the namespace's current pods. */
    upsert(
      context: string,
      slot: IpSlot,
      service: V1Service,
      pods: Iterable<V1Pod>,
      source: 'namespace' | 'api',
      slices?: Iterable<V1EndpointSlice>,
    ): Promise<ServiceRecord | undefined> {
      const name = service.metadata?.name ?? '';
      const namespace = service.metadata?.namespace ?? '';
      const key = serviceKey(name, namespace, context);
      const candidates = podsForService(service, pods, slices);
      return serially(key, async () => {
        const kind = serviceKind(service);
        if (kind === 'external-name' || kind === 'no-selector') {
          const reason =
            kind === 'external-name'
              ? 'ExternalName services have no pods to forward to'
              : 'services without a selector have no pods to forward to';
          if (!skipped.has(key)) log.warn({ service: key }, `skipping ${key}: ${reason}`);
          skipped.set(key, { key, reason });
          return undefined;
        }
        const ports = portsOf(service, options.mappings, log, key);
        if (ports.length === 0) {
          skipped.set(key, { key, reason: 'no TCP ports' });
          return undefined;
        }
        skipped.delete(key);
        const existing = records.get(key);
        if (existing) {
          if (existing.kind !== kind) {
            await removeNow(key);
          } else {
            if (!samePorts(existing.ports, ports)) {
              existing.ports = ports;
              await existing.forward.setPorts(ports);
              for (const entry of existing.podForwards.values()) await entry.forward.setPorts(ports);
              bus.publish('service.updated', {
                key,
                service: name,
                namespace,
                context,
                ports: ports.map((p) => p.port),
              });
            }
            existing.forward.setAffinity(affinityMsOf(service));
            await applyPods(existing, candidates);
            return existing;
          }
        }
        const base = { key, context, namespace, name, slot };
        let opened;
        try {
          opened = await openForward(base, { context, namespace, service: name }, ports, undefined);
        } catch (err) {
          bus.publish('service.error', { key, service: name, namespace, context, error: describeError(err) });
          throw err;
        }
        const record: ServiceRecord = {
          ...base,
          kind,
          ip: opened.ip,
          hostnames: opened.hostnames,
          ports,
          source,
          forward: opened.forward,
          podForwards: new Map(),
          pods: [],
          createdAt: iso(),
          lastSyncedAt: iso(),
          error: undefined,
        };
        records.set(key, record);
        record.forward.setAffinity(affinityMsOf(service));
        announce(
          { service: key, ip: record.ip, ports: ports.map((p) => p.port) },
          `forwarding ${key} on ${record.ip}`,
        );
        bus.publish('service.added', {
          key,
          service: name,
          namespace,
          context,
          localIP: record.ip,
          hostnames: record.hostnames,
          ports: ports.map((p) => p.port),
        });
        await applyPods(record, candidates);
        return record;
      });
    },

    /** Re-evaluates pods of an existing record (pod added/changed/removed). */
    updatePods(key: string, service: V1Service, pods: Iterable<V1Pod>): Promise<void> {
      const candidates = podsForService(service, pods);
      return serially(key, async () => {
        const record = records.get(key);
        if (record) await applyPods(record, candidates);
      });
    },

    remove(key: string): Promise<boolean> {
      return serially(key, () => removeNow(key));
    },

    get: (key: string) => records.get(key),
    list: () => [...records.values()],
    /** The records without a copy, for the once-a-second sampler (do not change the registry while iterating). */
    values: () => records.values(),
    skipped: () => [...skipped.values()],
    forgetSkipped: (key: string) => skipped.delete(key),

    async closeAll(): Promise<void> {
      await Promise.all([...records.keys()].map((key) => serially(key, () => removeNow(key))));
    },
  };

  async function removeNow(key: string): Promise<boolean> {
    const record = records.get(key);
    if (!record) return false;
    records.delete(key);
    hosts.remove(key);
    for (const pod of record.podForwards.keys()) hosts.remove(`${pod}.${key}`);
    const closing = [
      record.forward.close(),
      ...[...record.podForwards.values()].map((e) => e.forward.close()),
    ];
    await Promise.allSettled(closing);
    allocator.release({ context: record.context, namespace: record.namespace, service: record.name });
    for (const pod of record.podForwards.keys()) {
      allocator.release({ context: record.context, namespace: record.namespace, service: record.name, pod });
    }
    bus.publish('service.removed', {
      key,
      service: record.name,
      namespace: record.namespace,
      context: record.context,
    });
    return true;
  }
}

export type ServiceRegistry = ReturnType<typeof createServiceRegistry>;

export function notForwarded(key: string): KubefwdError {
  return new KubefwdError('NOT_FOUND', `service ${key} is not forwarded`);
}
