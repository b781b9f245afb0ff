import http from 'node:http';
import https from 'node:https';
import { Duplex, PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import { SpdySession, type SpdyStream } from './spdy/session.ts';
import { PORTFORWARD_PROTOCOL, TUNNEL_SUBPROTOCOL, V4_SUBPROTOCOL } from './server.ts';
import {
  PortForwardDialError,
  type DialOptions,
  type PortForwardConnection,
  type PortForwardSession,
} from './types.ts';
import { WebSocketConnection, acceptKey, newKey, tunnelDuplex } from './websocket.ts';

const DEFAULT_TIMEOUT_MS = 15_000;

function failureFor(status: number, body: string): PortForwardDialError {
  const text = `port-forward upgrade refused with ${status}: ${body.trim().slice(0, 300)}`;
  if (status === 401) return new PortForwardDialError('unauthorized', text, { status });
  if (status === 403 && !/unable to negotiate|unable to upgrade/i.test(body))
    return new PortForwardDialError('forbidden', text, { status });
  if (status === 404 && /pods? .*not found/i.test(body))
    return new PortForwardDialError('not-found', text, { status });
  return new PortForwardDialError('upgrade-refused', text, { status });
}

/** Performs the HTTP/1.1 upgrade and resolves with the raw socket once the server answered 101. */
function upgrade(
  options: DialOptions,
  method: string,
  headers: Record<string, string>,
  url: URL,
): Promise<{ socket: Socket; head: Buffer; res: http.IncomingMessage }> {
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
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      servername: options.servername,
      agent: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: options.signal,
    });
    request.on('upgrade', (res, socket, head) => {
      socket.setNoDelay(true);
      resolve({ socket, head, res });
    });
    request.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d.length + body.length < 4096 ? d : ''));
      res.on('end', () => reject(failureFor(res.statusCode ?? 0, body)));
      res.on('error', () => reject(failureFor(res.statusCode ?? 0, body)));
    });
    request.on('timeout', () =>
      request.destroy(
        new PortForwardDialError(
          'timeout',
          `port-forward upgrade timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
        ),
      ),
    );
    request.on('error', (err) =>
      reject(
        err instanceof PortForwardDialError
          ? err
          : new PortForwardDialError('network', `port-forward connection failed: ${err.message}`, {
              cause: err,
            }),
      ),
    );
    request.end();
  });
}

class SpdyPortForwardSession implements PortForwardSession {
  readonly protocol: 'spdy' | 'websocket-tunnel';
  readonly closed: Promise<void>;
  #session: SpdySession;
  #requestId = 0;
  #pinger: NodeJS.Timeout | undefined;

  constructor(session: SpdySession, protocol: 'spdy' | 'websocket-tunnel', pingIntervalMs: number) {
    this.#session = session;
    this.protocol = protocol;
    this.closed = session.closed;
    if (pingIntervalMs > 0) {
      this.#pinger = setInterval(() => {
        this.#session
          .ping(Math.max(2 * pingIntervalMs, 5_000))
          .catch(() => this.destroy(new Error('port-forward session did not answer PING')));
      }, pingIntervalMs);
      this.#pinger.unref();
    }
    void session.closed.then(() => clearInterval(this.#pinger));
  }

  get isClosed(): boolean {
    return this.#session.isClosed || this.#session.goawayReceived;
  }

  open(port: number): PortForwardConnection {
    const requestID = String(++this.#requestId);
    const base = { port: String(port), requestID };
    // Both SYN_STREAMs in one write; data may follow at once, without waiting for the replies.
    const [errorStream, data] = this.#session.batch((): [SpdyStream, SpdyStream] => [
      this.#session.openStream({ streamType: 'error', ...base }, true),
      this.#session.openStream({ streamType: 'data', ...base }),
    ]);
    const error = new Promise<string | null>((resolve) => {
      const parts: Buffer[] = [];
      errorStream.on('data', (d: Buffer) => parts.push(d));
      errorStream.on('error', () => undefined);
      errorStream.on('close', () => {
        const text = Buffer.concat(parts).toString('utf8').trim();
        resolve(text.length > 0 ? text : null);
      });
    });
    data.on('close', () => {
      if (!errorStream.destroyed) setImmediate(() => errorStream.destroy());
    });
    return { data, error };
  }

  ping(): Promise<number> {
    return this.#session.ping();
  }

  close(): Promise<void> {
    this.#session.close();
    return this.closed;
  }

  destroy(err?: Error): void {
    clearInterval(this.#pinger);
    this.#session.destroy(err);
  }
}

/** Joins two pipes into one duplex: writes go to `out`, reads come from `inbound`. */
class PairDuplex extends Duplex {
  #out: PassThrough;
  #in: PassThrough;
  constructor(out: PassThrough, inbound: PassThrough) {
    super({ allowHalfOpen: true });
    this.#out = out;
    this.#in = inbound;
    inbound.on('data', (d: Buffer) => {
      if (!this.push(d)) inbound.pause();
    });
    inbound.on('end', () => this.push(null));
  }
  override _read(): void {
    this.#in.resume();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#out.write(chunk)) cb();
    else this.#out.once('drain', () => cb());
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.#out.end();
    cb();
  }
}

/** Legacy v4 channels: one WebSocket per forwarded connection, so each open() dials anew. */
class V4PortForwardSession implements PortForwardSession {
  readonly protocol = 'websocket-v4' as const;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #closedFlag = false;
  #options: DialOptions;
  #live = new Set<Duplex>();

  constructor(options: DialOptions) {
    this.#options = options;
    this.closed = new Promise((r) => (this.#resolveClosed = r));
  }

  get isClosed(): boolean {
    return this.#closedFlag;
  }

  open(port: number): PortForwardConnection {
    const fromPod = new PassThrough();
    const toPod = new PassThrough();
    const stream = new PairDuplex(toPod, fromPod);
    let resolveError!: (v: string | null) => void;
    const error = new Promise<string | null>((r) => (resolveError = r));
    const url = new URL(this.#options.url);
    url.search = `?ports=${port}`;
    const key = newKey();
    const errorParts: Buffer[] = [];
    this.#live.add(stream);
    const headers = {
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Protocol': V4_SUBPROTOCOL,
    };
    upgrade(this.#options, 'GET', headers, url).then(
      ({ socket, head, res }) => {
        if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
          socket.destroy();
          resolveError('bad Sec-WebSocket-Accept');
          fromPod.end();
          return;
        }
        const ws = new WebSocketConnection(socket, true, head);
        const seen = [false, false];
        ws.on('message', (msg: Buffer) => {
          const ch = msg[0] ?? 255;
          let body = msg.subarray(1);
          // The first message on each channel carries the port, little-endian.
          if (ch <= 1 && !seen[ch]) {
            seen[ch] = true;
            body = body.subarray(2);
          }
          if (ch === 0 && body.length > 0) fromPod.write(body);
          else if (ch === 1 && body.length > 0) errorParts.push(body);
        });
        ws.on('close', () => {
          fromPod.end();
          const text = Buffer.concat(errorParts).toString('utf8').trim();
          resolveError(text || null);
          this.#live.delete(stream);
        });
        toPod.on('data', (chunk: Buffer) => {
          if (!ws.send(Buffer.concat([Buffer.from([0]), chunk]))) {
            toPod.pause();
            socket.once('drain', () => toPod.resume());
          }
        });
        toPod.on('end', () => ws.close(1000));
        stream.on('close', () => ws.close(1000));
      },
      (err: unknown) => {
        resolveError(err instanceof Error ? err.message : String(err));
        fromPod.end();
        this.#live.delete(stream);
      },
    );
    return { data: stream, error };
  }

  ping(): Promise<number> {
    return Promise.resolve(0);
  }

  close(): Promise<void> {
    this.#closedFlag = true;
    this.#resolveClosed();
    return this.closed;
  }

  destroy(): void {
    for (const s of this.#live) s.destroy();
    void this.close();
  }
}

/** Dials a pod's port-forward endpoint with one protocol; the caller chooses and falls back. */
export async function dialPortForward(options: DialOptions): Promise<PortForwardSession> {
  const pingIntervalMs = options.pingIntervalMs ?? 10_000;
  if (options.protocol === 'spdy') {
    const { socket, head, res } = await upgrade(
      options,
      'POST',
      { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': PORTFORWARD_PROTOCOL },
      options.url,
    );
    if (String(res.headers['x-stream-protocol-version'] ?? '') !== PORTFORWARD_PROTOCOL) {
      socket.destroy();
      throw new PortForwardDialError('upgrade-refused', 'server did not agree on portforward.k8s.io');
    }
    if (head.length > 0) socket.unshift(head);
    return new SpdyPortForwardSession(new SpdySession(socket, { isServer: false }), 'spdy', pingIntervalMs);
  }
  if (options.protocol === 'websocket-tunnel') {
    const key = newKey();
    const { socket, head, res } = await upgrade(
      options,
      'GET',
      {
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Protocol': TUNNEL_SUBPROTOCOL,
      },
      options.url,
    );
    if (
      res.headers['sec-websocket-protocol'] !== TUNNEL_SUBPROTOCOL ||
      res.headers['sec-websocket-accept'] !== acceptKey(key)
    ) {
      socket.destroy();
      throw new PortForwardDialError('upgrade-refused', 'server did not accept the SPDY WebSocket tunnel');
    }
    const ws = new WebSocketConnection(socket, true, head, { streaming: true });
    return new SpdyPortForwardSession(
      new SpdySession(tunnelDuplex(ws), { isServer: false }),
      'websocket-tunnel',
      pingIntervalMs,
    );
  }
  return new V4PortForwardSession(options);
}
