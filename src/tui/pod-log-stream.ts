import type { KubefwdClient } from '../client/client.ts';
import type { TuiActions } from './model.ts';

export interface PodLogStreamDeps {
  client: KubefwdClient;
  setTimer: (fn: () => void, ms: number) => NodeJS.Timeout;
  /** Wait before following again after the stream ended or could not open. */
  retryMs: number;
  /** Lines kept (and asked for as history on each (re)connection). */
  keep?: number;
  /** New lines are handed on at most this often, so a chatty pod costs a few frames a second. */
  batchMs?: number;
}

/** Follows a pod's log over the API's stream (`follow=true`), following again when it ends. */
export function streamPodLogs(deps: PodLogStreamDeps): TuiActions['followPodLogs'] {
  const keep = deps.keep ?? 200;
  const batchMs = deps.batchMs ?? 100;
  return (pod, onLines) => {
    let stopped = false;
    let lines: string[] = [];
    let flush: NodeJS.Timeout | undefined;
    let retry: NodeJS.Timeout | undefined;
    let close = (): void => undefined;
    const schedule = (): void => {
      flush ??= deps.setTimer(() => {
        flush = undefined;
        if (!stopped) onLines(lines);
      }, batchMs);
    };
    const follow = (): void => {
      let fresh = true;
      const follower = deps.client.podLog({
        namespace: pod.namespace,
        pod: pod.name,
        context: pod.context,
        tailLines: keep,
        onLine(line) {
          // A reconnection sends the history again: it replaces what was kept.
          if (fresh) lines = [];
          fresh = false;
          lines = lines.length >= keep ? [...lines.slice(1 - keep), line] : [...lines, line];
          schedule();
        },
        onEnd(error) {
          if (stopped) return;
          onLines(lines, error ? error.message : 'log stream ended; following again');
          retry = deps.setTimer(follow, deps.retryMs);
        },
      });
      close = () => follower.close();
    };
    follow();
    return () => {
      stopped = true;
      clearTimeout(flush);
      clearTimeout(retry);
      close();
    };
  };
}
