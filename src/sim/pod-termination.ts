import type { KObject, Store } from './store.ts';
import { StoreError } from './store.ts';

/** A pod's own grace when the delete request names none, as the API server defaults it. */
export const DEFAULT_GRACE_SECONDS = 30;

export interface PodTerminationOptions {
  store: Store;
  /** The pod turned terminating: its controller may replace it now. */
  onTerminating: (pod: KObject) => void;
  /** The grace is over (or was 0): the pod object goes and its servers stop. */
  onGone: (pod: KObject) => void;
  now?: () => number;
}

/**
 * Graceful pod deletion as the API server and kubelet do it: the pod gets a deletionTimestamp (its EndpointSlice entry
 * turns terminating) and keeps serving until its grace period ends; then it is removed and its servers close. A grace
 * of 0 is immediate; a second delete may shorten the grace, never lengthen it.
 */
export function createPodTermination(options: PodTerminationOptions) {
  const { store } = options;
  const now = options.now ?? Date.now;
  const timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  const keyOf = (ns: string, name: string): string => `${ns}/${name}`;

  function finish(ns: string, name: string): KObject {
    const key = keyOf(ns, name);
    clearTimeout(timers.get(key)?.timer);
    timers.delete(key);
    const gone = store.delete('pods', ns, name);
    options.onGone(gone);
    return gone;
  }

  function schedule(ns: string, name: string, at: number): void {
    const key = keyOf(ns, name);
    const prev = timers.get(key);
    if (prev && prev.at <= at) return;
    clearTimeout(prev?.timer);
    const timer = setTimeout(
      () => {
        timers.delete(key);
        if (store.get('pods', ns, name)) finish(ns, name);
      },
      Math.max(0, at - now()),
    );
    timer.unref();
    timers.set(key, { timer, at });
  }

  return {
    /** Deletes a pod with `graceSeconds` (default: its terminationGracePeriodSeconds, else 30). */
    delete(ns: string, name: string, graceSeconds?: number): KObject {
      const pod = store.get('pods', ns, name);
      if (!pod) throw new StoreError(404, 'NotFound', `pods "${name}" not found`);
      const own = (pod.spec as { terminationGracePeriodSeconds?: number } | undefined)
        ?.terminationGracePeriodSeconds;
      const grace = Math.max(0, Math.floor(graceSeconds ?? own ?? DEFAULT_GRACE_SECONDS));
      const wasTerminating = Boolean(pod.metadata.deletionTimestamp);
      if (grace === 0) {
        if (!wasTerminating) options.onTerminating(pod);
        return finish(ns, name);
      }
      const at = now() + grace * 1000;
      if (wasTerminating) {
        schedule(ns, name, at);
        return pod;
      }
      pod.metadata.deletionTimestamp = new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
      pod.metadata.deletionGracePeriodSeconds = grace;
      const updated = store.update('pods', pod);
      options.onTerminating(updated);
      schedule(ns, name, at);
      return updated;
    },

    close(): void {
      for (const t of timers.values()) clearTimeout(t.timer);
      timers.clear();
    },
  };
}

export type PodTermination = ReturnType<typeof createPodTermination>;
