import zlib from 'node:zlib';
import { createDeflater } from './deflate.ts';
import { SPDY3_DICTIONARY } from './dictionary.ts';

export type Headers = Record<string, string>;

/** Name/value block of SPDY/3 (section 2.6.10): 32-bit count, then length-prefixed lowercase names and values. */
export function serializeHeaders(headers: Headers): Buffer {
  const entries = Object.entries(headers).map(
    ([name, value]) => [Buffer.from(name.toLowerCase(), 'utf8'), Buffer.from(value, 'utf8')] as const,
  );
  let size = 4;
  for (const [n, v] of entries) size += 8 + n.length + v.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(entries.length, 0);
  let off = 4;
  for (const [n, v] of entries) {
    out.writeUInt32BE(n.length, off);
    off += 4 + n.copy(out, off + 4);
    out.writeUInt32BE(v.length, off);
    off += 4 + v.copy(out, off + 4);
  }
  return out;
}

export function parseHeaders(raw: Buffer): Headers {
  const headers: Headers = {};
  if (raw.length === 0) return headers;
  if (raw.length < 4) throw new Error('truncated SPDY header block');
  const count = raw.readUInt32BE(0);
  let off = 4;
  const field = (): string => {
    if (off + 4 > raw.length) throw new Error('truncated SPDY header block');
    const len = raw.readUInt32BE(off);
    off += 4;
    if (off + len > raw.length) throw new Error('truncated SPDY header block');
    const text = raw.toString('utf8', off, off + len);
    off += len;
    return text;
  };
  for (let i = 0; i < count; i++) {
    const name = field().toLowerCase();
    // Repeated values of one name are NUL-separated (section 2.6.10); the port-forward headers have one each.
    headers[name] = field();
  }
  return headers;
}

/**
 * Header blocks form one zlib stream per direction for the whole session (SPDY/3 section 2.6.10.1). Outgoing blocks
 * are compressed synchronously (see deflate.ts) so a SYN_STREAM can be written the moment a stream opens. Incoming
 * blocks go through one streaming inflater; decodes complete in the order they were submitted.
 */
export function createHeaderCodec() {
  const deflater = createDeflater(SPDY3_DICTIONARY);
  let output: Buffer[] = [];
  let failed: Error | undefined;
  // Made on the first decode: a client session never decodes, and keeps no zlib context.
  let inflater: zlib.Inflate | undefined;
  const inflaterOf = (): zlib.Inflate => {
    if (inflater) return inflater;
    const made = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
    made.on('data', (d: Buffer) => output.push(d));
    made.on('error', (err: Error) => (failed = err));
    return (inflater = made);
  };
  return {
    encode(headers: Headers): Buffer {
      return deflater.compress(serializeHeaders(headers));
    },
    decode(block: Buffer): Promise<Headers> {
      if (failed) return Promise.reject(failed);
      // The real server's empty SYN_REPLY still carries a (compressed, empty-count) block; an absent one is empty.
      if (block.length === 0) return Promise.resolve({});
      const inflate = inflaterOf();
      return new Promise((resolve, reject) => {
        inflate.write(block);
        inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          if (failed) return reject(failed);
          const raw = output.length === 1 ? (output[0] as Buffer) : Buffer.concat(output);
          output = [];
          try {
            resolve(parseHeaders(raw));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
    },
    close(): void {
      inflater?.close();
    },
  };
}

export type HeaderCodec = ReturnType<typeof createHeaderCodec>;
