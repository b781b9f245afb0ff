import { Duplex } from 'node:stream';
import { FLAG_FIN, RST, type Headers } from './frames.ts';
import { noReadAhead } from '../read-ahead.ts';

/**
 * What the session routes a stream's frames to: a SpdyStream, a stream spliced to a socket (SocketStream), or a
 * client's error stream (ErrorSink).
 */
export interface RoutedStream {
  readonly id: number;
  /** Returns false when the reader is full and the transport should pause. */
  receive(piece: Buffer): boolean;
  receiveFin(): void;
  receiveReset(status: number): void;
  /** The session is gone. */
  abort(): void;
}

/** What a stream needs from its session; the session implements it. */
export interface StreamOwner {
  writeData(id: number, chunks: Buffer[], flags: number, cb: (err?: Error | null) => void): void;
  writeReset(id: number, status: number): void;
  /** The stream's reader wants more: the transport may flow again if nothing else holds it. */
  readWanted(stream: RoutedStream): void;
  /** The stream's reader is full: the transport pauses until readWanted(stream). */
  hold(stream: RoutedStream): void;
  forget(stream: RoutedStream): void;
}

/** Read-side buffering per stream before the transport is paused; bounds memory when a consumer stalls. */
export const STREAM_BUFFER = 256 * 1024;

/**
 * One SPDY stream as a Node duplex. `end()` sends FIN (half-close), the peer's FIN ends the readable side; when both
 * sides are finished the stream closes quietly. Destroying an unfinished stream sends RST_STREAM(CANCEL); a reset from
 * the peer ends and destroys it (see receiveReset); losing the session destroys it without an 'end'.
 */
export class SpdyStream extends Duplex implements RoutedStream {
  readonly id: number;
  headers: Headers;
  /** RST_STREAM status sent or received, if the stream was reset. */
  resetStatus: number | undefined;
  #owner: StreamOwner;
  #localFin = false;
  #remoteFin = false;

  constructor(owner: StreamOwner, id: number, headers: Headers) {
    super({
      allowHalfOpen: true,
      readableHighWaterMark: STREAM_BUFFER,
      writableHighWaterMark: STREAM_BUFFER,
    });
    this.#owner = owner;
    this.id = id;
    this.headers = headers;
    noReadAhead(this);
  }

  get localFinished(): boolean {
    return this.#localFin;
  }

  get remoteFinished(): boolean {
    return this.#remoteFin;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#owner.writeData(this.id, [chunk], 0, cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.#owner.writeData(
      this.id,
      chunks.map((c) => c.chunk),
      0,
      cb,
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.#localFin) {
      cb();
      return;
    }
    this.#localFin = true;
    this.#owner.writeData(this.id, [], FLAG_FIN, cb);
    this.#settle();
  }

  override _read(): void {
    this.#owner.readWanted(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!(this.#localFin && this.#remoteFin) && this.resetStatus === undefined) {
      this.resetStatus = RST.CANCEL;
      this.#owner.writeReset(this.id, RST.CANCEL);
    }
    this.#owner.forget(this);
    cb(err);
  }

  /** Sends RST_STREAM with `status` and drops the stream. */
  reset(status: number = RST.CANCEL): void {
    if (this.destroyed) return;
    if (this.resetStatus === undefined) {
      this.resetStatus = status;
      this.#owner.writeReset(this.id, status);
    }
    this.destroy();
  }

  /** The session already wrote FIN for us (a stream opened half-closed). */
  markLocalFin(): void {
    this.#localFin = true;
    this.end();
  }

  /** Returns false when the reader is full and the transport should pause. */
  receive(piece: Buffer): boolean {
    if (this.#remoteFin || this.destroyed) return true;
    return this.push(piece);
  }

  receiveFin(): void {
    if (this.#remoteFin || this.destroyed) return;
    this.#remoteFin = true;
    this.push(null);
    this.#settle();
  }

  /**
   * The peer reset the stream (a refused or aborted forward). The readable side ends before the stream is
   * destroyed, so a flowing consumer sees 'end' then 'close' and can wait for the error stream's text to decide
   * between a reset and an orderly end; `resetStatus` tells the two apart.
   */
  receiveReset(status: number): void {
    this.resetStatus = status;
    if (!this.#remoteFin && !this.destroyed) {
      this.#remoteFin = true;
      this.push(null);
    }
    this.destroy();
  }

  /** The session is gone: destroyed without an end, so nobody mistakes the truncation for an orderly close. */
  abort(): void {
    this.resetStatus ??= RST.CANCEL;
    this.destroy();
  }

  /** Both directions done: the session no longer needs to route frames to this stream. */
  #settle(): void {
    if (this.#localFin && this.#remoteFin) this.#owner.forget(this);
  }
}
