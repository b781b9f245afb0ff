import { openSse } from './sse.ts';

export interface PodLogFollowOptions {
  namespace: string;
  pod: string;
  context?: string | undefined;
  container?: string | undefined;
  /** Lines of history sent first (the API's `tail_lines`, 1–1000). */
  tailLines?: number | undefined;
  onLine(line: string): void;
  /** Once, when the stream ends: the pod went, the daemon closed it, or it failed or could not open (`error`); not
   * after close(). */
  onEnd?: ((error?: Error) => void) | undefined;
}

export interface PodLogFollower {
  /** Resolves once the daemon answered with the stream; rejects with its error (a missing pod, no access). */
  readonly opened: Promise<void>;
  close(): void;
}

/** Follows `GET /api/v1/kubernetes/pods/{namespace}/{podName}/logs?follow=true`, one `log` event per line. */
export function followPodLog(
  options: PodLogFollowOptions & { baseUrl: string; fetch: typeof globalThis.fetch },
): PodLogFollower {
  const abort = new AbortController();
  const query = new URLSearchParams({ follow: 'true', tail_lines: String(options.tailLines ?? 100) });
  if (options.context) query.set('context', options.context);
  if (options.container) query.set('container', options.container);
  const path = `${encodeURIComponent(options.namespace)}/${encodeURIComponent(options.pod)}`;
  const url = `${options.baseUrl}/api/v1/kubernetes/pods/${path}/logs?${query.toString()}`;
  const onMessage = (message: { event?: string | undefined; data: string }): void => {
    if (message.event !== 'log' || abort.signal.aborted) return;
    const { line } = JSON.parse(message.data) as { line?: unknown };
    if (typeof line === 'string') options.onLine(line);
  };
  const ended = (err?: unknown): void => {
    if (!abort.signal.aborted) options.onEnd?.(err === undefined ? undefined : (err as Error));
  };
  const opened = openSse(options.fetch, url, { signal: abort.signal }, onMessage).then(
    (pump) => void pump().then(() => ended(), ended),
  );
  opened.catch(ended);
  return { opened, close: () => abort.abort() };
}
