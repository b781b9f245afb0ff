/**
 * Reads the framing of a stream of HTTP/1.x messages in one direction: start line and headers (bounded), then a
 * body delimited by Content-Length, chunked encoding (with trailers) or the end of the connection. Bodies are
 * skipped by counting; only head lines are ever turned into strings. Any violation throws, and the caller gives up.
 */
export type Framing = 'none' | 'chunked' | 'eof' | { length: number };

export interface MessageHead {
  startLine: string;
  /** The few headers that decide framing and pairing, lower-cased names; last value wins. */
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  /** Every header line as sent (name, value), only when the reader was asked to keep them. */
  headers?: Array<[name: string, value: string]>;
}

export interface MessageStats {
  /** Bytes on the wire: head, body and chunk framing. */
  wireBytes: number;
  /** Payload bytes (chunk data without its framing). */
  bodyBytes: number;
}

export interface MessageHooks {
  /** Called when the head is complete; returns how the body is delimited. */
  onHead(head: MessageHead): Framing;
  onComplete(stats: MessageStats): void;
  /** Checks the first byte of each message before any buffering, so binary input is refused at once. */
  firstByteOk(byte: number): boolean;
  /** Payload bytes as they pass (chunk data without framing); only when the caller keeps bodies. */
  onBody?(data: Buffer): void;
}

export class SniffError extends Error {
  override name = 'SniffError';
}

type State = 'start' | 'headers' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'eof';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SP = 0x20;
const HTAB = 0x09;
/** The lengths of the only names that frame a message: content-length and transfer-encoding. */
const CONTENT_LENGTH = 14;
const TRANSFER_ENCODING = 17;
const MAX_CHUNK_LINE = 1024;

const EMPTY_HEAD: MessageHead = { startLine: '', contentLength: undefined, transferEncoding: undefined };

/**
 * One direction's reader. A class rather than a closure: a sniffer makes two per forwarded connection, and methods
 * on the prototype cost nothing per instance where a closure's six inner functions and their context did (measured
 * as the state of forwarded connections that young-generation collections had to copy).
 */
export class MessageReader {
  #hooks: MessageHooks;
  #maxHead: number;
  #keepHeaders: (() => boolean) | undefined;
  #state: State = 'start';
  #line = '';
  #headBytes = 0;
  #lineBytes = 0;
  #wire = 0;
  #body = 0;
  #left = 0;
  #head: MessageHead = EMPTY_HEAD;

  constructor(hooks: MessageHooks, options: { maxHeadBytes?: number; keepHeaders?: () => boolean } = {}) {
    this.#hooks = hooks;
    this.#maxHead = options.maxHeadBytes ?? 16 * 1024;
    this.#keepHeaders = options.keepHeaders;
  }

  #complete(): void {
    const stats = { wireBytes: this.#wire, bodyBytes: this.#body };
    this.#state = 'start';
    this.#wire = 0;
    this.#body = 0;
    this.#headBytes = 0;
    this.#hooks.onComplete(stats);
  }

  #startBody(framing: Framing): void {
    if (framing === 'none') this.#complete();
    else if (framing === 'chunked') this.#state = 'chunk-size';
    else if (framing === 'eof') this.#state = 'eof';
    else if (framing.length === 0) this.#complete();
    else {
      this.#state = 'body';
      this.#left = framing.length;
    }
  }

  #onLine(text: string): void {
    switch (this.#state) {
      case 'start':
        // A stray CRLF between messages is tolerated, as servers do.
        if (text === '') {
          this.#wire = 0;
          this.#headBytes = 0;
          return;
        }
        this.#head = { startLine: text, contentLength: undefined, transferEncoding: undefined };
        if (this.#keepHeaders?.()) this.#head.headers = [];
        this.#state = 'headers';
        return;
      case 'headers':
        if (text === '') return this.#startBody(this.#hooks.onHead(this.#head));
        this.#onHeader(text);
        return;
      case 'chunk-size': {
        const digits = (text.split(';', 1)[0] as string).trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(digits)) throw new SniffError('bad chunk size');
        this.#left = Number.parseInt(digits, 16);
        this.#state = this.#left === 0 ? 'trailers' : 'chunk-data';
        return;
      }
      case 'chunk-end':
        if (text !== '') throw new SniffError('chunk not followed by CRLF');
        this.#state = 'chunk-size';
        return;
      case 'trailers':
        if (text === '') this.#complete();
        return;
      default:
        throw new SniffError(`line in state ${this.#state}`);
    }
  }

  #onHeader(text: string): void {
    const head = this.#head;
    const colon = text.indexOf(':');
    if (colon <= 0) throw new SniffError('malformed header line');
    head.headers?.push([text.slice(0, colon).trim(), text.slice(colon + 1).trim()]);
    const name = text.slice(0, colon).trim().toLowerCase();
    if (name === 'content-length') {
      const value = text.slice(colon + 1).trim();
      if (head.contentLength !== undefined && head.contentLength !== value)
        throw new SniffError('conflicting Content-Length');
      head.contentLength = value;
    } else if (name === 'transfer-encoding') head.transferEncoding = text.slice(colon + 1).trim();
  }

  /** Reads one line's worth of `buf` from `off`; returns the new offset. */
  #readLine(buf: Buffer, off: number): number {
    if (this.#state === 'start' && this.#line === '' && buf[off] !== CR && buf[off] !== LF) {
      if (!this.#hooks.firstByteOk(buf[off] as number)) throw new SniffError('not HTTP/1.x');
    }
    const nl = buf.indexOf(LF, off);
    const end = nl === -1 ? buf.length : nl;
    const consumed = end - off + (nl === -1 ? 0 : 1);
    this.#wire += consumed;
    // Head and trailers share one bound; chunk-size lines are bounded one by one (a body may have many chunks).
    if (this.#state === 'chunk-size' || this.#state === 'chunk-end') {
      this.#lineBytes += consumed;
      if (this.#lineBytes > MAX_CHUNK_LINE) throw new SniffError('chunk line too long');
    } else {
      this.#headBytes += consumed;
      if (this.#headBytes > this.#maxHead) throw new SniffError('head too large');
    }
    if (nl !== -1 && this.#line === '' && this.#state === 'headers' && !this.#head.headers) {
      if (this.#skippable(buf, off, nl)) return nl + 1;
    }
    this.#line += buf.toString('latin1', off, end);
    if (nl === -1) return buf.length;
    const line = this.#line;
    const text = line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
    this.#line = '';
    this.#lineBytes = 0;
    this.#onLine(text);
    return nl + 1;
  }

  /**
   * Whether the header line in buf[off, nl) can be passed over without a string: a well-formed name whose length is
   * neither of the framing headers' (most lines: Host, Date, Content-Type, …). Anything else takes the string path,
   * which checks it.
   */
  #skippable(buf: Buffer, off: number, nl: number): boolean {
    const first = buf[off];
    if (first === SP || first === HTAB) return false;
    const colon = buf.indexOf(COLON, off);
    if (colon <= off || colon > nl) return false;
    const n = colon - off;
    const before = buf[colon - 1];
    return n !== CONTENT_LENGTH && n !== TRANSFER_ENCODING && before !== SP && before !== HTAB;
  }

  feed(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) {
      const state = this.#state;
      if (state === 'body' || state === 'chunk-data') {
        const n = Math.min(this.#left, buf.length - off);
        this.#hooks.onBody?.(buf.subarray(off, off + n));
        this.#left -= n;
        off += n;
        this.#body += n;
        this.#wire += n;
        if (this.#left === 0) {
          if (state === 'body') this.#complete();
          else this.#state = 'chunk-end';
        }
        continue;
      }
      if (state === 'eof') {
        this.#hooks.onBody?.(buf.subarray(off));
        this.#body += buf.length - off;
        this.#wire += buf.length - off;
        return;
      }
      off = this.#readLine(buf, off);
    }
  }

  /** The connection closed: completes a body delimited by the end of the connection. */
  eof(): boolean {
    if (this.#state !== 'eof') return false;
    this.#complete();
    return true;
  }

  /** The message being read so far. */
  get progress(): MessageStats {
    return { wireBytes: this.#wire, bodyBytes: this.#body };
  }

  /** True between messages (nothing of the next one read yet). */
  get idle(): boolean {
    return this.#state === 'start' && this.#line === '';
  }
}

export const createMessageReader = (
  hooks: MessageHooks,
  options?: { maxHeadBytes?: number; keepHeaders?: () => boolean },
): MessageReader => new MessageReader(hooks, options);
