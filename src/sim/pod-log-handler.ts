import type { IncomingMessage, ServerResponse } from 'node:http';
import { rfc3339Nano, type LogLine, type PodLogs } from './pod-logs.ts';
import { readQuery } from './query.ts';
import { StoreError, type KObject } from './store.ts';

interface PodShape {
  spec?: { containers?: Array<{ name: string }> };
  status?: { phase?: string };
}

const invalid = (pod: string, field: string, value: number, must: string): StoreError =>
  new StoreError(
    422,
    'Invalid',
    `PodLogOptions "${pod}" is invalid: ${field}: Invalid value: ${value}: ${must}`,
  );

/** Which container's log a request reads, refused with the kubelet's and API server's texts. */
function containerOf(pod: KObject, asked: string | undefined): string {
  const name = pod.metadata.name;
  const names = ((pod as PodShape).spec?.containers ?? []).map((c) => c.name);
  if (asked === undefined || asked === '') {
    if (names.length === 1) return names[0] as string;
    throw new StoreError(
      400,
      'BadRequest',
      `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(asked))
    throw new StoreError(400, 'BadRequest', `container ${asked} is not valid for pod ${name}`);
  return asked;
}

/**
 * Serves `pods/{name}/log` with the PodLogOptions the API server takes: container, follow, previous, timestamps,
 * tailLines, sinceSeconds, sinceTime, limitBytes. With `follow` the response stays open, new lines stream as the pod
 * writes them, and it ends when the pod is deleted or the byte limit is reached.
 */
export function serveLogs(
  logs: PodLogs,
  pod: KObject,
  params: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
  now: () => number = Date.now,
): void {
  const q = readQuery(params);
  const name = pod.metadata.name;
  const ns = pod.metadata.namespace ?? 'default';
  const tail = q.int('tailLines');
  const sinceSeconds = q.int('sinceSeconds');
  const sinceTime = q.str('sinceTime');
  const limit = q.int('limitBytes');
  if (tail !== undefined && tail < 0)
    throw invalid(name, 'tailLines', tail, 'must be greater than or equal to 0');
  if (limit !== undefined && limit < 1) throw invalid(name, 'limitBytes', limit, 'must be greater than 0');
  if (sinceSeconds !== undefined && sinceSeconds < 1)
    throw invalid(name, 'sinceSeconds', sinceSeconds, 'must be greater than 0');
  if (sinceSeconds !== undefined && sinceTime !== undefined)
    throw new StoreError(
      422,
      'Invalid',
      `PodLogOptions "${name}" is invalid: []: Forbidden: at most one of \`sinceTime\` or \`sinceSeconds\` may be specified`,
    );
  let sinceMs: number | undefined;
  if (sinceTime !== undefined) {
    sinceMs = Date.parse(sinceTime);
    if (!/^\d{4}-\d\d-\d\dT/.test(sinceTime) || Number.isNaN(sinceMs))
      throw new StoreError(
        400,
        'BadRequest',
        `parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as "2006"`,
      );
  } else if (sinceSeconds !== undefined) sinceMs = now() - sinceSeconds * 1000;
  const container = containerOf(pod, q.str('container'));
  if (q.bool('previous'))
    throw new StoreError(
      400,
      'BadRequest',
      `previous terminated container "${container}" in pod "${name}" not found`,
    );
  if ((pod as PodShape).status?.phase !== 'Running')
    throw new StoreError(
      400,
      'BadRequest',
      `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`,
    );

  const timestamps = q.bool('timestamps');
  let left = limit ?? Infinity;
  const format = (l: LogLine): string => `${timestamps ? `${rfc3339Nano(l.ns)} ` : ''}${l.text}\n`;
  /** Writes as much of the line as the byte limit lets through; false once the limit is reached. */
  const emit = (l: LogLine): boolean => {
    let chunk = Buffer.from(format(l));
    if (chunk.length > left) chunk = chunk.subarray(0, left);
    left -= chunk.length;
    res.write(chunk);
    return left > 0;
  };
  let backlog = logs
    .lines(ns, name, container)
    .filter((l) => sinceMs === undefined || Number(l.ns / 1_000_000n) >= sinceMs);
  if (tail !== undefined) backlog = tail === 0 ? [] : backlog.slice(-tail);
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    ...(q.bool('follow') ? { 'Cache-Control': 'no-cache' } : {}),
  });
  for (const l of backlog) {
    if (!emit(l)) return void res.end();
  }
  if (!q.bool('follow')) return void res.end();
  res.flushHeaders();
  const stop = logs.follow(ns, name, container, {
    line: (l) => {
      if (!emit(l)) finish();
    },
    end: () => finish(),
  });
  function finish(): void {
    stop();
    if (!res.writableEnded) res.end();
  }
  req.on('close', finish);
}
