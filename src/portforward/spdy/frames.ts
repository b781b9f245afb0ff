import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.ts';

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;

export const FRAME = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const RST = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
} as const;

export type Headers = Record<string, string>;

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(8 + payload.length);
  frame.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  frame.writeUInt16BE(type, 2);
  frame.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  payload.copy(frame, 8);
  return frame;
}

export function dataHeader(streamId: number, flags: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(((flags & 0xff) << 24) | length, 4);
  return header;
}

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const STREAM_HEADER = (() => {
  // zlib header announcing a preset dictionary (FDICT), then the dictionary's Adler-32.
  const h = Buffer.allocUnsafe(6);
  h[0] = 0x78;
  h[1] = 0xbb;
  h.writeUInt32BE(adler32(SPDY3_DICTIONARY), 2);
  return h;
})();

const SYNC_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

function serialize(headers: Headers): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [];
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    const ln = Buffer.allocUnsafe(4);
    ln.writeUInt32BE(n.length);
    const lv = Buffer.allocUnsafe(4);
    lv.writeUInt32BE(v.length);
    parts.push(ln, n, lv, v);
  }
  return Buffer.concat(parts);
}

function parseBlock(raw: Buffer): Headers {
  const headers: Headers = {};
  if (raw.length < 4) return headers;
  const count = raw.readUInt32BE(0);
  let off = 4;
  for (let i = 0; i < count; i++) {
    if (off + 4 > raw.length) throw new Error('truncated SPDY header block');
    const nl = raw.readUInt32BE(off);
    off += 4;
    const name = raw.toString('utf8', off, off + nl).toLowerCase();
    off += nl;
    if (off + 4 > raw.length) throw new Error('truncated SPDY header block');
    const vl = raw.readUInt32BE(off);
    off += 4;
    if (off + vl > raw.length) throw new Error('truncated SPDY header block');
    headers[name] = raw.toString('utf8', off, off + vl);
    off += vl;
  }
  return headers;
}

/**
 * Header blocks form one zlib stream per direction for the whole session (SPDY/3 section 2.6.10.1).
 * Outgoing blocks are written as stored (uncompressed) deflate blocks: valid for any inflater, synchronous, and our
 * header blocks are a few dozen bytes, so compression would buy nothing. Incoming blocks go through one streaming
 * inflater; decodes complete in order.
 */
export function createHeaderCodec() {
  let started = false;
  const inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
  let output: Buffer[] = [];
  let failed: Error | undefined;
  inflate.on('data', (d: Buffer) => output.push(d));
  inflate.on('error', (err: Error) => (failed = err));
  return {
    encode(headers: Headers): Buffer {
      const raw = serialize(headers);
      const parts: Buffer[] = [];
      if (!started) {
        parts.push(STREAM_HEADER);
        started = true;
      }
      for (let off = 0; off < raw.length || off === 0; off += 65535) {
        const piece = raw.subarray(off, Math.min(off + 65535, raw.length));
        const head = Buffer.allocUnsafe(5);
        head[0] = 0x00;
        head.writeUInt16LE(piece.length, 1);
        head.writeUInt16LE(~piece.length & 0xffff, 3);
        parts.push(head, piece);
        if (raw.length === 0) break;
      }
      // The empty stored block of a sync flush: it makes inflaters (Go's in particular) hand out the block's bytes
      // without reading past the frame for the next block header.
      parts.push(SYNC_MARKER);
      return Buffer.concat(parts);
    },
    decode(block: Buffer): Promise<Headers> {
      if (failed) return Promise.reject(failed);
      if (block.length === 0) return Promise.resolve({});
      return new Promise((resolve, reject) => {
        inflate.write(block);
        inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          if (failed) return reject(failed);
          const raw = Buffer.concat(output);
          output = [];
          try {
            resolve(parseBlock(raw));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
    },
    close(): void {
      inflate.close();
    },
  };
}

export type HeaderCodec = ReturnType<typeof createHeaderCodec>;

export const synStream = (codec: HeaderCodec, streamId: number, headers: Headers, flags = 0): Buffer => {
  const block = codec.encode(headers);
  const payload = Buffer.allocUnsafe(10 + block.length);
  payload.writeUInt32BE(streamId & 0x7fffffff, 0);
  payload.writeUInt32BE(0, 4);
  payload.writeUInt16BE(0, 8);
  block.copy(payload, 10);
  return controlFrame(FRAME.SYN_STREAM, flags, payload);
};

export const synReply = (codec: HeaderCodec, streamId: number, headers: Headers, flags = 0): Buffer => {
  const block = codec.encode(headers);
  const payload = Buffer.allocUnsafe(REPLY_BLOCK_OFFSET + block.length);
  payload.writeUInt32BE(streamId & 0x7fffffff, 0);
  block.copy(payload, REPLY_BLOCK_OFFSET);
  return controlFrame(FRAME.SYN_REPLY, flags, payload);
};

export const rstStream = (streamId: number, status: number): Buffer => {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(streamId & 0x7fffffff, 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(FRAME.RST_STREAM, 0, payload);
};

export const pingFrame = (id: number): Buffer => {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(id >>> 0, 0);
  return controlFrame(FRAME.PING, 0, payload);
};

export const goawayFrame = (lastStreamId: number, status = 0): Buffer => {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(status, 4);
  return controlFrame(FRAME.GOAWAY, 0, payload);
};

/** Where the header block starts in SYN_REPLY and HEADERS payloads (see synReply). */
export const REPLY_BLOCK_OFFSET = 4;
