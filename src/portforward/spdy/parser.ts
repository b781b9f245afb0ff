import { FLAG_FIN } from './frames.ts';

export interface FrameSink {
  onControl(type: number, flags: number, payload: Buffer): void;
  /**
   * A piece of a DATA frame's payload as it arrived from the transport (never reassembled, never copied); `fin` is
   * set on the last piece of a frame that carried FIN. A frame without payload gives one empty piece.
   */
  onData(streamId: number, piece: Buffer, fin: boolean): void;
}

const EMPTY = Buffer.alloc(0);
/** Control frames are small; a huge one means a broken or hostile peer, not a frame to buffer. */
const DEFAULT_MAX_CONTROL = 1 << 20;

/**
 * Incremental SPDY/3 frame parser over a list of received buffers with a cursor: input may be split anywhere
 * (byte by byte included). DATA payload is handed out piecewise as it arrives; only frame headers and control
 * payloads that straddle two reads are copied.
 */
export class FrameParser {
  #sink: FrameSink;
  #maxControl: number;
  #chunks: Buffer[] = [];
  /** Read position in #chunks[0]. */
  #offset = 0;
  #buffered = 0;
  #dataRemaining = 0;
  #dataStream = 0;
  #dataFin = false;
  #stopped = false;
  #scratch = Buffer.allocUnsafe(8);

  constructor(sink: FrameSink, options: { maxControlLength?: number } = {}) {
    this.#sink = sink;
    this.#maxControl = options.maxControlLength ?? DEFAULT_MAX_CONTROL;
  }

  /** Bytes received and not yet handed out. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Stops parsing for good (the session is gone); further input is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#chunks = [];
    this.#buffered = 0;
  }

  push(chunk: Buffer): void {
    if (this.#stopped || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#parse();
  }

  #parse(): void {
    while (!this.#stopped) {
      if (this.#dataRemaining > 0) {
        if (this.#buffered === 0) return;
        const piece = this.#takeUpTo(this.#dataRemaining);
        this.#dataRemaining -= piece.length;
        this.#sink.onData(this.#dataStream, piece, this.#dataRemaining === 0 && this.#dataFin);
        continue;
      }
      if (this.#buffered < 8) return;
      const head = this.#peekHeader();
      const word0 = head.readUInt32BE(0);
      const word1 = head.readUInt32BE(4);
      const flags = word1 >>> 24;
      const length = word1 & 0xffffff;
      if (word0 & 0x80000000) {
        if (length > this.#maxControl) throw new Error(`SPDY control frame of ${length} bytes is too large`);
        if (this.#buffered < 8 + length) return;
        this.#skip(8);
        const payload = length === 0 ? EMPTY : this.#takeExactly(length);
        this.#sink.onControl(word0 & 0xffff, flags, payload);
        continue;
      }
      this.#skip(8);
      const streamId = word0 & 0x7fffffff;
      const fin = (flags & FLAG_FIN) !== 0;
      if (length === 0) {
        this.#sink.onData(streamId, EMPTY, fin);
        continue;
      }
      this.#dataStream = streamId;
      this.#dataRemaining = length;
      this.#dataFin = fin;
    }
  }

  #peekHeader(): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset >= 8) return first.subarray(this.#offset, this.#offset + 8);
    let filled = 0;
    let offset = this.#offset;
    for (const c of this.#chunks) {
      filled += c.copy(this.#scratch, filled, offset, Math.min(c.length, offset + 8 - filled));
      offset = 0;
      if (filled === 8) break;
    }
    return this.#scratch;
  }

  #skip(n: number): void {
    this.#buffered -= n;
    while (n > 0) {
      const first = this.#chunks[0] as Buffer;
      const k = Math.min(first.length - this.#offset, n);
      n -= k;
      this.#advance(first, k);
    }
  }

  #advance(first: Buffer, k: number): void {
    this.#offset += k;
    if (this.#offset === first.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }

  /** At most `n` bytes from the first buffered chunk, without copying. */
  #takeUpTo(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    const k = Math.min(first.length - this.#offset, n);
    const out = first.subarray(this.#offset, this.#offset + k);
    this.#buffered -= k;
    this.#advance(first, k);
    return out;
  }

  #takeExactly(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset >= n) return this.#takeUpTo(n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) filled += this.#takeUpTo(n - filled).copy(out, filled);
    return out;
  }
}
