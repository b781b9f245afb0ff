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
const MAX_CHUNK_LINE = 1024;

export function createMessageReader(
  hooks: MessageHooks,
  options: { maxHeadBytes?: number; keepHeaders?: () => boolean } = {},
) {
  const maxHead = options.maxHeadBytes ?? 16 * 1024;
  let state: State = 'start';
  let line = '';
  let headBytes = 0;
  let lineBytes = 0;
  let wire = 0;
  let body = 0;
  let left = 0;
  let head: MessageHead = { startLine: '', contentLength: undefined, transferEncoding: undefined };

  function complete(): void {
    const stats = { wireBytes: wire, bodyBytes: body };
    state = 'start';
    wire = 0;
    body = 0;
    headBytes = 0;
    hooks.onComplete(stats);
  }

  function startBody(framing: Framing): void {
    if (framing === 'none') complete();
    else if (framing === 'chunked') state = 'chunk-size';
    else if (framing === 'eof') state = 'eof';
    else if (framing.length === 0) complete();
    else {
      state = 'body';
      left = framing.length;
    }
  }

  function onLine(text: string): void {
    switch (state) {
      case 'start':
        // A stray CRLF between messages is tolerated, as servers do.
        if (text === '') {
          wire = 0;
          headBytes = 0;
          return;
        }
        head = { startLine: text, contentLength: undefined, transferEncoding: undefined };
        if (options.keepHeaders?.()) head.headers = [];
        state = 'headers';
        return;
      case 'headers': {
        if (text === '') return startBody(hooks.onHead(head));
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
        return;
      }
      case 'chunk-size': {
        const digits = (text.split(';', 1)[0] as string).trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(digits)) throw new SniffError('bad chunk size');
        left = Number.parseInt(digits, 16);
        state = left === 0 ? 'trailers' : 'chunk-data';
        return;
      }
      case 'chunk-end':
        if (text !== '') throw new SniffError('chunk not followed by CRLF');
        state = 'chunk-size';
        return;
      case 'trailers':
        if (text === '') complete();
        return;
      default:
        throw new SniffError(`line in state ${state}`);
    }
  }

  /** Reads one line's worth of `buf` from `off`; returns the new offset. */
  function readLine(buf: Buffer, off: number): number {
    if (state === 'start' && line === '' && buf[off] !== CR && buf[off] !== LF) {
      if (!hooks.firstByteOk(buf[off] as number)) throw new SniffError('not HTTP/1.x');
    }
    const nl = buf.indexOf(LF, off);
    const end = nl === -1 ? buf.length : nl;
    const consumed = end - off + (nl === -1 ? 0 : 1);
    wire += consumed;
    // Head and trailers share one bound; chunk-size lines are bounded one by one (a body may have many chunks).
    if (state === 'chunk-size' || state === 'chunk-end') {
      lineBytes += consumed;
      if (lineBytes > MAX_CHUNK_LINE) throw new SniffError('chunk line too long');
    } else {
      headBytes += consumed;
      if (headBytes > maxHead) throw new SniffError('head too large');
    }
    line += buf.toString('latin1', off, end);
    if (nl === -1) return buf.length;
    const text = line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
    line = '';
    lineBytes = 0;
    onLine(text);
    return nl + 1;
  }

  return {
    feed(buf: Buffer): void {
      let off = 0;
      while (off < buf.length) {
        if (state === 'body' || state === 'chunk-data') {
          const n = Math.min(left, buf.length - off);
          hooks.onBody?.(buf.subarray(off, off + n));
          left -= n;
          off += n;
          body += n;
          wire += n;
          if (left === 0) {
            if (state === 'body') complete();
            else state = 'chunk-end';
          }
          continue;
        }
        if (state === 'eof') {
          hooks.onBody?.(buf.subarray(off));
          body += buf.length - off;
          wire += buf.length - off;
          return;
        }
        off = readLine(buf, off);
      }
    },
    /** The connection closed: completes a body delimited by the end of the connection. */
    eof(): boolean {
      if (state !== 'eof') return false;
      complete();
      return true;
    },
    /** The message being read so far. */
    get progress(): MessageStats {
      return { wireBytes: wire, bodyBytes: body };
    },
    /** True between messages (nothing of the next one read yet). */
    get idle(): boolean {
      return state === 'start' && line === '';
    },
  };
}
