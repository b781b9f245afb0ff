import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  FLAG_FIN,
  FRAME,
  REPLY_BLOCK_OFFSET,
  RST,
  controlFrame,
  createHeaderCodec,
  dataHeader,
  goawayFrame,
  pingFrame,
  rstStream,
  synReply,
  synStream,
  type HeaderCodec,
  type Headers,
} from './frames.ts';

const MAX_DATA = 0xffffff;
const EMPTY = Buffer.alloc(0);

export class SpdyStream extends Duplex {
  readonly id: number;
  headers: Headers;
  #session: SpdySession;
  #localFin = false;
  #remoteFin = false;
  /** RST_STREAM status the peer sent, if any. */
  resetStatus: number | undefined;

  constructor(session: SpdySession, id: number, headers: Headers) {
    super({ allowHalfOpen: true, highWaterMark: 256 * 1024 });
    this.#session = session;
    this.id = id;
    this.headers = headers;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#session._writeData(this.id, chunk, 0, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.#session._writeData(
      this.id,
      chunks.length === 1
        ? (chunks[0] as { chunk: Buffer }).chunk
        : Buffer.concat(chunks.map((c) => c.chunk)),
      0,
      cb,
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#localFin = true;
    this.#session._writeData(this.id, EMPTY, FLAG_FIN, cb);
    this.#maybeDone();
  }

  override _read(): void {
    this.#session._resume(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!(this.#localFin && this.#remoteFin) && this.resetStatus === undefined)
      this.#session._reset(this.id, RST.CANCEL);
    this.#session._forget(this.id);
    cb(err);
  }

  /** Sends RST_STREAM and drops the stream. */
  reset(status: number = RST.CANCEL): void {
    if (this.destroyed) return;
    this.#session._reset(this.id, status);
    this.resetStatus = status;
    this.destroy();
  }

  _onData(buf: Buffer): boolean {
    return this.push(buf);
  }

  _onFin(): void {
    if (this.#remoteFin) return;
    this.#remoteFin = true;
    this.push(null);
    this.#maybeDone();
  }

  _onReset(status: number): void {
    this.resetStatus = status;
    if (!this.#remoteFin) {
      this.#remoteFin = true;
      this.push(null);
    }
    this.destroy();
  }

  #maybeDone(): void {
    if (this.#localFin && this.#remoteFin) this.#session._forget(this.id);
  }
}

export interface SpdySessionOptions {
  isServer: boolean;
  /** Server role: answer every SYN_STREAM with an empty SYN_REPLY, as the kubelet does. */
  autoReply?: boolean;
}

/**
 * A SPDY/3.1 session over any duplex (a TLS socket, or a WebSocket tunnel). No flow control is enforced, as with the
 * Kubernetes implementation; backpressure comes from pausing the transport while any stream's reader is full.
 */
export class SpdySession extends EventEmitter {
  readonly isServer: boolean;
  #socket: Duplex;
  #codec: HeaderCodec = createHeaderCodec();
  #streams = new Map<number, SpdyStream>();
  #nextStreamId: number;
  #nextPingId: number;
  #pings = new Map<number, { resolve: (rtt: number) => void; reject: (err: Error) => void; start: number }>();
  #paused = new Set<SpdyStream>();
  #drainWaiters: Array<(err?: Error | null) => void> = [];
  #chunks: Buffer[] = [];
  #buffered = 0;
  #dataRemaining = 0;
  #dataStreamId = 0;
  #dataFin = false;
  #lastRemoteStreamId = 0;
  #goawayReceived = false;
  #closed = false;
  #autoReply: boolean;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(socket: Duplex, options: SpdySessionOptions) {
    super();
    this.isServer = options.isServer;
    this.#autoReply = options.autoReply ?? options.isServer;
    this.#socket = socket;
    this.#nextStreamId = options.isServer ? 2 : 1;
    this.#nextPingId = options.isServer ? 2 : 1;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    socket.on('data', (chunk: Buffer) => this.#onChunk(chunk));
    socket.on('drain', () => this.#flushDrain());
    socket.on('end', () => this.#teardown(null));
    socket.on('close', () => this.#teardown(null));
    socket.on('error', (err: Error) => this.#teardown(err));
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  get goawayReceived(): boolean {
    return this.#goawayReceived;
  }

  /** Runs `fn` with the transport corked, so the frames it writes leave together. */
  batch<T>(fn: () => T): T {
    this.#socket.cork();
    try {
      return fn();
    } finally {
      this.#socket.uncork();
    }
  }

  openStream(headers: Headers, fin = false): SpdyStream {
    if (this.#closed) throw new Error('SPDY session is closed');
    const id = this.#nextStreamId;
    this.#nextStreamId += 2;
    const stream = new SpdyStream(this, id, headers);
    this.#streams.set(id, stream);
    this.#socket.write(synStream(this.#codec, id, headers, fin ? FLAG_FIN : 0));
    return stream;
  }

  ping(timeoutMs = 10_000): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('SPDY session is closed'));
    const id = this.#nextPingId;
    this.#nextPingId = (this.#nextPingId + 2) >>> 0;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pings.delete(id);
        reject(new Error(`no PING reply within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.#pings.set(id, {
        resolve: (rtt) => (clearTimeout(timer), resolve(rtt)),
        reject: (err) => (clearTimeout(timer), reject(err)),
        start: performance.now(),
      });
      this.#socket.write(pingFrame(id));
    });
  }

  goaway(): void {
    if (!this.#closed) this.#socket.write(goawayFrame(this.#lastRemoteStreamId));
  }

  /** Ends the transport after pending writes; streams still open are destroyed when it closes. */
  close(): void {
    if (this.#closed) return;
    this.goaway();
    this.#socket.end();
  }

  destroy(err?: Error): void {
    this.#socket.destroy();
    this.#teardown(err ?? null);
  }

  _writeData(id: number, chunk: Buffer, flags: number, cb: (err?: Error | null) => void): void {
    if (this.#closed) {
      cb(new Error('SPDY session is closed'));
      return;
    }
    const socket = this.#socket;
    let ok = true;
    socket.cork();
    if (chunk.length <= MAX_DATA) {
      socket.write(dataHeader(id, flags, chunk.length));
      if (chunk.length > 0) ok = socket.write(chunk);
    } else {
      for (let off = 0; off < chunk.length; off += MAX_DATA) {
        const part = chunk.subarray(off, Math.min(off + MAX_DATA, chunk.length));
        const last = off + MAX_DATA >= chunk.length;
        socket.write(dataHeader(id, last ? flags : 0, part.length));
        ok = socket.write(part);
      }
    }
    socket.uncork();
    if (ok && !socket.writableNeedDrain) cb();
    else this.#drainWaiters.push(cb);
  }

  _reset(id: number, status: number): void {
    if (!this.#closed) this.#socket.write(rstStream(id, status));
  }

  _forget(id: number): void {
    const stream = this.#streams.get(id);
    this.#streams.delete(id);
    if (stream && this.#paused.delete(stream) && this.#paused.size === 0) this.#socket.resume();
  }

  _resume(stream: SpdyStream): void {
    if (this.#paused.delete(stream) && this.#paused.size === 0) this.#socket.resume();
  }

  #flushDrain(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const cb of waiters) cb();
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.#chunks[0] as Buffer;
        const k = Math.min(c.length, n - off);
        c.copy(out, off, 0, k);
        off += k;
        if (k === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(k);
      }
    }
    this.#buffered -= n;
    return out;
  }

  #peek8(): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= 8) return first;
    const out = Buffer.allocUnsafe(8);
    let off = 0;
    for (const c of this.#chunks) {
      const k = Math.min(c.length, 8 - off);
      c.copy(out, off, 0, k);
      off += k;
      if (off === 8) break;
    }
    return out;
  }

  #onChunk(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    // Replies triggered by one read (SYN_REPLY, PING) leave in one write.
    this.#socket.cork();
    try {
      this.#parse();
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.#socket.uncork();
    }
  }

  #parse(): void {
    for (;;) {
      if (this.#dataRemaining > 0) {
        if (this.#buffered === 0) return;
        const first = this.#chunks[0] as Buffer;
        const n = Math.min(first.length, this.#dataRemaining);
        const piece = this.#take(n);
        this.#dataRemaining -= n;
        const stream = this.#streams.get(this.#dataStreamId);
        if (stream && !stream.destroyed && !stream._onData(piece)) {
          this.#paused.add(stream);
          this.#socket.pause();
        }
        if (this.#dataRemaining === 0 && this.#dataFin) stream?._onFin();
        continue;
      }
      if (this.#buffered < 8) return;
      const head = this.#peek8();
      const word0 = head.readUInt32BE(0);
      const word1 = head.readUInt32BE(4);
      const flags = word1 >>> 24;
      const length = word1 & 0xffffff;
      if (word0 & 0x80000000) {
        if (this.#buffered < 8 + length) return;
        this.#take(8);
        const payload = length > 0 ? this.#take(length) : EMPTY;
        this.#onControl(word0 & 0xffff, flags, payload);
        if (this.#closed) return;
      } else {
        this.#take(8);
        const id = word0 & 0x7fffffff;
        const fin = (flags & FLAG_FIN) !== 0;
        if (length === 0) {
          if (fin) this.#streams.get(id)?._onFin();
          continue;
        }
        this.#dataStreamId = id;
        this.#dataRemaining = length;
        this.#dataFin = fin;
      }
    }
  }

  #onControl(type: number, flags: number, payload: Buffer): void {
    switch (type) {
      case FRAME.SYN_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const decoded = this.#codec.decode(payload.subarray(10));
        this.#lastRemoteStreamId = id;
        if (this.#goawayReceived || this.listenerCount('stream') === 0) {
          decoded.catch(() => undefined);
          this.#socket.write(rstStream(id, RST.REFUSED_STREAM));
          return;
        }
        // Registered at once so DATA that follows is buffered; announced once its headers are inflated.
        const stream = new SpdyStream(this, id, {});
        this.#streams.set(id, stream);
        if (this.#autoReply) this.#socket.write(synReply(this.#codec, id, {}));
        if (flags & FLAG_FIN) stream._onFin();
        decoded.then(
          (headers) => {
            stream.headers = headers;
            if (!this.#closed) this.emit('stream', stream, headers);
          },
          (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
        );
        return;
      }
      case FRAME.SYN_REPLY: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        this.#codec.decode(payload.subarray(REPLY_BLOCK_OFFSET)).catch(() => undefined);
        if (flags & FLAG_FIN) this.#streams.get(id)?._onFin();
        return;
      }
      case FRAME.HEADERS: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        this.#codec.decode(payload.subarray(REPLY_BLOCK_OFFSET)).catch(() => undefined);
        if (flags & FLAG_FIN) this.#streams.get(id)?._onFin();
        return;
      }
      case FRAME.RST_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const status = payload.readUInt32BE(4);
        const stream = this.#streams.get(id);
        this.#streams.delete(id);
        stream?._onReset(status);
        return;
      }
      case FRAME.PING: {
        const id = payload.readUInt32BE(0);
        const mine = (id % 2 === 1) !== this.isServer;
        if (!mine) {
          this.#socket.write(controlFrame(FRAME.PING, 0, payload));
          return;
        }
        const pending = this.#pings.get(id);
        this.#pings.delete(id);
        pending?.resolve(performance.now() - pending.start);
        return;
      }
      case FRAME.GOAWAY:
        this.#goawayReceived = true;
        this.emit('goaway');
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown frames: no flow control, as the Kubernetes implementation.
        return;
    }
  }

  #teardown(err: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = err ?? new Error('SPDY session closed');
    for (const p of this.#pings.values()) p.reject(error);
    this.#pings.clear();
    for (const stream of this.#streams.values()) {
      stream.resetStatus ??= RST.CANCEL;
      stream.destroy();
    }
    this.#streams.clear();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const cb of waiters) cb(error);
    this.#codec.close();
    if (!this.#socket.destroyed) this.#socket.destroy();
    this.emit('close', err);
    this.#resolveClosed();
  }
}
