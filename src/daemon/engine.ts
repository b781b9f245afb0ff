import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { defaultNamespaceOf } from '../cluster/kubeconfig.ts';
import { createDiscovery } from '../cluster/discovery.ts';
import { KubefwdError, describeError } from '../errors.ts';
import { createAdhocManager, type AdhocAudit } from '../adhoc/adhoc-manager.ts';
import { createPodDialer } from '../forwarder/pod-dialer.ts';
import { createPodSessions } from '../forwarder/pod-sessions.ts';
import { createServiceForward } from '../forwarder/service-forward.ts';
import { createTransportChooser } from '../forwarder/transport-chooser.ts';
import { buildHostnames } from '../hosts/hostnames.ts';
import { createHostsFile } from '../hosts/hosts-file.ts';
import { sudoOwner } from '../hosts/hosts-platform.ts';
import { createIpAllocator, parseFwdConf, parseReservations } from '../hosts/ip-allocator.ts';
import { createLoopbackAliases } from '../hosts/loopback-alias.ts';
import type { Logger } from '../log/logger.ts';
import type { EventBus } from './bus.ts';
import { API_HOSTNAME, type DaemonConfig } from './config.ts';
import { createNamespaceManager } from './namespace-manager.ts';
import type { ForwardHandle } from './ports.ts';
import { createServiceRegistry, type ServiceRegistry } from './service-registry.ts';

export interface EngineOptions {
  config: DaemonConfig;
  log: Logger;
  bus: EventBus;
  now: () => number;
  base: KubeConfig;
  clients: Map<string, ClusterClient>;
  statePath: string;
  /** Records every ad-hoc forward created, deleted or expired (the audit trail, where there is one). */
  audit?: AdhocAudit | undefined;
  /**
   * Told of every forward when it is made and whenever a connection arrives at it: the metrics sampler reads those
   * each second and the others only now and then.
   */
  onForwardActivity?: ((forward: ForwardHandle) => void) | undefined;
  /** Optional HTTP tap factory (the metrics room's sniffer). */
  tap?: Parameters<typeof createServiceForward>[0]['tap'];
}

const SETTLE_MS = 30_000;

/** Names the service forward listening on (address, port), for a port-forward refused with 409. */
function serviceHolder(registry: ServiceRegistry, address: string, port: number): string | undefined {
  for (const r of registry.list()) {
    const parts = [r.forward, ...[...r.podForwards.values()].map((p) => p.forward)];
    for (const f of parts)
      for (const p of f.snapshot())
        if (p.localPort === port && (p.localIp === address || address === '0.0.0.0'))
          return `kubefwd's forward of service ${r.key}`;
  }
  return undefined;
}

/** Everything that forwards: hosts, IPs, sessions, forwards, registry and namespace watches, wired together. */
export function createEngine(options: EngineOptions) {
  const { config, log, bus, now, clients } = options;
  const fwdConf = config.fwdConf ? parseFwdConf(config.fwdConf) : { base: undefined, reservations: [] };
  const cliReservations = parseReservations(config.reservations);
  const reservations = [
    ...cliReservations,
    ...fwdConf.reservations.filter((r) => !cliReservations.some((c) => c.name === r.name)),
  ];
  const allocator = createIpAllocator({
    statePath: options.statePath,
    reservations,
    base: fwdConf.base,
    reserved: [config.apiAddr.host],
    log,
  });
  const hosts = createHostsFile({
    path: config.hostsPath,
    backupPath: config.backupPath,
    // The backup belongs to the user who ran sudo, as the original's ~/hosts.original.
    backupOwner: sudoOwner(process.env),
    refreshBackup: config.refreshBackup,
    purgeStale: config.purgeStaleIps,
    log,
  });
  const transports = createTransportChooser({ log, preference: config.portForwardProtocol });
  const aliases = createLoopbackAliases({ log });
  const startedAt = now();

  const client = (context: string): ClusterClient => {
    const c = clients.get(context);
    if (!c)
      throw new KubefwdError(
        'NOT_FOUND',
        `context "${context}" is not one kubefwd was started with (${[...clients.keys()].join(', ')})`,
      );
    return c;
  };

  const sessions = createPodSessions({
    log,
    now,
    maxBulkSessions: config.bulkSessions,
    dial: createPodDialer(client, transports),
  });

  const registry = createServiceRegistry({
    allocator,
    hosts,
    mappings: config.mappings,
    bus,
    log,
    now,
    hostnames: (input) => {
      const result = buildHostnames({ ...input, domain: config.domain, clusterDomain: config.clusterDomain });
      if (result.rejected.length > 0)
        log.debug({ service: input.service, rejected: result.rejected }, 'hostnames refused as invalid');
      return result.hostnames;
    },
    createForward: (request) => {
      const forward: ForwardHandle = createServiceForward({
        request,
        sessions,
        log,
        now,
        waitForPodMs: config.timeoutMs,
        lbPolicy: config.lbPolicy,
        maxSessions: config.lbSessions,
        tap: options.tap,
        aliases,
        onEvent: (ev) => {
          if (ev.type === 'pod.selected') return;
          bus.publish(ev.type, ev.data);
        },
        onActivity: () => options.onForwardActivity?.(forward),
      });
      options.onForwardActivity?.(forward);
      return forward;
    },
  });

  const namespaces = createNamespaceManager({
    client,
    registry,
    bus,
    log,
    now,
    defaultSelector: config.selector,
    fieldSelector: config.fieldSelector,
  });

  const adhoc = createAdhocManager({
    client,
    defaultContext: () => [...clients.keys()][0] ?? '',
    defaultNamespace: (context) => defaultNamespaceOf(options.base, context),
    sessions,
    log,
    now,
    publish: (type, data) => bus.publish(type, data),
    holder: (address, port) => serviceHolder(registry, address, port),
    allowedAddresses: config.allowedForwardAddresses,
    audit: options.audit,
  });

  let apiEntry = false;

  /** Lists and watches every namespace asked for; resolves when their forwards listen and are in the hosts file. */
  async function startUp(signal?: AbortSignal): Promise<void> {
    await allocator.start();
    await hosts.start();
    if (config.api) {
      hosts.set(API_HOSTNAME, config.apiAddr.host, [API_HOSTNAME]);
      apiEntry = true;
    }
    const targets: Array<{ context: string; namespace: string }> = [];
    for (const c of clients.values()) {
      if (config.allNamespaces) {
        const list = await createDiscovery(c).namespaces();
        for (const ns of list) targets.push({ context: c.context, namespace: ns.name });
      } else for (const ns of config.namespaces) targets.push({ context: c.context, namespace: ns });
    }
    for (const t of targets) {
      if (signal?.aborted) break;
      await namespaces.add(t);
    }
    await namespaces.settled(SETTLE_MS);
    await hosts.flush();
  }

  let closing: Promise<void> | undefined;

  return {
    allocator,
    hosts,
    transports,
    sessions,
    registry,
    namespaces,
    adhoc,
    clients,
    startedAt,
    client,
    discovery: (context?: string) => createDiscovery(client(context ?? [...clients.keys()][0] ?? '')),
    defaultContext: (): string => [...clients.keys()][0] ?? '',
    defaultNamespace: (context: string): string => defaultNamespaceOf(options.base, context),

    async start(signal?: AbortSignal): Promise<void> {
      // The sessions of the pods chosen meanwhile are dialled once the start has answered (its caller says it is
      // ready first): at 10,000 services they were ~100 TLS handshakes and upgrades in the middle of the start-up.
      const warmUp = sessions.deferWarmUps();
      try {
        await startUp(signal);
      } finally {
        setImmediate(warmUp);
      }
    },

    /** Lines for the terminal: hostnames → IP:port → pod, then a summary; and the counts the summary gives. */
    summary(): { forwards: string[]; text: string; services: number; active: number; skipped: number } {
      const lines: string[] = [];
      const records = registry.list();
      let active = 0;
      for (const r of records) {
        for (const f of r.forward.snapshot()) {
          if (f.podName) active++;
          lines.push(
            `${r.hostnames.slice(0, 3).join(', ')} → ${f.localIp}:${f.localPort} → ${f.podName ?? '(no ready pod)'}${f.podPort ? `:${f.podPort}` : ''}`,
          );
        }
        for (const [pod, e] of r.podForwards) {
          for (const f of e.forward.snapshot())
            lines.push(`${e.hostnames.slice(0, 2).join(', ')} → ${f.localIp}:${f.localPort} → ${pod}`);
        }
      }
      const skipped = registry.skipped();
      const text = config.idle
        ? `Idle mode: nothing forwarded. Add namespaces with POST /api/v1/namespaces or services with POST /api/v1/services`
        : `Forwarding ${records.length} service(s), ${active} port(s) with a ready pod${skipped.length ? `, ${skipped.length} skipped` : ''}. Press Ctrl-C to stop.`;
      return { forwards: lines, text, services: records.length, active, skipped: skipped.length };
    },

    /** Ordered and bounded: watches, forwards, sessions, then the hosts entries (always). */
    close(): Promise<void> {
      closing ??= (async () => {
        bus.publish('shutdown.started', {});
        const step = async (name: string, fn: () => Promise<unknown>, ms: number): Promise<void> => {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              fn(),
              new Promise(
                (_, reject) =>
                  (timer = setTimeout(() => reject(new Error(`${name} took longer than ${ms} ms`)), ms)),
              ),
            ]);
          } catch (err) {
            log.warn({ step: name, err: describeError(err) }, `shutdown step ${name} did not finish cleanly`);
          } finally {
            clearTimeout(timer);
          }
        };
        await step('watches', () => namespaces.closeAll(), 3000);
        await step('forwards', () => Promise.all([registry.closeAll(), adhoc.closeAll()]), 3000);
        await step('sessions', () => sessions.closeAll(), 1000);
        aliases.releaseAll();
        if (apiEntry) hosts.remove(API_HOSTNAME);
        await step('hosts', () => hosts.close(), 5000);
        await allocator.close();
        bus.publish('shutdown.complete', {});
      })();
      return closing;
    },

    emergencyCleanup(): void {
      hosts.removeBlockSync();
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
