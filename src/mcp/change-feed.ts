import type { KubefwdClient } from '../client/client.ts';
import type { DaemonEventMessage, EventFollower } from '../client/events.ts';
import { RESOURCE_URIS as R, serviceUri } from './resources.ts';

/** A batch of changes: the resources whose content changed, and whether the resource list itself did. */
export interface ResourceChanges {
  uris: string[];
  listChanged: boolean;
}

export interface ChangeFeed {
  /** Listens for batches; the daemon's event stream is followed while anyone listens. */
  subscribe(fn: (changes: ResourceChanges) => void): () => void;
  /** Starts following now; resolves once the stream is open, or after `withinMs` (the daemon may be down). */
  start(withinMs: number): Promise<void>;
  close(): void;
}

export interface ChangeFeedOptions {
  client: KubefwdClient;
  /** Events within this window reach listeners as one batch (a namespace of 50 services is one notification). */
  batchMs?: number;
  /** Wait before following again when the daemon is down or refused the key. */
  retryMs?: number;
  log?: (message: string) => void;
}

/** Which resources an event of the daemon changes. */
export function urisFor(event: DaemonEventMessage): ResourceChanges {
  const key =
    typeof event.data.key === 'string'
      ? event.data.key
      : typeof event.data.serviceKey === 'string'
        ? event.data.serviceKey
        : undefined;
  const service = key ? [serviceUri(key)] : [];
  const [kind, what] = event.type.split('.');
  if (event.type === 'service.added' || event.type === 'service.removed')
    return {
      listChanged: true,
      uris: [R.services, R.forwards, R.summary, R.metrics, R.status, R.errors, ...service],
    };
  switch (kind) {
    case 'service':
      return { listChanged: false, uris: [R.services, R.summary, R.status, R.errors, ...service] };
    case 'forward':
      return {
        listChanged: false,
        uris: [
          R.forwards,
          R.services,
          R.status,
          R.errors,
          ...(what === 'error' ? [R.summary] : []),
          ...service,
        ],
      };
    case 'pod':
    case 'hosts':
      return { listChanged: false, uris: [R.services, R.forwards, ...service] };
    case 'namespace':
      return { listChanged: false, uris: [R.summary, R.status, R.services] };
    default:
      return { listChanged: false, uris: [R.status, R.summary] };
  }
}

/**
 * Follows the daemon's SSE stream through the typed client and turns events into resource changes. Lazy: it
 * connects on the first listener and keeps trying while the daemon is down, so a server started before its daemon
 * still notifies once the daemon is up.
 */
export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const listeners = new Set<(changes: ResourceChanges) => void>();
  const batchMs = options.batchMs ?? 200;
  let pending: ResourceChanges | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let follower: EventFollower | undefined;
  let closed = false;

  const flush = (): void => {
    flushTimer = undefined;
    const batch = pending;
    pending = undefined;
    if (!batch) return;
    for (const fn of listeners) fn(batch);
  };
  const onEvent = (event: DaemonEventMessage): void => {
    const changes = urisFor(event);
    pending = {
      uris: [...new Set([...(pending?.uris ?? []), ...changes.uris])],
      listChanged: (pending?.listChanged ?? false) || changes.listChanged,
    };
    flushTimer ??= setTimeout(flush, batchMs);
  };
  let started = false;
  const follow = (): Promise<void> => {
    started = true;
    if (closed || follower) return follower?.opened.catch(() => undefined) ?? Promise.resolve();
    const f = options.client.events({ onEvent });
    follower = f;
    void f.opened.then(
      () => options.log?.('following the daemon events'),
      (err: unknown) => {
        follower = undefined;
        options.log?.(`${(err as Error).message}; trying again`);
        if (closed || (listeners.size === 0 && !started)) return;
        retryTimer = setTimeout(() => void follow(), options.retryMs ?? 5000);
        retryTimer.unref();
      },
    );
    return f.opened.catch(() => undefined);
  };

  return {
    subscribe(fn) {
      listeners.add(fn);
      void follow();
      return () => {
        listeners.delete(fn);
      };
    },
    async start(withinMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([follow(), new Promise<void>((r) => (timer = setTimeout(r, withinMs)))]);
      clearTimeout(timer);
    },
    close() {
      closed = true;
      follower?.close();
      follower = undefined;
      clearTimeout(retryTimer);
      clearTimeout(flushTimer);
      listeners.clear();
    },
  };
}
