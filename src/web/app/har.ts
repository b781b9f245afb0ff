import type { Schemas } from '../../client/index.ts';
import type { Service } from './live.ts';

export type Capture = Schemas['HttpExchange'];

/** The pod port a capture went to: the last part of its forward key (`svc.ns.ctx.pod.port`). */
const portOf = (c: Capture): string | undefined => /\.(\d+)$/.exec(c.forwardKey ?? '')?.[1];

/**
 * HAR 1.2 (the format browsers' developer tools import) of a service's captured exchanges. The daemon records the
 * request line, status, sizes and timings, not headers or bodies, so those lists are empty and header sizes unknown
 * (-1), as the format allows.
 */
export function toHar(service: Service, captures: readonly Capture[], version: string): unknown {
  const host = service.hostnames[0] ?? service.serviceName;
  return {
    log: {
      version: '1.2',
      creator: { name: 'kubefwd', version },
      pages: [],
      entries: captures.map((c) => {
        const port = portOf(c);
        const url = new URL(
          c.path.startsWith('/') ? c.path : `/${c.path}`,
          `http://${host}${port ? `:${port}` : ''}`,
        );
        return {
          startedDateTime: c.timestamp,
          time: c.durationMs,
          request: {
            method: c.method,
            url: url.href,
            httpVersion: `HTTP/${c.httpVersion ?? '1.1'}`,
            cookies: [],
            headers: [],
            queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
            headersSize: -1,
            bodySize: c.requestBodyBytes ?? -1,
          },
          response: {
            status: c.statusCode,
            statusText: '',
            httpVersion: `HTTP/${c.httpVersion ?? '1.1'}`,
            cookies: [],
            headers: [],
            content: { size: c.responseBodyBytes ?? 0, mimeType: 'application/octet-stream' },
            redirectURL: '',
            headersSize: -1,
            bodySize: c.responseBodyBytes ?? -1,
          },
          cache: {},
          timings: {
            send: 0,
            wait: c.ttfbMs ?? c.durationMs,
            receive: Math.max(0, c.durationMs - (c.ttfbMs ?? c.durationMs)),
          },
          ...(c.forwardKey ? { comment: `forward ${c.forwardKey}` } : {}),
        };
      }),
    },
  };
}

/** Hands the HAR to the browser as a download (a Blob URL: nothing leaves the page). */
export function downloadHar(har: unknown, fileName: string): void {
  const blob = new Blob([JSON.stringify(har, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
