import { Duplex } from 'node:stream';
import { V4_SUBPROTOCOL } from './constants.ts';
import {
  PortForwardDialError,
  type DialOptions,
  type PortForwardConnection,
  type PortForwardSession,
} from './types.ts';
import { upgradeRequest } from './upgrade.ts';
import { WebSocketConnection, acceptKey, newKey } from './websocket.ts';

const DATA = 0;
const ERROR = 1;

/** Upgrades one WebSocket for `port` with the legacy channel protocol. */
export async function dialV4(options: DialOptions, port: number): Promise<WebSocketConnection> {
  const url = new URL(options.url);
  url.searchParams.delete('ports');
  url.searchParams.append('ports', String(port));
  const key = newKey();
  const { socket, head, res } = await upgradeRequest(
    options,
    'GET',
    {
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Protocol': V4_SUBPROTOCOL,
    },
    url,
  );
  if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
    socket.destroy();
    throw new PortForwardDialError(
      'protocol',
      'port-forward WebSocket answered with a wrong Sec-WebSocket-Accept',
    );
  }
  return new WebSocketConnection(socket, true, head);
}

/**
 * One forwarded connection over its own WebSocket: channel 0 carries data, channel 1 the error text, and the first
 * message on each is the port (2 bytes, little-endian). The protocol has no half-close: ending our side sends a
 * close frame, and what the pod sent before it saw it is still delivered.
 */
export class V4Connection extends Duplex {
  readonly port: number;
  readonly error: Promise<string | null>;
  #ws: WebSocketConnection | undefined;
  #pending: { chunks: Buffer[]; cb: (err?: Error | null) => void } | undefined;
  #ending: (() => void) | undefined;
  #errorParts: Buffer[] = [];
  #seen = [false, false];
  #received = false;
  #resolveError!: (text: string | null) => void;

  constructor(port: number, ws: Promise<WebSocketConnection>) {
    super({ allowHalfOpen: true, readableHighWaterMark: 256 * 1024 });
    this.port = port;
    this.error = new Promise((resolve) => (this.#resolveError = resolve));
    ws.then(
      (conn) => this.#attach(conn),
      (err: unknown) => {
        this.#resolveError(err instanceof Error ? err.message : String(err));
        this.destroy();
      },
    );
  }

  /** Whether the pod has sent anything yet (a spare connection that has is not reusable). */
  get used(): boolean {
    return this.#received || this.writableLength > 0 || this.writableEnded;
  }

  #attach(ws: WebSocketConnection): void {
    if (this.destroyed) {
      ws.socket.destroy();
      return;
    }
    this.#ws = ws;
    let orderly = false;
    ws.on('message', (msg: Buffer) => this.#onMessage(msg));
    ws.once('peer-close', (code: number) => (orderly = code === 1000 || code === 1005));
    ws.once('close', () => {
      const text = Buffer.concat(this.#errorParts).toString('utf8').trim();
      this.#resolveError(text || null);
      // An error or a connection lost without a close frame means the forward failed: abort rather than end, so
      // the local side is reset, not closed as if the pod had finished.
      if (text || !orderly) this.destroy();
      else this.push(null);
    });
    ws.start();
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) this.#send(pending.chunks, pending.cb);
    if (this.#ending) this.#ending();
  }

  #onMessage(msg: Buffer): void {
    const channel = msg[0];
    let body = msg.subarray(1);
    if ((channel === DATA || channel === ERROR) && !this.#seen[channel]) {
      this.#seen[channel] = true;
      body = body.subarray(2);
    }
    if (body.length === 0) return;
    if (channel === DATA) {
      this.#received = true;
      if (!this.push(body)) this.#ws?.socket.pause();
    } else if (channel === ERROR) this.#errorParts.push(body);
  }

  #send(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    const ws = this.#ws as WebSocketConnection;
    if (ws.closed) {
      cb(new Error('port-forward WebSocket closed'));
      return;
    }
    if (ws.sendv([Buffer.from([DATA]), ...chunks])) cb();
    else ws.socket.once('drain', () => cb());
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this._writev([{ chunk }], cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    const bufs = chunks.map((c) => c.chunk);
    if (this.#ws) this.#send(bufs, cb);
    else this.#pending = { chunks: bufs, cb };
  }

  override _final(cb: (err?: Error | null) => void): void {
    const finish = (): void => {
      this.#ws?.close(1000);
      cb();
    };
    if (this.#ws) finish();
    else this.#ending = finish;
  }

  override _read(): void {
    this.#ws?.socket.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#ws?.socket.destroy();
    this.#resolveError(null);
    cb(err);
  }
}

/** Legacy v4 channels: one WebSocket per forwarded connection, so each open() upgrades anew. */
export class V4PortForwardSession implements PortForwardSession {
  readonly protocol = 'websocket-v4' as const;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #closing = false;
  #options: DialOptions;
  #live = new Set<V4Connection>();
  #spare: V4Connection | undefined;

  /** `spare`: the connection the dial made to prove the server speaks the protocol, handed to the first open(). */
  constructor(options: DialOptions, spare?: V4Connection) {
    this.#options = options;
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    if (spare) {
      this.#spare = spare;
      this.#track(spare);
    }
  }

  get isClosed(): boolean {
    return this.#closing;
  }

  open(port: number): PortForwardConnection {
    if (this.#closing) throw new Error('port-forward session is closed');
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare && spare.port === port && !spare.destroyed && !spare.used)
      return { data: spare, error: spare.error };
    spare?.destroy();
    const conn = new V4Connection(port, dialV4(this.#options, port));
    this.#track(conn);
    return { data: conn, error: conn.error };
  }

  #track(conn: V4Connection): void {
    this.#live.add(conn);
    conn.once('close', () => {
      this.#live.delete(conn);
      if (conn === this.#spare) this.#spare = undefined;
    });
  }

  /** Each connection has its own WebSocket; there is no session-level PING. */
  ping(): Promise<number> {
    return this.#closing ? Promise.reject(new Error('port-forward session is closed')) : Promise.resolve(0);
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#spare?.destroy();
      this.#resolveClosed();
    }
    return this.closed;
  }

  destroy(): void {
    for (const conn of [...this.#live]) conn.destroy();
    void this.close();
  }
}
