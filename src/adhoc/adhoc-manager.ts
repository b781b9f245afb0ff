import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { KubefwdError, describeError } from '../errors.ts';
import type { PodSessions } from '../forwarder/pod-sessions.ts';
import type { Logger } from '../log/logger.ts';
import {
  createAdhocForward,
  type AdhocForward,
  type AdhocNotice,
  type AdhocSnapshot,
} from './adhoc-forward.ts';
import { findPortHolder } from './port-holder.ts';
import { resolveTarget } from './resolve-target.ts';
import { formatTarget, type PortSpec, type TargetRef } from './target-spec.ts';

export type AdhocEventType = 'portforward.added' | 'portforward.removed' | 'portforward.error';

export interface AdhocRequest {
  context?: string | undefined;
  namespace?: string | undefined;
  target: TargetRef;
  port: PortSpec;
  /** Loopback by default; others only when the daemon allows them. */
  address?: string | undefined;
  ttlMs?: number | undefined;
}

export interface AdhocView extends AdhocSnapshot {
  id: string;
  target: string;
  namespace: string;
  context: string;
  localAddress: string;
  remotePort: number | string;
  ttlSeconds: number | null;
  createdAt: string;
}

/**
 * Where every ad-hoc forward's creation, deletion and expiry is recorded: the shape of the audit trail's recorder
 * (`{actor, action, resource, details, outcome}`), so the daemon hands its recorder over as it is. The expiry is the
 * one step no API call shows.
 */
export interface AdhocAudit {
  record(entry: {
    actor: string;
    action: 'portforward.create' | 'portforward.delete' | 'portforward.expire';
    /** `portforward/ID`. */
    resource: string;
    details: Record<string, unknown>;
    outcome: 'success';
  }): void;
}

export interface AdhocManagerOptions {
  client: (context: string) => ClusterClient;
  defaultContext: () => string;
  defaultNamespace: (context: string) => string;
  sessions: Pick<PodSessions, 'get' | 'live' | 'hold' | 'worked' | 'state'>;
  log: Logger;
  now?: () => number;
  publish: (type: AdhocEventType, data: Record<string, unknown>) => void;
  /** Names another owner of (address, port) in this process, e.g. a service forward; undefined when none. */
  holder?: ((address: string, port: number) => string | undefined) | undefined;
  /** Non-loopback addresses a forward may bind (a daemon flag); loopback ones are always allowed. */
  allowedAddresses?: readonly string[] | undefined;
  audit?: AdhocAudit | undefined;
  /** How long a connection waits for a pod; default 30 s. */
  waitForPodMs?: number | undefined;
  /** Hears every notice (the command line prints pod changes). */
  onNotice?: ((id: string, notice: AdhocNotice) => void) | undefined;
  findHolder?: ((address: string, port: number) => Promise<string | undefined>) | undefined;
}

const ANY_PORT_ATTEMPTS = 3;

const isLoopback = (ip: string): boolean => (net.isIPv4(ip) ? ip.startsWith('127.') : ip === '::1');
const wildcard = (ip: string): boolean => ip === '0.0.0.0' || ip === '::';
const overlaps = (a: string, b: string): boolean => a === b || wildcard(a) || wildcard(b);

export function normalizeAddress(address: string | undefined, allowed: readonly string[]): string {
  const ip = address === undefined || address === '' || address === 'localhost' ? '127.0.0.1' : address;
  if (!net.isIP(ip))
    throw new KubefwdError('BAD_REQUEST', `invalid address "${ip.slice(0, 64)}": expected an IP`);
  if (!isLoopback(ip) && !allowed.includes(ip))
    throw new KubefwdError(
      'FORBIDDEN',
      `address ${ip} is not a loopback address: start kubefwd with --allow-forward-address ${ip} to allow it`,
    );
  return ip;
}

/** A port free on `address` right now; the bind that follows retries if another program takes it first. */
async function freePort(address: string): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host: address, port: 0, exclusive: true }, resolve);
  });
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

/**
 * Forwards asked for one at a time (the API's POST /portforwards, `kubefwd port-forward`): each on its own local
 * address and port, shared pod sessions underneath, stopped by DELETE, by its TTL going unused, or at shutdown.
 */
export function createAdhocManager(options: AdhocManagerOptions) {
  const { log, publish } = options;
  const now = options.now ?? Date.now;
  const allowed = options.allowedAddresses ?? [];
  const findHolder = options.findHolder ?? findPortHolder;
  const forwards = new Map<string, AdhocForward>();
  /** (address, port) pairs being bound right now, so two requests for one port do not race. */
  const binding = new Map<string, string>();
  let closing: Promise<void> | undefined;

  function view(f: AdhocForward): AdhocView {
    const { spec } = f;
    return {
      id: spec.id,
      target: formatTarget(spec.target),
      namespace: spec.namespace,
      context: spec.context,
      localAddress: spec.address,
      remotePort: spec.resolved.remote,
      ttlSeconds: spec.ttlMs === undefined ? null : spec.ttlMs / 1000,
      createdAt: new Date(f.createdAt).toISOString(),
      ...f.snapshot(),
    };
  }

  /** Who holds (address, port) among our own listeners, as a phrase; undefined when none does. */
  function ownHolder(address: string, port: number): string | undefined {
    for (const f of forwards.values()) {
      if (f.snapshot().localPort === port && overlaps(f.spec.address, address))
        return `port-forward ${f.spec.id} (${formatTarget(f.spec.target)} in ${f.spec.namespace}.${f.spec.context})`;
    }
    for (const [key, id] of binding)
      if (key === `${address}:${port}`) return `port-forward ${id}, being created`;
    return options.holder?.(address, port);
  }

  async function inUse(address: string, port: number, cause?: unknown): Promise<KubefwdError> {
    const who = ownHolder(address, port) ?? (await findHolder(address, port).catch(() => undefined));
    return new KubefwdError(
      'PORT_IN_USE',
      `${address}:${port} is already in use${who ? ` by ${who}` : ' by another program'}`,
      { cause },
    );
  }

  async function bind(
    make: (port: number) => AdhocForward,
    address: string,
    port: number,
  ): Promise<AdhocForward> {
    for (let attempt = 1; ; attempt++) {
      const local = port === 0 ? await freePort(address) : port;
      const key = `${address}:${local}`;
      const f = make(local);
      binding.set(key, f.spec.id);
      try {
        await f.start();
        return f;
      } catch (err) {
        binding.delete(key);
        await f.close();
        const taken = err instanceof KubefwdError && err.code === 'PORT_IN_USE';
        if (taken && port === 0 && attempt < ANY_PORT_ATTEMPTS) continue;
        throw taken ? await inUse(address, local, err) : err;
      } finally {
        binding.delete(key);
      }
    }
  }

  function notice(f: AdhocForward, n: AdhocNotice): void {
    const { spec } = f;
    options.onNotice?.(spec.id, n);
    if (n.type === 'pod') {
      log.info(
        { portforward: spec.id, pod: n.pod, previous: n.previous },
        `port-forward ${spec.id} reaches pod ${n.pod}`,
      );
      return;
    }
    log.warn({ portforward: spec.id, pod: n.pod, err: n.message }, n.message);
    // Errors while it is being created are the creation's answer, not events of a forward nobody has seen yet.
    if (!forwards.has(spec.id)) return;
    publish('portforward.error', {
      id: spec.id,
      target: formatTarget(spec.target),
      namespace: spec.namespace,
      context: spec.context,
      pod: n.pod ?? null,
      message: n.message,
    });
  }

  async function remove(id: string, reason: 'deleted' | 'ttl' | 'shutdown'): Promise<AdhocView | undefined> {
    const f = forwards.get(id);
    if (!f) return undefined;
    forwards.delete(id);
    const last = view(f);
    await f.close();
    publish('portforward.removed', { ...last, reason });
    if (reason !== 'shutdown')
      options.audit?.record({
        actor: 'kubefwd',
        action: reason === 'ttl' ? 'portforward.expire' : 'portforward.delete',
        resource: `portforward/${id}`,
        details: { target: last.target, namespace: last.namespace, context: last.context, reason },
        outcome: 'success',
      });
    return last;
  }

  return {
    async create(request: AdhocRequest): Promise<AdhocView> {
      if (closing) throw new KubefwdError('SHUTTING_DOWN', 'kubefwd is shutting down');
      const context = request.context ?? options.defaultContext();
      const client = options.client(context);
      const namespace = request.namespace ?? options.defaultNamespace(context);
      const address = normalizeAddress(request.address, allowed);
      if (request.port.local !== 0 && ownHolder(address, request.port.local))
        throw await inUse(address, request.port.local);
      const resolved = await resolveTarget(client, namespace, request.target, request.port);
      const id = `pf-${randomBytes(4).toString('hex')}`;
      const f = await bind(
        (localPort) => {
          const fwd = createAdhocForward({
            spec: {
              id,
              context,
              namespace,
              target: request.target,
              address,
              localPort,
              resolved,
              ttlMs: request.ttlMs,
            },
            client,
            sessions: options.sessions,
            log,
            now,
            waitForPodMs: options.waitForPodMs ?? 30_000,
            onNotice: (n) => notice(fwd, n),
            onExpire: () => {
              log.info({ portforward: id }, `port-forward ${id} unused for its TTL: stopped`);
              void remove(id, 'ttl');
            },
          });
          return fwd;
        },
        address,
        request.port.local,
      ).catch((err: unknown) => {
        throw err instanceof KubefwdError
          ? err
          : new KubefwdError('INTERNAL_ERROR', describeError(err), { cause: err });
      });
      const missing = f.missingPortName();
      if (missing) {
        await f.close();
        throw new KubefwdError(
          'BAD_REQUEST',
          `no pod of ${formatTarget(request.target)} has a port named "${missing}"`,
        );
      }
      if (closing) {
        await f.close();
        throw new KubefwdError('SHUTTING_DOWN', 'kubefwd is shutting down');
      }
      forwards.set(id, f);
      const v = view(f);
      publish('portforward.added', { ...v });
      options.audit?.record({
        actor: 'kubefwd',
        action: 'portforward.create',
        resource: `portforward/${id}`,
        details: {
          target: v.target,
          namespace: v.namespace,
          context: v.context,
          local: `${v.localAddress}:${v.localPort}`,
          remotePort: v.remotePort,
          ttlSeconds: v.ttlSeconds,
        },
        outcome: 'success',
      });
      return v;
    },

    list: (): AdhocView[] => [...forwards.values()].map(view),
    get: (id: string): AdhocView | undefined => {
      const f = forwards.get(id);
      return f ? view(f) : undefined;
    },
    remove: (id: string): Promise<AdhocView | undefined> => remove(id, 'deleted'),
    /** (address, port) of every forward, for the daemon to tell its other listeners who holds a port. */
    holderOf: ownHolder,
    get size(): number {
      return forwards.size;
    },

    /** Stops every forward (shutdown). Idempotent. */
    closeAll(): Promise<void> {
      closing ??= (async () => {
        await Promise.all([...forwards.keys()].map((id) => remove(id, 'shutdown')));
      })();
      return closing;
    },
  };
}

export type AdhocManager = ReturnType<typeof createAdhocManager>;
