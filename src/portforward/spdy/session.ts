import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  FLAG_FIN,
  MAX_DATA_LENGTH,
  RST,
  dataHeader,
  decodeControl,
  goawayFrame,
  pingFrame,
  rstStreamFrame,
  synReplyFrame,
  synStreamFrame,
  type ControlFrame,
  type Headers,
} from './frames.ts';
import { createHeaderCodec, type HeaderCodec } from './header-codec.ts';
import { FrameParser } from './parser.ts';
import { ErrorSink } from './error-sink.ts';
import { SocketStream, type SocketStreamHooks } from './socket-stream.ts';
import { SpdyStream, type RoutedStream, type StreamOwner } from './stream.ts';

export { ErrorSink } from './error-sink.ts';
export { SocketStream, type SocketStreamHooks } from './socket-stream.ts';
export { SpdyStream } from './stream.ts';

export interface SpdySessionOptions {
  /** Server role: even stream and PING ids are ours, odd ones the peer's. */
  isServer: boolean;
  /** Answer every SYN_STREAM with an empty SYN_REPLY, as the kubelet does (default: the server role does). */
  autoReply?: boolean;
  /** Bytes the transport may hold before stream writes wait for it to drain (default 1 MiB). */
  writeBufferBytes?: number;
  /** How long ping() waits for its PONG by default. */
  pingTimeoutMs?: number;
  now?: () => number;
}

type PendingPing = { resolve: (rtt: number) => void; reject: (err: Error) => void; start: number };

/**
 * A SPDY/3.1 session over any duplex (a TCP or TLS socket, or a WebSocket tunnel). Flow control is not enforced,
 * as in the Kubernetes implementation (it never sends WINDOW_UPDATE); backpressure comes from the transport: it is
 * paused while any stream's reader is full, and stream writes complete only when the transport has drained.
 *
 * Events: 'stream' (stream, headers) for streams the peer opens; 'goaway'; 'close' (error | null).
 */
export class SpdySession extends EventEmitter implements StreamOwner {
  readonly isServer: boolean;
  readonly closed: Promise<void>;
  #socket: Duplex;
  #codec: HeaderCodec = createHeaderCodec();
  #parser: FrameParser;
  #streams = new Map<number, RoutedStream>();
  #nextStreamId: number;
  #nextPingId: number;
  #pings = new Map<number, PendingPing>();
  #pingTimeoutMs: number;
  #writeBuffer: number;
  #now: () => number;
  #paused = new Set<RoutedStream>();
  #drainWaiters: Array<(err?: Error | null) => void> = [];
  #lastRemoteStreamId = 0;
  #goawayReceived = false;
  #resetsSent = 0;
  #goawaySent = false;
  #closed = false;
  #autoReply: boolean;
  #closeError: Error | null = null;
  #resolveClosed!: () => void;

  constructor(socket: Duplex, options: SpdySessionOptions) {
    super();
    this.isServer = options.isServer;
    this.#autoReply = options.autoReply ?? options.isServer;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 10_000;
    this.#writeBuffer = options.writeBufferBytes ?? 1024 * 1024;
    this.#now = options.now ?? (() => performance.now());
    this.#socket = socket;
    this.#nextStreamId = options.isServer ? 2 : 1;
    this.#nextPingId = options.isServer ? 2 : 1;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#parser = new FrameParser({
      onControl: (type, flags, payload) => this.#onControl(decodeControl(type, flags, payload)),
      onData: (id, piece, fin) => this.#onData(id, piece, fin),
    });
    socket.on('data', (chunk: Buffer) => this.#onChunk(chunk));
    socket.on('drain', () => this.#flushDrain());
    socket.on('end', () => this.#teardown(null));
    socket.on('close', () => this.#teardown(null));
    socket.on('error', (err: Error) => this.#teardown(err));
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Why the session ended (null for an orderly close or while open). */
  get closeError(): Error | null {
    return this.#closeError;
  }

  get streamCount(): number {
    return this.#streams.size;
  }

  /** RST_STREAM frames this side sent (diagnostics: an orderly connection ends with FINs only). */
  get resetsSent(): number {
    return this.#resetsSent;
  }

  get goawayReceived(): boolean {
    return this.#goawayReceived;
  }

  /** Runs `fn` with the transport corked, so the frames it writes leave in one write. */
  batch<T>(fn: () => T): T {
    this.#socket.cork();
    try {
      return fn();
    } finally {
      this.#socket.uncork();
    }
  }

  /** Opens a stream; `halfClosed` sends our FIN right after SYN_STREAM (as client-go does for error streams). */
  openStream(headers: Headers, options: { halfClosed?: boolean } = {}): SpdyStream {
    const halfClosed = options.halfClosed ?? false;
    const stream = this.#open(headers, halfClosed, (id) => new SpdyStream(this, id, headers));
    if (halfClosed) stream.markLocalFin();
    return stream;
  }

  /** Opens a stream spliced to a local socket (socket-stream.ts): no Duplex between the two. */
  spliceStream(headers: Headers, socket: Socket, hooks: SocketStreamHooks): SocketStream {
    return this.#open(headers, false, (id) => new SocketStream(this, id, socket, hooks));
  }

  /**
   * Opens a stream half-closed whose only use is what the peer writes on it until its end: a port-forward client's
   * error stream.
   */
  openErrorSink(headers: Headers): ErrorSink {
    return this.#open(headers, true, (id) => new ErrorSink(this, id));
  }

  /**
   * A stream this side opens: its id, its routing, its SYN_STREAM (with our FIN right after when `halfClosed`, in one
   * write). Throws when the session takes no new streams.
   */
  #open<T extends RoutedStream>(headers: Headers, halfClosed: boolean, make: (id: number) => T): T {
    if (this.#closed || this.#goawaySent) throw new Error('SPDY session is closed');
    if (this.#goawayReceived) throw new Error('SPDY session is going away');
    const id = this.#nextStreamId;
    this.#nextStreamId += 2;
    const stream = make(id);
    this.#streams.set(id, stream);
    const syn = synStreamFrame(this.#codec, id, headers);
    if (!halfClosed) this.#socket.write(syn);
    else
      this.batch(() => {
        this.#socket.write(syn);
        this.#socket.write(dataHeader(id, FLAG_FIN, 0));
      });
    return stream;
  }

  /** Round-trip time of one PING in milliseconds. */
  ping(timeoutMs = this.#pingTimeoutMs): Promise<number> {
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
        start: this.#now(),
      });
      this.#socket.write(pingFrame(id));
    });
  }

  /**
   * Graceful: GOAWAY, no new streams either way; the transport ends once the open streams are done.
   * Resolves when the session is gone.
   */
  close(): Promise<void> {
    if (!this.#closed && !this.#goawaySent) {
      this.#goawaySent = true;
      this.#socket.write(goawayFrame(this.#lastRemoteStreamId));
      this.#endIfIdle();
    }
    return this.closed;
  }

  /** Immediate: the transport is destroyed and every stream with it. */
  destroy(err?: Error): void {
    this.#teardown(err ?? null);
  }

  // --- StreamOwner ------------------------------------------------------------------------------------------

  writeData(id: number, chunks: Buffer[], flags: number, cb: (err?: Error | null) => void): void {
    if (this.#closed) {
      cb(this.#closeError ?? new Error('SPDY session is closed'));
      return;
    }
    const socket = this.#socket;
    socket.cork();
    if (chunks.length === 0) socket.write(dataHeader(id, flags, 0));
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i] as Buffer;
      const lastFlags = i === chunks.length - 1 ? flags : 0;
      if (chunk.length <= MAX_DATA_LENGTH) {
        socket.write(dataHeader(id, lastFlags, chunk.length));
        if (chunk.length > 0) socket.write(chunk);
        continue;
      }
      for (let off = 0; off < chunk.length; off += MAX_DATA_LENGTH) {
        const part = chunk.subarray(off, off + MAX_DATA_LENGTH);
        socket.write(dataHeader(id, off + part.length === chunk.length ? lastFlags : 0, part.length));
        socket.write(part);
      }
    }
    socket.uncork();
    // Streams may queue up to a bound in the transport before they wait for 'drain': several frames then leave in
    // one writev instead of one write and one drain per chunk.
    if (socket.writableLength <= this.#writeBuffer) cb();
    else this.#drainWaiters.push(cb);
  }

  writeReset(id: number, status: number): void {
    if (this.#closed) return;
    this.#resetsSent++;
    this.#socket.write(rstStreamFrame(id, status));
  }

  hold(stream: RoutedStream): void {
    this.#paused.add(stream);
    this.#socket.pause();
  }

  readWanted(stream: RoutedStream): void {
    if (this.#paused.delete(stream) && this.#paused.size === 0 && !this.#closed) this.#socket.resume();
  }

  forget(stream: RoutedStream): void {
    if (this.#streams.get(stream.id) === stream) this.#streams.delete(stream.id);
    this.readWanted(stream);
    this.#endIfIdle();
  }

  // --- receiving --------------------------------------------------------------------------------------------

  #onChunk(chunk: Buffer): void {
    // Frames written in answer to one read (SYN_REPLY, PING) leave together.
    this.#socket.cork();
    try {
      this.#parser.push(chunk);
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.#socket.uncork();
    }
  }

  #onData(id: number, piece: Buffer, fin: boolean): void {
    const stream = this.#streams.get(id);
    if (!stream) return;
    if (piece.length > 0 && !stream.receive(piece)) this.hold(stream);
    if (fin) stream.receiveFin();
  }

  #onControl(frame: ControlFrame): void {
    switch (frame.type) {
      case 'syn-stream':
        this.#onSynStream(frame.streamId, frame.flags, frame.block);
        return;
      case 'syn-reply':
      case 'headers': {
        // A server decodes every block even when unused: the inflate context spans all blocks of the session. A
        // client never reads the replies' headers (port-forward puts nothing in them it needs) nor accepts streams,
        // so it inflates none: no zlib work per connection.
        if (this.isServer && !this.#decoded(frame.block)) return;
        if (frame.flags & FLAG_FIN) this.#streams.get(frame.streamId)?.receiveFin();
        return;
      }
      case 'rst-stream': {
        const stream = this.#streams.get(frame.streamId);
        this.#streams.delete(frame.streamId);
        stream?.receiveReset(frame.status);
        return;
      }
      case 'ping': {
        const mine = (frame.id % 2 === 0) === this.isServer;
        if (!mine) {
          this.#socket.write(pingFrame(frame.id));
          return;
        }
        const pending = this.#pings.get(frame.id);
        this.#pings.delete(frame.id);
        pending?.resolve(this.#now() - pending.start);
        return;
      }
      case 'goaway':
        this.#goawayReceived = true;
        this.emit('goaway', frame.lastStreamId, frame.status);
        this.#endIfIdle();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown types: no flow control, as the Kubernetes implementation.
        return;
    }
  }

  #onSynStream(id: number, flags: number, block: Buffer): void {
    if (!this.isServer) {
      // Port-forward servers open no streams; a client refuses them unread (it keeps no inflate context).
      this.writeReset(id, RST.REFUSED_STREAM);
      return;
    }
    const headers = this.#decoded(block);
    if (!headers) return;
    const refuse = (status: number): void => this.writeReset(id, status);
    // A client's streams have odd ids, each above the last.
    if (id === 0 || id % 2 === 0 || id <= this.#lastRemoteStreamId) {
      refuse(RST.PROTOCOL_ERROR);
      return;
    }
    this.#lastRemoteStreamId = id;
    if (this.#goawaySent || this.#goawayReceived || this.listenerCount('stream') === 0) {
      refuse(RST.REFUSED_STREAM);
      return;
    }
    const stream = new SpdyStream(this, id, headers);
    this.#streams.set(id, stream);
    if (this.#autoReply) this.#socket.write(synReplyFrame(this.#codec, id, {}));
    if (flags & FLAG_FIN) stream.receiveFin();
    if (!this.#closed && !stream.destroyed) this.emit('stream', stream, headers);
  }

  /** The block inflated, or undefined once a corrupt block has failed the session (its inflate context is lost). */
  #decoded(block: Buffer): Headers | undefined {
    try {
      return this.#codec.decode(block);
    } catch (err) {
      this.#fail(err);
      return undefined;
    }
  }

  #fail(err: unknown): void {
    this.destroy(err instanceof Error ? err : new Error(String(err)));
  }

  #flushDrain(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const cb of waiters) cb();
  }

  #endIfIdle(): void {
    if (!this.#closed && this.#streams.size === 0 && (this.#goawaySent || this.#goawayReceived))
      this.#socket.end();
  }

  #teardown(err: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = err;
    this.#parser.stop();
    const error = err ?? new Error('SPDY session closed');
    for (const p of this.#pings.values()) p.reject(error);
    this.#pings.clear();
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const stream of streams) stream.abort();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const cb of waiters) cb(error);
    this.#codec.close();
    if (!this.#socket.destroyed) this.#socket.destroy();
    this.emit('close', err);
    this.#resolveClosed();
  }
}
