import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { Log } from '@kubernetes/client-node/dist/log.js';

export interface FollowLogQuery {
  container?: string | undefined;
  tailLines: number;
  timestamps: boolean;
}

/**
 * Follows a pod's log (`follow=true`), handing each line to `onLine` and calling `onEnd` once when the stream ends
 * (the pod went, the server closed it, or `stop`). Resolves with `stop` once the server answered 200.
 */
export async function followPodLog(
  kc: KubeConfig,
  target: { namespace: string; name: string },
  query: FollowLogQuery,
  onLine: (line: string) => void,
  onEnd: () => void,
): Promise<() => void> {
  const out = new PassThrough();
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  // client-node pipes the response into `out` without an error listener on it: an abort would go uncaught.
  out.on('pipe', (source: Readable) => source.on('error', () => out.end()));
  const lines = createInterface({ input: out, crlfDelay: Infinity });
  lines.on('line', (l) => !ended && onLine(l));
  lines.on('close', end);
  // An empty container name is what Kubernetes takes as "the pod's only container".
  const controller = await new Log(kc)
    .log(target.namespace, target.name, query.container ?? '', out, {
      follow: true,
      tailLines: query.tailLines,
      timestamps: query.timestamps,
    })
    .catch((err: unknown) => {
      throw withStatusText(err, target.name);
    });
  return () => {
    end();
    controller.abort();
    out.end();
  };
}

/** client-node's Log drops the server's Status on most refusals, leaving "HTTP-Code: 404": say what it means. */
function withStatusText(err: unknown, pod: string): unknown {
  const e = err as { code?: unknown; body?: unknown };
  if (typeof e.code !== 'number' || e.body !== undefined) return err;
  const text: Record<number, string> = {
    400: `the log of pod "${pod}" cannot be followed now (not running, or a container must be named)`,
    403: `following the log of pod "${pod}" is forbidden`,
    404: `pod "${pod}" not found`,
  };
  return Object.assign(e, { body: { message: text[e.code] ?? `the API server answered ${e.code}` } });
}
