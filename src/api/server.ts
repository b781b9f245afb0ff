import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import { ERROR_CODES } from '../errors.ts';
import type { ApiApp } from './app.ts';
import { errorBody } from './envelope.ts';

export interface ApiServerOptions {
  app: ApiApp | Express;
  host: string;
  port: number;
  /** How long in-flight requests may finish after close() begins before their sockets are destroyed. */
  closeGraceMs?: number;
  now?: () => number;
}

export interface ApiServer {
  start(): Promise<void>;
  close(): Promise<void>;
  readonly url: string;
  readonly port: number;
  /** Requests answered 503 because they came in while closing. */
  readonly refusedWhileClosing: number;
}

/**
 * The HTTP server around the app. close() refuses new requests with 503 SHUTTING_DOWN, ends every SSE stream,
 * closes idle keep-alive sockets at once and destroys the rest after a short grace.
 */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const now = options.now ?? Date.now;
  const control = (options.app as Partial<ApiApp>).kubefwd;
  let closing: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  let address: AddressInfo | undefined;
  const sockets = new Set<Socket>();
  let refused = 0;

  const server = http.createServer((req, res) => {
    if (closing) {
      refused++;
      // Late requests (a keep-alive socket that raced close) get the envelope, not a reset.
      const body = JSON.stringify(
        errorBody('SHUTTING_DOWN', 'kubefwd is shutting down', {
          timestamp: new Date(now()).toISOString(),
          requestId: randomUUID(),
        }),
      );
      res.writeHead(ERROR_CODES.SHUTTING_DOWN.status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      });
      res.end(body);
      return;
    }
    options.app(req, res);
  });
  // Bound slow-header clients; SSE responses are long-lived, so no overall response timeout.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  return {
    start() {
      starting ??= (async () => {
        server.listen(options.port, options.host);
        const [err] = await Promise.race([
          once(server, 'listening').then(() => [undefined]),
          once(server, 'error'),
        ]);
        if (err) throw err as Error;
        address = server.address() as AddressInfo;
      })();
      return starting;
    },
    close() {
      closing ??= (async () => {
        control?.setClosing();
        control?.closeStreams();
        if (!server.listening) return;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, options.closeGraceMs ?? 1000);
        timer.unref();
        await closed;
        clearTimeout(timer);
      })();
      return closing;
    },
    get url() {
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      return `http://${host}:${this.port}`;
    },
    get port() {
      return address?.port ?? options.port;
    },
    get refusedWhileClosing() {
      return refused;
    },
  };
}
