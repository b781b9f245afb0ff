import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { PortForwardDialError, type DialOptions } from './types.ts';
import { noReadAhead } from './read-ahead.ts';

export const DEFAULT_DIAL_TIMEOUT_MS = 15_000;
const MAX_ERROR_BODY = 4096;

/** Classifies a non-101 answer: only refusals of the protocol itself make the caller try the next one. */
export function upgradeFailure(status: number, body: string): PortForwardDialError {
  const text = `port-forward upgrade refused with ${status}: ${body.trim().slice(0, 300)}`;
  if (status === 401) return new PortForwardDialError('unauthorized', text, { status });
  // 403 is also how servers refuse a protocol (httpstream.Handshake's negotiation, the WebSocket handshake's empty
  // 403); only RBAC's answer says who may not do what.
  if (
    status === 403 &&
    /forbidden|cannot/i.test(body) &&
    !/unable to negotiate|unable to upgrade/i.test(body)
  )
    return new PortForwardDialError('forbidden', text, { status });
  if (status === 404 && /pods? .*not found/i.test(body))
    return new PortForwardDialError('not-found', text, { status });
  return new PortForwardDialError('upgrade-refused', text, { status });
}

export interface Upgraded {
  socket: Socket;
  head: Buffer;
  res: http.IncomingMessage;
}

/** Performs an HTTP/1.1 upgrade and resolves with the raw socket once the server answered 101. */
export function upgradeRequest(
  options: DialOptions,
  method: string,
  headers: Record<string, string>,
  url: URL = options.url,
): Promise<Upgraded> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const isTls = url.protocol === 'https:' || url.protocol === 'wss:';
    const request = (isTls ? https : http).request({
      method,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (isTls ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      headers: { ...options.headers, ...headers, Connection: 'Upgrade' },
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      ...(options.secureContext ? { secureContext: options.secureContext } : {}),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      servername: options.servername,
      agent: false,
      signal: options.signal,
    });
    // One deadline for connect, TLS and the answer; an idle-socket timeout would restart on every byte.
    const timer = setTimeout(
      () =>
        request.destroy(
          new PortForwardDialError('timeout', `port-forward upgrade timed out after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    request.on('upgrade', (res, socket: Socket, head: Buffer) => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      // Every protocol's session reads the socket as its bytes come (read-ahead.ts).
      noReadAhead(socket);
      resolve({ socket, head, res });
    });
    request.on('response', (res) => {
      clearTimeout(timer);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < MAX_ERROR_BODY) body += d;
      });
      res.on('end', () => reject(upgradeFailure(res.statusCode ?? 0, body)));
      res.on('error', () => reject(upgradeFailure(res.statusCode ?? 0, body)));
    });
    request.on('error', (err) => {
      clearTimeout(timer);
      reject(
        err instanceof PortForwardDialError
          ? err
          : new PortForwardDialError('network', `port-forward connection failed: ${err.message}`, {
              cause: err,
            }),
      );
    });
    request.end();
  });
}
