import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import { kubeWatch } from './kube-watch.ts';

/** The slice of a Kubernetes object a reflector needs. */
export interface ObjectWithMeta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export type ReflectorEvent = 'add' | 'update' | 'delete';

export interface ReflectorOptions<T extends ObjectWithMeta> {
  kc: KubeConfig;
  /** Watch path, e.g. /api/v1/namespaces/default/services. */
  path: string;
  list: () => Promise<ListResult<T>>;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  onEvent: (type: ReflectorEvent, obj: T) => void;
  /** A list or watch failed (e.g. 403); the reflector keeps retrying with backoff. */
  onError?: (err: unknown) => void;
  log: Logger;
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Server-side watch timeout; the watch is re-opened from the last resourceVersion afterwards. */
  watchTimeoutSeconds?: number;
  /** A watch that receives nothing for this long is taken as dead and re-opened (default WATCH_IDLE_TIMEOUT_MS). */
  watchIdleTimeoutMs?: number;
  random?: () => number;
}

export interface Reflector<T> {
  start(): void;
  close(): Promise<void>;
  /** Resolves after the first successful list. */
  readonly synced: Promise<void>;
  readonly isSynced: boolean;
  items(): T[];
  get(name: string): T | undefined;
  /** Number of LIST calls made (a relist after 410 counts). */
  readonly listCount: number;
  readonly lastError: unknown;
  /** Not yet listed, or the last list or watch failed and no later one has worked: the cache may lag. */
  readonly stale: boolean;
}

/**
 * kube-apiserver sends a bookmark on a quiet watch about once a minute (its watch cache's bookmark frequency); two
 * missed ones mean the connection is gone. client-node's Watch (which kube-watch.ts replaces) gave up after 30 s
 * without a byte, so every watch of a quiet namespace failed and was re-opened each 30 s: 300 watches for 100
 * namespaces, 10 new TLS requests a second, the failures counted as errors with backoff (~6 % of a core with 10,000
 * idle forwards, `node bench/scale.ts`).
 */
export const WATCH_IDLE_TIMEOUT_MS = 150_000;

/** kubectl apply's copy of the whole object as last applied, kept in an annotation on everything it applied. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the cache keeps of an object: all but metadata.managedFields, the API server's field-ownership records
 * (typically 1-3 KB per object on a real cluster, and often more than the rest of a Service), and kubectl's
 * last-applied annotation (a second copy of the object as JSON text), which nothing here reads, as client-go's
 * informers are commonly told to drop them too.
 */
function slim(obj: ObjectWithMeta): void {
  const meta = obj.metadata as
    { managedFields?: unknown; annotations?: Record<string, string> | undefined } | undefined;
  if (meta?.managedFields !== undefined) delete meta.managedFields;
  if (meta?.annotations?.[LAST_APPLIED] !== undefined) delete meta.annotations[LAST_APPLIED];
}

const defaultDelay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

function statusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; status?: unknown } | undefined;
  for (const v of [e?.code, e?.statusCode, e?.status]) if (typeof v === 'number') return v;
  return undefined;
}

/**
 * List then watch from the list's resourceVersion, with bookmarks; a 410 (expired version) relists and diffs; any
 * other failure retries with jittered backoff 250 ms → 30 s, reset once a watch delivered something.
 */
export function createReflector<T extends ObjectWithMeta>(options: ReflectorOptions<T>): Reflector<T> {
  const { kc, path, log, onEvent } = options;
  const delay = options.delay ?? defaultDelay;
  const random = options.random ?? Math.random;
  const cache = new Map<string, T>();
  const abort = new AbortController();
  let resourceVersion: string | undefined;
  let syncedResolve!: () => void;
  const synced = new Promise<void>((r) => (syncedResolve = r));
  let isSynced = false;
  let listCount = 0;
  let lastError: unknown;
  let failing = false;
  let running: Promise<void> | undefined;
  let currentWatch: AbortController | undefined;

  const keyOf = (obj: T): string => obj.metadata?.name ?? '';

  async function relist(): Promise<void> {
    listCount++;
    const result = await options.list();
    const seen = new Set<string>();
    for (const obj of result.items) {
      slim(obj);
      const key = keyOf(obj);
      seen.add(key);
      const prev = cache.get(key);
      cache.set(key, obj);
      if (!prev) onEvent('add', obj);
      else if (prev.metadata?.resourceVersion !== obj.metadata?.resourceVersion) onEvent('update', obj);
    }
    for (const [key, obj] of cache) {
      if (!seen.has(key)) {
        cache.delete(key);
        onEvent('delete', obj);
      }
    }
    resourceVersion = result.metadata?.resourceVersion;
    if (!isSynced) {
      isSynced = true;
      syncedResolve();
    }
  }

  /** One watch request; resolves when it ends. Returns whether it delivered any event and whether it expired. */
  function watchOnce(): Promise<{ delivered: boolean; expired: boolean; error?: unknown }> {
    return new Promise((resolve) => {
      let delivered = false;
      let expired = false;
      let ended = false;
      const query: Record<string, string | number | boolean | undefined> = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: options.watchTimeoutSeconds ?? 300,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
      };
      const onPhase = (phase: string, object: unknown): void => {
        const obj = object as T & { code?: number; reason?: string };
        delivered = true;
        if (phase === 'ERROR') {
          if (obj.code === 410 || obj.reason === 'Expired' || obj.reason === 'Gone') expired = true;
          currentWatch?.abort();
          return;
        }
        failing = false;
        const rv = obj.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        if (phase === 'BOOKMARK') return;
        const key = keyOf(obj);
        if (phase === 'DELETED') {
          if (cache.delete(key)) onEvent('delete', obj);
        } else if (phase === 'ADDED' || phase === 'MODIFIED') {
          slim(obj);
          const had = cache.has(key);
          cache.set(key, obj);
          onEvent(had ? 'update' : 'add', obj);
        }
      };
      const done = (err: unknown): void => {
        ended = true;
        if (statusCode(err) === 410) expired = true;
        resolve({ delivered, expired, error: expired ? undefined : err });
      };
      kubeWatch(kc, path, query, onPhase, done, options.watchIdleTimeoutMs ?? WATCH_IDLE_TIMEOUT_MS)
        .then((ctl) => {
          // Resolved before its end: the server answered 200 and the stream is open, so the cache is current again.
          if (!ended) failing = false;
          currentWatch = ctl;
          if (abort.signal.aborted) ctl.abort();
        })
        .catch((err: unknown) => resolve({ delivered, expired: statusCode(err) === 410, error: err }));
    });
  }

  async function loop(): Promise<void> {
    let failures = 0;
    let needList = true;
    while (!abort.signal.aborted) {
      try {
        if (needList) {
          await relist();
          needList = false;
          failing = false;
        }
        const result = await watchOnce();
        if (abort.signal.aborted) break;
        if (result.expired) {
          log.debug({ path }, 'watch expired (410), relisting');
          needList = true;
          continue;
        }
        if (result.error && !(result.error instanceof Error && result.error.name === 'AbortError')) {
          throw result.error instanceof Error ? result.error : new Error(JSON.stringify(result.error));
        }
        if (result.delivered) failures = 0;
        else failures++;
        if (failures === 0) continue;
      } catch (err) {
        if (abort.signal.aborted) break;
        lastError = err;
        failing = true;
        failures++;
        options.onError?.(err);
        // A refused watch says only "Forbidden"; the list that follows says who may not do what, and is what
        // notices access coming back.
        const status = statusCode(err);
        if (status === 410 || status === 401 || status === 403) needList = true;
        log.debug({ path, err: String(err), failures }, 'list/watch failed, retrying');
      }
      const base = Math.min(30_000, 250 * 2 ** Math.min(failures - 1, 7));
      await delay(base * (0.5 + random() * 0.5), abort.signal);
    }
  }

  return {
    start() {
      running ??= loop().catch((err: unknown) => log.error({ err, path }, 'reflector stopped'));
    },
    async close() {
      abort.abort();
      currentWatch?.abort();
      await running;
    },
    synced,
    get isSynced() {
      return isSynced;
    },
    items: () => [...cache.values()],
    get: (name) => cache.get(name),
    get listCount() {
      return listCount;
    },
    get stale() {
      return failing || !isSynced;
    },
    get lastError() {
      return lastError;
    },
  };
}
