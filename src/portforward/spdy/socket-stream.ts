import type net from 'node:net';
import { FLAG_FIN, RST } from './frames.ts';
import { STREAM_BUFFER, type RoutedStream, type StreamOwner } from './stream.ts';

/** What a spliced stream tells its user; each is optional. Observers see the very Buffers that are forwarded. */
export interface SocketStreamHooks {
  /** Bytes from the peer, as they arrive, before they are written to the socket. */
  fromPeer?: (piece: Buffer) => void;
  /** Bytes read from the socket, before they go out as DATA. */
  fromSocket?: (chunk: Buffer) => void;
  /** The peer reset the stream: decides what becomes of the socket (destroyed when absent). */
  reset?: (status: number) => void;
  /** The stream is over: both sides finished, reset either way, or its session lost. Called once. */
  done?: () => void;
}

const noop = (): void => undefined;

/**
 * What a socket may hold unsent before the session stops reading for it: a stream's read buffer, the same bound.
 * Pausing the session pauses every stream on it, so one client a little slower than its pod should not do it at every
 * turn.
 */
const HOLD_BYTES = STREAM_BUFFER;

/**
 * A SPDY stream spliced straight to a local socket, with no Node.js stream between: the peer's DATA is written to the
 * socket as the session parses it, the socket's reads leave as DATA frames, a FIN either way half-closes the other
 * side, and backpressure pauses the other side. What the peer sends within one turn of the event loop is written with
 * one `writev` (as batched-pipe.ts does for a Duplex): the socket is corked at the first piece of a turn and uncorked
 * by setImmediate, after every read of that turn. Each forwarded connection of the daemon is one of these; a Duplex
 * per connection cost its construction, a pipe, and a nextTick or two at every write, end and close.
 *
 * The socket's reads pause while the session's transport holds more than its bound (the write's callback comes at
 * its drain); the session's reads pause while the socket holds more than HOLD_BYTES unsent after a flush, until it
 * has drained.
 */
export class SocketStream implements RoutedStream {
  readonly id: number;
  /** RST_STREAM status sent or received, if the stream was reset. */
  resetStatus: number | undefined;
  #owner: StreamOwner;
  #socket: net.Socket;
  #hooks: SocketStreamHooks;
  #localFin = false;
  #remoteFin = false;
  #done = false;
  #corked = false;
  /** A DATA write of the socket's bytes waits for the transport's drain: the socket is paused until it comes. */
  #writing = false;
  #waiting = false;
  /** The session's reads are paused for this socket's drain. */
  #holding = false;

  constructor(owner: StreamOwner, id: number, socket: net.Socket, hooks: SocketStreamHooks) {
    this.#owner = owner;
    this.id = id;
    this.#socket = socket;
    this.#hooks = hooks;
    socket.on('data', this.#onSocketData);
    socket.once('end', this.#onSocketEnd);
    socket.once('close', this.#onSocketClose);
    socket.resume();
  }

  /** The stream is over (see SocketStreamHooks.done). */
  get destroyed(): boolean {
    return this.#done;
  }

  /** Sends our FIN now (the listener closing), as the socket's end would. */
  end(): void {
    this.#onSocketEnd();
  }

  /** Resets the stream (RST_STREAM CANCEL) unless both sides finished; the socket is left to its owner. */
  destroy(): void {
    if (this.#done) return;
    if (!(this.#localFin && this.#remoteFin) && this.resetStatus === undefined) {
      this.resetStatus = RST.CANCEL;
      this.#owner.writeReset(this.id, RST.CANCEL);
    }
    this.#finish();
  }

  // --- from the session ---------------------------------------------------------------------------------------

  receive(piece: Buffer): boolean {
    const socket = this.#socket;
    if (this.#remoteFin || this.#done || socket.destroyed) return true;
    this.#hooks.fromPeer?.(piece);
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      setImmediate(this.#flush);
    }
    socket.write(piece);
    return true;
  }

  receiveFin(): void {
    if (this.#remoteFin || this.#done) return;
    this.#remoteFin = true;
    // end() flushes what is corked first.
    if (!this.#socket.destroyed) this.#socket.end();
    this.#settle();
  }

  receiveReset(status: number): void {
    if (this.#done) return;
    this.resetStatus = status;
    this.#remoteFin = true;
    this.#finish();
    const reset = this.#hooks.reset;
    if (reset) reset(status);
    else this.#cut();
  }

  abort(): void {
    if (this.#done) return;
    this.resetStatus ??= RST.CANCEL;
    this.#finish();
    this.#cut();
  }

  // --- from the socket ----------------------------------------------------------------------------------------

  #onSocketData = (chunk: Buffer): void => {
    if (this.#localFin || this.#done) {
      // Our FIN was sent (the listener is closing) or the stream is gone: these bytes cannot reach the pod, and the
      // client must not take their loss for delivery.
      this.#cut();
      return;
    }
    this.#hooks.fromSocket?.(chunk);
    this.#writing = true;
    this.#owner.writeData(this.id, [chunk], 0, this.#written);
    if (this.#writing) {
      this.#waiting = true;
      this.#socket.pause();
    }
  };

  #written = (err?: Error | null): void => {
    this.#writing = false;
    if (err) {
      this.#cut();
      return;
    }
    if (this.#waiting) {
      this.#waiting = false;
      this.#socket.resume();
    }
  };

  #onSocketEnd = (): void => {
    if (this.#localFin || this.#done) return;
    this.#localFin = true;
    this.#owner.writeData(this.id, [], FLAG_FIN, noop);
    this.#settle();
  };

  #onSocketClose = (): void => {
    this.destroy();
  };

  #flush = (): void => {
    this.#corked = false;
    const socket = this.#socket;
    socket.uncork();
    if (socket.writableLength > HOLD_BYTES && !socket.destroyed && !this.#holding && !this.#done) {
      this.#holding = true;
      this.#owner.hold(this);
      socket.once('drain', this.#drained);
    }
  };

  #drained = (): void => {
    this.#holding = false;
    this.#owner.readWanted(this);
  };

  /**
   * Resets the socket: a connection cut short must not look finished to the client (a plain close sends a FIN, which
   * ends a body delimited by the connection's end as if it were complete).
   */
  #cut(): void {
    if (!this.#socket.destroyed) this.#socket.resetAndDestroy();
  }

  #settle(): void {
    if (this.#localFin && this.#remoteFin) this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#holding) {
      this.#holding = false;
      this.#socket.off('drain', this.#drained);
    }
    this.#owner.forget(this);
    this.#hooks.done?.();
  }
}
