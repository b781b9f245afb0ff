import { randomBytes } from 'node:crypto';
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
import { auditRecord, type AdhocAudit } from './adhoc-audit.ts';
import { normalizeAddress } from './local-address.ts';
import { createPortClaims } from './port-claims.ts';
import { findPortHolder } from './port-holder.ts';
import { resolveTarget } from './resolve-target.ts';
import { formatTarget, type PortSpec, type TargetRef } from './target-spec.ts';

export type { AdhocAudit };
export { normalizeAddress };

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

export interface AdhocManagerOptions {
  client: (context: string) => ClusterClient;
  defaultContext: () => string;
  defaultNamespace: (context: string) => string;
  sessions: Pick<PodSessions, 'get' | 'live' | 'hold' | 'worked' | 'state' | 'bulk'>;
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

/**
 * Forwards asked for one at a time (the API's POST /portforwards, `kubefwd port-forward`): each on its own local
 * address and port, shared pod sessions underneath, stopped by DELETE, by its TTL going unused, or at shutdown.
 */
export function createAdhocManager(options: AdhocManagerOptions) {
  const { log, publish } = options;
  const now = options.now ?? Date.now;
  const allowed = options.allowedAddresses ?? [];
  const forwards = new Map<string, AdhocForward>();
  const claims = createPortClaims({
    forwards: () => forwards.values(),
    holder: options.holder,
    findHolder: options.findHolder ?? findPortHolder,
  });
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
      options.audit?.record(
        auditRecord(reason === 'ttl' ? 'portforward.expire' : 'portforward.delete', last, { reason }),
      );
    return last;
  }

  return {
    async create(request: AdhocRequest): Promise<AdhocView> {
      if (closing) throw new KubefwdError('SHUTTING_DOWN', 'kubefwd is shutting down');
      const context = request.context ?? options.defaultContext();
      const client = options.client(context);
      const namespace = request.namespace ?? options.defaultNamespace(context);
      const address = normalizeAddress(request.address, allowed);
      if (request.port.local !== 0 && claims.holderOf(address, request.port.local))
        throw await claims.inUse(address, request.port.local);
      const resolved = await resolveTarget(client, namespace, request.target, request.port);
      const id = `pf-${randomBytes(4).toString('hex')}`;
      const f = await claims
        .bind(
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
        )
        .catch((err: unknown) => {
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
      options.audit?.record(
        auditRecord('portforward.create', v, {
          local: `${v.localAddress}:${v.localPort}`,
          remotePort: v.remotePort,
          ttlSeconds: v.ttlSeconds,
        }),
      );
      return v;
    },

    list: (): AdhocView[] => [...forwards.values()].map(view),
    get: (id: string): AdhocView | undefined => {
      const f = forwards.get(id);
      return f ? view(f) : undefined;
    },
    remove: (id: string): Promise<AdhocView | undefined> => remove(id, 'deleted'),
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
