import type { Schemas } from '../../client/index.ts';
import type { Service } from './live.ts';

export type Capture = Schemas['HttpExchange'];

/** The pod port a capture went to: the last part of its forward key (`svc.ns.ctx.pod.port`). */
const portOf = (c: Capture): string | undefined => /\.(\d+)$/.exec(c.forwardKey ?? '')?.[1];

type Message = NonNullable<Capture['request']>;

const headersOf = (m: Message | undefined): Array<{ name: string; value: string }> =>
  (m?.headers ?? []).map(([name, value]) => ({ name: name ?? '', value: value ?? '' }));

const typeOf = (m: Message | undefined): string =>
  m?.headers.find(([n]) => n?.toLowerCase() === 'content-type')?.[1] ?? 'application/octet-stream';

/**
 * HAR 1.2 (the format browsers' developer tools import) of a service's captured exchanges: request line, status,
 * sizes and timings always; headers (credentials masked) and the first bytes of bodies where the service opted in,
 * otherwise empty lists and unknown header sizes (-1), as the format allows.
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
            headers: headersOf(c.request),
            queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
            ...(c.request?.body && c.request.bodyEncoding === 'utf8'
              ? { postData: { mimeType: typeOf(c.request), text: c.request.body } }
              : {}),
            headersSize: -1,
            bodySize: c.requestBodyBytes ?? -1,
          },
          response: {
            status: c.statusCode,
            statusText: '',
            httpVersion: `HTTP/${c.httpVersion ?? '1.1'}`,
            cookies: [],
            headers: headersOf(c.response),
            content: {
              size: c.responseBodyBytes ?? 0,
              mimeType: typeOf(c.response),
              ...(c.response?.body
                ? {
                    text: c.response.body,
                    ...(c.response.bodyEncoding === 'base64' ? { encoding: 'base64' } : {}),
                    ...(c.response.bodyTruncated ? { comment: 'cut at the capture limit' } : {}),
                  }
                : {}),
            },
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
