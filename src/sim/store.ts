import { randomUUID } from 'node:crypto';
import { matchFields, matchLabels, type FieldTerm } from './selectors.ts';

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    generateName?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: unknown[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface LogEntry {
  rv: number;
  resource: string;
  type: WatchType;
  obj: KObject;
}

export interface WatchFilter {
  resource: string;
  namespace: string | undefined;
  labels: Parameters<typeof matchLabels>[0];
  fields: FieldTerm[];
}

export interface Watcher {
  filter: WatchFilter;
  send(type: WatchType | 'BOOKMARK', obj: KObject): void;
  close(): void;
}

export class StoreError extends Error {
  readonly status: number;
  readonly reason: string;
  /** The Status `details` to answer with, when the default (name and kind of the request) is not what servers send. */
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
}

const clone = <T>(v: T): T => structuredClone(v);
const keyOf = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;

/**
 * Objects with one global resourceVersion, an event log kept for a bounded window (older versions answer 410 Expired)
 * and live watchers.
 */
export class Store {
  #rv = 1000;
  #oldestRetained = 1000;
  #log: LogEntry[] = [];
  #objects = new Map<string, Map<string, KObject>>();
  #watchers = new Set<Watcher>();
  readonly retain: number;
  onChange: ((resource: string, type: WatchType, obj: KObject) => void) | undefined;

  constructor(retain = 5000) {
    this.retain = retain;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  #table(resource: string): Map<string, KObject> {
    let t = this.#objects.get(resource);
    if (!t) this.#objects.set(resource, (t = new Map<string, KObject>()));
    return t;
  }

  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.#table(resource).get(keyOf(namespace, name));
    return o ? clone(o) : undefined;
  }

  /** Live objects without copying; callers must not mutate. */
  peek(resource: string, namespace?: string): KObject[] {
    const all = [...this.#table(resource).values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  list(filter: WatchFilter): KObject[] {
    return this.peek(filter.resource, filter.namespace)
      .filter((o) => matchLabels(filter.labels, o.metadata.labels) && matchFields(filter.fields, o))
      .map(clone);
  }

  #record(resource: string, type: WatchType, obj: KObject): void {
    this.#log.push({ rv: this.#rv, resource, type, obj });
    if (this.#log.length > this.retain) {
      const dropped = this.#log.splice(0, this.#log.length - this.retain);
      this.#oldestRetained = (dropped.at(-1) as LogEntry).rv;
    }
    for (const w of [...this.#watchers]) if (this.#matches(w.filter, resource, obj)) w.send(type, obj);
    this.onChange?.(resource, type, obj);
  }

  #matches(f: WatchFilter, resource: string, obj: KObject): boolean {
    return (
      f.resource === resource &&
      (f.namespace === undefined || f.namespace === obj.metadata.namespace) &&
      matchLabels(f.labels, obj.metadata.labels) &&
      matchFields(f.fields, obj)
    );
  }

  create(resource: string, kind: string, apiVersion: string, input: KObject): KObject {
    const obj = clone(input);
    obj.apiVersion = apiVersion;
    obj.kind = kind;
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
    const table = this.#table(resource);
    const key = keyOf(meta.namespace, meta.name);
    if (table.has(key))
      throw new StoreError(409, 'AlreadyExists', `${resource} "${meta.name}" already exists`);
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta.resourceVersion = String(++this.#rv);
    table.set(key, obj);
    this.#record(resource, 'ADDED', obj);
    return clone(obj);
  }

  update(resource: string, input: KObject, options: { checkVersion?: boolean } = {}): KObject {
    const table = this.#table(resource);
    const key = keyOf(input.metadata.namespace, input.metadata.name);
    const current = table.get(key);
    if (!current) throw new StoreError(404, 'NotFound', `${resource} "${input.metadata.name}" not found`);
    if (
      options.checkVersion &&
      input.metadata.resourceVersion &&
      input.metadata.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw new StoreError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resource} "${input.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const obj = clone(input);
    obj.apiVersion = current.apiVersion;
    obj.kind = current.kind;
    obj.metadata.uid = current.metadata.uid;
    obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
    obj.metadata.resourceVersion = String(++this.#rv);
    table.set(key, obj);
    this.#record(resource, 'MODIFIED', obj);
    return clone(obj);
  }

  delete(resource: string, namespace: string | undefined, name: string): KObject {
    const table = this.#table(resource);
    const key = keyOf(namespace, name);
    const current = table.get(key);
    if (!current) throw new StoreError(404, 'NotFound', `${resource} "${name}" not found`);
    table.delete(key);
    const obj = clone(current);
    obj.metadata.resourceVersion = String(++this.#rv);
    this.#record(resource, 'DELETED', obj);
    return obj;
  }

  /**
   * Starts a watch; replays retained events after `sinceRv`. Throws 410 Expired when `sinceRv` is older than the
   * retained window.
   */
  watch(filter: WatchFilter, sinceRv: number | undefined, send: Watcher['send'], close: () => void): Watcher {
    if (sinceRv !== undefined && sinceRv < this.#oldestRetained) {
      throw new StoreError(410, 'Expired', `too old resource version: ${sinceRv} (${this.#oldestRetained})`);
    }
    const watcher: Watcher = { filter, send, close };
    if (sinceRv === undefined) {
      for (const o of this.list(filter)) send('ADDED', o);
    } else {
      for (const e of this.#log)
        if (e.rv > sinceRv && this.#matches(filter, e.resource, e.obj)) send(e.type, e.obj);
    }
    this.#watchers.add(watcher);
    return watcher;
  }

  unwatch(w: Watcher): void {
    this.#watchers.delete(w);
  }

  closeWatches(): number {
    const all = [...this.#watchers];
    this.#watchers.clear();
    for (const w of all) w.close();
    return all.length;
  }

  /** Makes every version issued so far too old: the next watch from one of them gets 410. */
  expire(): void {
    this.#rv++;
    this.#oldestRetained = this.#rv;
    this.#log = [];
    this.closeWatches();
  }

  get watcherCount(): number {
    return this.#watchers.size;
  }
}
