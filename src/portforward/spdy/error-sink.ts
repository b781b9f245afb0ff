import { RST } from './frames.ts';
import type { RoutedStream, StreamOwner } from './stream.ts';

/** Error text beyond this is dropped: the kubelet writes one line, a peer writing more is not read on. */
const MAX_TEXT = 64 * 1024;

/**
 * A port-forward error stream as the client sees it: opened half-closed, it only collects what the peer writes until
 * the peer's FIN or reset, or the session's end. Not a Node.js stream: each forwarded connection has one, and a
 * Duplex's construction, end and teardown cost more than the connection's own frames.
 */
export class ErrorSink implements RoutedStream {
  readonly id: number;
  /** Resolves with the text written on the stream, or null when it ended without one. */
  readonly text: Promise<string | null>;
  #owner: StreamOwner;
  #parts: Buffer[] = [];
  #size = 0;
  #open = true;
  #resolve!: (text: string | null) => void;

  constructor(owner: StreamOwner, id: number) {
    this.#owner = owner;
    this.id = id;
    this.text = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** The peer has not ended the stream yet. */
  get open(): boolean {
    return this.#open;
  }

  receive(piece: Buffer): boolean {
    if (this.#open && this.#size < MAX_TEXT) {
      this.#parts.push(piece);
      this.#size += piece.length;
    }
    return true;
  }

  receiveFin(): void {
    this.#finish();
  }

  receiveReset(): void {
    this.#finish();
  }

  abort(): void {
    this.#finish();
  }

  /** Resets the stream (RST_STREAM CANCEL) if the peer has not ended it. */
  cancel(): void {
    if (!this.#open) return;
    this.#owner.writeReset(this.id, RST.CANCEL);
    this.#finish();
  }

  #finish(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#owner.forget(this);
    const parts = this.#parts;
    this.#parts = [];
    const text = parts.length === 0 ? '' : Buffer.concat(parts).toString('utf8').trim();
    this.#resolve(text.length > 0 ? text : null);
  }
}
