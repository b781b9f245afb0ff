import type { V1Service } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import {
  createNamespaceWatch,
  type NamespaceChange,
  type NamespaceWatch,
} from '../cluster/namespace-watch.ts';
import { selectorMatches } from '../cluster/pods.ts';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { EventBus } from './bus.ts';
import { serviceKey, type ServiceRecord, type ServiceRegistry } from './service-registry.ts';

export interface NamespaceEntry {
  /** ns.ctx, as the original. */
  key: string;
  context: string;
  namespace: string;
  selector: string | undefined;
  /** Set when only one service of the namespace is forwarded (added through POST /services). */
  serviceName: string | undefined;
  namespaceIndex: number;
  watch: NamespaceWatch;
  addedAt: string;
}

export interface NamespaceManagerOptions {
  client: (context: string) => ClusterClient;
  registry: ServiceRegistry;
  bus: EventBus;
  log: Logger;
  defaultSelector: string | undefined;
  fieldSelector: string | undefined;
  now?: () => number;
}

/**
 * Forwarded services of one namespace updated per turn of the event loop. A change to a namespace's pods can touch
 * every service in it (a pod behind 100 services: ~35 ms of work at 1,000 services); between slices the event loop
 * runs the API's requests and writes the events published so far, instead of holding both until the whole pass is
 * done. New services are not sliced: spread over turns, a start of 10,000 services took 9-12 s instead of 7.
 */
const FLUSH_SLICE = 20;

/**
 * Owns one watch per forwarded namespace (or single service) and turns its changes into registry updates. Changes are
 * coalesced per namespace so a burst of events costs one pass.
 */
export function createNamespaceManager(options: NamespaceManagerOptions) {
  const { registry, bus, log } = options;
  const now = options.now ?? Date.now;
  const entries = new Map<string, NamespaceEntry>();
  // Global order across contexts, as the original since v1.25; never reused so IPs stay put.
  const namespaceIndexes = new Map<string, number>();
  const pending = new Map<string, Set<string>>();
  const flushing = new Map<string, Promise<void>>();
  let closed = false;

  const nsKey = (namespace: string, context: string): string => `${namespace}.${context}`;
  const indexOf = (namespace: string, context: string): number => {
    const key = nsKey(namespace, context);
    let index = namespaceIndexes.get(key);
    if (index === undefined) {
      index = namespaceIndexes.size;
      namespaceIndexes.set(key, index);
    }
    return index;
  };

  function schedule(entry: NamespaceEntry, service: string): void {
    let dirty = pending.get(entry.key);
    if (!dirty) {
      dirty = new Set();
      pending.set(entry.key, dirty);
    }
    dirty.add(service);
    if (!entry.watch.state().synced || flushing.has(entry.key)) return;
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => flush(entry))
      .finally(() => {
        flushing.delete(entry.key);
        if (pending.get(entry.key)?.size && entries.get(entry.key) === entry)
          schedule(entry, [...(pending.get(entry.key) ?? [])][0] ?? '');
      });
    flushing.set(entry.key, run);
  }

  async function flush(entry: NamespaceEntry): Promise<void> {
    const dirty = pending.get(entry.key);
    pending.delete(entry.key);
    if (!dirty || closed || entries.get(entry.key) !== entry) return;
    const pods = entry.watch.pods();
    const slices = entry.watch.slices();
    const client = options.client(entry.context);
    const apply = async (name: string, key: string): Promise<void> => {
      const service = entry.watch.service(name);
      try {
        if (!service) await registry.remove(key);
        else {
          await registry.upsert(
            entry.context,
            { contextIndex: client.index, namespaceIndex: entry.namespaceIndex },
            service,
            pods,
            entry.serviceName ? 'api' : 'namespace',
            slices,
          );
        }
      } catch (err) {
        log.error({ service: key, err: describeError(err) }, `cannot forward ${key}: ${describeError(err)}`);
      }
    };
    const runs: Promise<void>[] = [];
    let updates = 0;
    for (const name of dirty) {
      const key = serviceKey(name, entry.namespace, entry.context);
      const update = registry.get(key) !== undefined;
      runs.push(apply(name, key));
      if (update && ++updates % FLUSH_SLICE === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (closed || entries.get(entry.key) !== entry) break;
      }
    }
    await Promise.all(runs);
  }

  function onChange(entry: NamespaceEntry, change: NamespaceChange): void {
    if (change.kind === 'service') {
      schedule(entry, change.service.metadata?.name ?? '');
      return;
    }
    if (change.kind === 'slice') {
      const service = change.slice.metadata?.labels?.['kubernetes.io/service-name'];
      if (service && entry.watch.service(service)) schedule(entry, service);
      return;
    }
    // A pod matters to services selecting it now, and to those that had it (its labels may have changed).
    const labels = change.pod.metadata?.labels;
    const podName = change.pod.metadata?.name;
    for (const service of entry.watch.services()) {
      const name = service.metadata?.name ?? '';
      const had = registry
        .get(serviceKey(name, entry.namespace, entry.context))
        ?.pods.some((p) => p.name === podName);
      if (had || selectorMatches(service.spec?.selector, labels)) schedule(entry, name);
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that every refusal is a rejected promise
  async function add(request: {
    context: string;
    namespace: string;
    selector?: string | undefined;
    serviceName?: string | undefined;
  }): Promise<NamespaceEntry> {
    if (closed) throw new KubefwdError('SHUTTING_DOWN');
    const key = request.serviceName
      ? `${request.serviceName}.${nsKey(request.namespace, request.context)}`
      : nsKey(request.namespace, request.context);
    if (entries.has(key)) throw new KubefwdError('ALREADY_EXISTS', `namespace ${key} is already watched`);
    if (request.serviceName && entries.has(nsKey(request.namespace, request.context))) {
      throw new KubefwdError(
        'ALREADY_EXISTS',
        `service ${request.serviceName} is already forwarded with namespace ${request.namespace}`,
      );
    }
    const client = options.client(request.context);
    const selector = request.serviceName ? undefined : (request.selector ?? options.defaultSelector);
    const entry: NamespaceEntry = {
      key,
      context: request.context,
      namespace: request.namespace,
      selector,
      serviceName: request.serviceName,
      namespaceIndex: indexOf(request.namespace, request.context),
      watch: undefined as unknown as NamespaceWatch,
      addedAt: new Date(now()).toISOString(),
    };
    entry.watch = createNamespaceWatch({
      client,
      namespace: request.namespace,
      labelSelector: selector,
      fieldSelector: request.serviceName ? `metadata.name=${request.serviceName}` : options.fieldSelector,
      log,
      onChange: (change) => onChange(entry, change),
    });
    entries.set(key, entry);
    entry.watch.start();
    void entry.watch.synced.then(
      () => {
        for (const service of entry.watch.services()) schedule(entry, service.metadata?.name ?? '');
      },
      (err: unknown) =>
        bus.publish('namespace.error', {
          key,
          namespace: request.namespace,
          context: request.context,
          error: describeError(err),
        }),
    );
    bus.publish('namespace.added', { key, namespace: request.namespace, context: request.context, selector });
    return entry;
  }

  async function remove(key: string): Promise<boolean> {
    const entry = entries.get(key);
    if (!entry) return false;
    entries.delete(key);
    pending.delete(key);
    await entry.watch.close();
    await flushing.get(key);
    const prefix = entry.serviceName ? undefined : `.${entry.namespace}.${entry.context}`;
    const doomed = registry
      .list()
      .filter((r: ServiceRecord) =>
        entry.serviceName
          ? r.key === serviceKey(entry.serviceName, entry.namespace, entry.context)
          : r.key.endsWith(prefix ?? '') && r.namespace === entry.namespace && r.context === entry.context,
      );
    await Promise.all(doomed.map((r) => registry.remove(r.key)));
    bus.publish('namespace.removed', { key, namespace: entry.namespace, context: entry.context });
    return true;
  }

  return {
    add,
    remove,
    list: () => [...entries.values()],
    get: (key: string) => entries.get(key),
    /** Waits until every watch has listed once and its services were processed (or the deadline passes). */
    async settled(timeoutMs: number): Promise<void> {
      const deadline = now() + timeoutMs;
      for (;;) {
        const all = [...entries.values()];
        const synced = all.every((e) => e.watch.state().synced || e.watch.state().forbidden);
        if (synced && pending.size === 0 && flushing.size === 0) return;
        if (now() > deadline) return;
        await Promise.race([...flushing.values(), new Promise((r) => setTimeout(r, 20))]);
      }
    },
    service(key: string): V1Service | undefined {
      for (const e of entries.values()) {
        const svc = e.watch
          .services()
          .find((s) => serviceKey(s.metadata?.name ?? '', e.namespace, e.context) === key);
        if (svc) return svc;
      }
      return undefined;
    },
    /** Re-applies the cached state of one service (the API's sync). */
    resync(key: string): boolean {
      for (const e of entries.values()) {
        const svc = e.watch
          .services()
          .find((s) => serviceKey(s.metadata?.name ?? '', e.namespace, e.context) === key);
        if (svc) {
          schedule(e, svc.metadata?.name ?? '');
          return true;
        }
      }
      return false;
    },
    async closeAll(): Promise<void> {
      closed = true;
      const all = [...entries.values()];
      entries.clear();
      pending.clear();
      await Promise.all(all.map((e) => e.watch.close()));
      await Promise.all([...flushing.values()]);
    },
  };
}

export type NamespaceManager = ReturnType<typeof createNamespaceManager>;
