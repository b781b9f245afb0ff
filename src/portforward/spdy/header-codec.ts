import { Inflate, Z_SYNC_FLUSH } from 'pako';
import { createDeflater } from './deflate.ts';
import { SPDY3_DICTIONARY } from './dictionary.ts';

export type Headers = Record<string, string>;

/**
 * Name/value block of SPDY/3 (section 2.6.10): 32-bit count, then length-prefixed lowercase names and values. Written
 * straight into one buffer: it runs twice per forwarded connection.
 */
export function serializeHeaders(headers: Headers): Buffer {
  let size = 4;
  let count = 0;
  for (const name in headers) {
    size += 8 + Buffer.byteLength(name.toLowerCase()) + Buffer.byteLength(headers[name] as string);
    count++;
  }
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(count, 0);
  let off = 4;
  for (const name in headers) {
    const n = out.write(name.toLowerCase(), off + 4);
    out.writeUInt32BE(n, off);
    off += 4 + n;
    const v = out.write(headers[name] as string, off + 4);
    out.writeUInt32BE(v, off);
    off += 4 + v;
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
 * Header blocks form one zlib stream per direction for the whole session (SPDY/3 section 2.6.10.1). Both directions
 * work synchronously, as the real kubelet's do: outgoing blocks through our compressor (deflate.ts), incoming ones
 * through pako's streaming inflater with a sync flush per block. Node's zlib streams would make every stream open
 * wait on the thread pool (two hops per port-forward connection: stream setup took 0.68 ms instead of 0.25).
 */
export function createHeaderCodec() {
  const deflater = createDeflater(SPDY3_DICTIONARY);
  let output: Uint8Array[] = [];
  let failed: Error | undefined;
  // Made on the first decode: a client session never decodes, and keeps no inflate context.
  let inflater: Inflate | undefined;
  const inflaterOf = (): Inflate => {
    if (inflater) return inflater;
    const made = new Inflate({ dictionary: SPDY3_DICTIONARY, chunkSize: 1024 });
    made.onData = (chunk: Uint8Array) => output.push(chunk);
    return (inflater = made);
  };
  return {
    encode(headers: Headers): Buffer {
      return deflater.compress(serializeHeaders(headers));
    },
    /** Inflates one block in order; a corrupt block throws, and so does every block after it. */
    decode(block: Buffer): Headers {
      if (failed) throw failed;
      // The real server's empty SYN_REPLY still carries a (compressed, empty-count) block; an absent one is empty.
      if (block.length === 0) return {};
      const inflate = inflaterOf();
      output = [];
      if (!inflate.push(block, Z_SYNC_FLUSH) || inflate.ended) {
        failed = new Error(`header block does not inflate: ${inflate.msg || 'stream ended'}`);
        throw failed;
      }
      const raw = output.length === 1 ? (output[0] as Uint8Array) : Buffer.concat(output);
      output = [];
      return parseHeaders(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    },
    close(): void {
      inflater = undefined;
    },
  };
}

export type HeaderCodec = ReturnType<typeof createHeaderCodec>;
