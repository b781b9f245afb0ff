/**
 * A small synchronous DEFLATE compressor for SPDY header blocks (RFC 1950/1951): LZ77 over a 4 KiB window that
 * starts with a preset dictionary, fixed Huffman codes, and a sync flush after every block.
 *
 * Why our own: SPDY needs one compression context per direction for the whole session, and every header block must
 * be complete before the frame that carries it is written (frames are ordered on the wire, data may follow at once).
 * Node's public zlib API is asynchronous for streaming contexts, which would make opening a stream wait on the
 * thread pool. Header blocks are a few dozen bytes of highly repetitive text, where fixed codes with back-references
 * into the dictionary and previous blocks compress about as well as dynamic ones.
 */

/**
 * How far back matches are looked for. The dictionary (1.4 KB) and the blocks of the last few dozen streams fit, which
 * is all a port-forward header block (stream type, port, request id) refers to; a decoder allows up to 32 KiB. Every
 * session keeps one compressor: with a 32 KiB window and 2^15 hash heads each held ~770 KB (100 pod sessions: 77 MB
 * of a 10,000-service daemon's idle RSS), with 4 KiB and 2^11 heads ~44 KB.
 */
const WINDOW = 4 * 1024;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MAX_CHAIN = 64;
const HASH_BITS = 11;

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];

/** Index of the last table entry not above `value`. */
function codeIndex(table: number[], value: number): number {
  let i = table.length - 1;
  while ((table[i] as number) > value) i--;
  return i;
}

function reverseBits(code: number, bits: number): number {
  let out = 0;
  for (let i = 0; i < bits; i++) {
    out = (out << 1) | (code & 1);
    code >>>= 1;
  }
  return out;
}

export function adler32(buf: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length;) {
    // 5552 is the largest run that cannot overflow before the modulo (as in zlib).
    const end = Math.min(i + 5552, buf.length);
    for (; i < end; i++) {
      a += buf[i] as number;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

class BitWriter {
  #bytes: number[] = [];
  #acc = 0;
  #count = 0;

  /** Appends `bits` bits of `value`, least significant first (DEFLATE's bit order for everything but codes). */
  write(value: number, bits: number): void {
    this.#acc |= value << this.#count;
    this.#count += bits;
    while (this.#count >= 8) {
      this.#bytes.push(this.#acc & 0xff);
      this.#acc >>>= 8;
      this.#count -= 8;
    }
  }

  /** Appends a Huffman code, which DEFLATE packs most significant bit first. */
  code(code: number, bits: number): void {
    this.write(reverseBits(code, bits), bits);
  }

  align(): void {
    if (this.#count > 0) this.write(0, 8 - this.#count);
  }

  bytes(): number[] {
    return this.#bytes;
  }
}

function writeLiteral(out: BitWriter, sym: number): void {
  if (sym < 144) out.code(0x30 + sym, 8);
  else if (sym < 256) out.code(0x190 + sym - 144, 9);
  else if (sym < 280) out.code(sym - 256, 7);
  else out.code(0xc0 + sym - 280, 8);
}

function writeMatch(out: BitWriter, length: number, distance: number): void {
  const li = codeIndex(LENGTH_BASE, length);
  writeLiteral(out, 257 + li);
  if ((LENGTH_EXTRA[li] as number) > 0)
    out.write(length - (LENGTH_BASE[li] as number), LENGTH_EXTRA[li] as number);
  const di = codeIndex(DIST_BASE, distance);
  out.code(di, 5);
  if ((DIST_EXTRA[di] as number) > 0)
    out.write(distance - (DIST_BASE[di] as number), DIST_EXTRA[di] as number);
}

export interface Deflater {
  /** Compresses one block; the first output starts with the zlib header naming the dictionary. */
  compress(input: Buffer): Buffer;
}

export function createDeflater(dictionary: Buffer): Deflater {
  // The window holds the dictionary and everything compressed since, with room to slide in bulk.
  let window = Buffer.allocUnsafe(2 * WINDOW);
  let size = 0;
  // Positions are absolute (never reset); `base` is the absolute position of window[0].
  let base = 0;
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  let prev = new Int32Array(window.length).fill(-1);
  let started = false;
  /** Absolute position of the first byte not yet entered in the hash chains. */
  let indexed = 0;

  // Multiplicative hashing of the three bytes: all of them reach the top HASH_BITS bits that are kept.
  const hashAt = (i: number): number =>
    Math.imul(
      ((window[i] as number) << 16) | ((window[i + 1] as number) << 8) | (window[i + 2] as number),
      0x9e3779b1,
    ) >>>
    (32 - HASH_BITS);

  /** Enters every position before `upto` (window index) that has a full hash key. */
  const indexUpTo = (upto: number): void => {
    const end = Math.min(upto, size - MIN_MATCH + 1);
    for (let i = Math.max(0, indexed - base); i < end; i++) {
      const h = hashAt(i);
      prev[i] = head[h] as number;
      head[h] = base + i;
    }
    indexed = Math.max(indexed, base + end);
  };

  const append = (data: Buffer): void => {
    if (size + data.length > window.length) {
      // Keep the last WINDOW bytes; positions in the hash chains stay absolute.
      const keep = Math.min(size, WINDOW);
      const drop = size - keep;
      const grown = Math.max(window.length, 2 * (keep + data.length));
      const next = Buffer.allocUnsafe(grown);
      window.copy(next, 0, drop, size);
      const nextPrev = new Int32Array(grown).fill(-1);
      nextPrev.set(prev.subarray(drop, size), 0);
      window = next;
      prev = nextPrev;
      base += drop;
      size = keep;
    }
    data.copy(window, size);
    size += data.length;
  };

  append(dictionary.subarray(Math.max(0, dictionary.length - WINDOW)));
  indexUpTo(size);

  return {
    compress(input: Buffer): Buffer {
      const out = new BitWriter();
      append(input);
      const start = size - input.length;
      out.write(0, 1); // BFINAL = 0: the stream continues with the next block
      out.write(1, 2); // BTYPE = 01, fixed Huffman codes
      let i = start;
      while (i < size) {
        let bestLen = 0;
        let bestDist = 0;
        indexUpTo(i);
        if (i + MIN_MATCH <= size) {
          const h = hashAt(i);
          let candidate = head[h] as number;
          const limit = Math.min(MAX_MATCH, size - i);
          for (let chain = 0; candidate >= 0 && chain < MAX_CHAIN; chain++) {
            const at = candidate - base;
            const dist = i - at;
            if (at < 0 || dist > WINDOW) break;
            let len = 0;
            while (len < limit && window[at + len] === window[i + len]) len++;
            if (len > bestLen) {
              bestLen = len;
              bestDist = dist;
              if (len === limit) break;
            }
            candidate = prev[at] as number;
          }
        }
        if (bestLen >= MIN_MATCH) {
          writeMatch(out, bestLen, bestDist);
          i += bestLen;
        } else {
          writeLiteral(out, window[i] as number);
          i++;
        }
      }
      indexUpTo(size);
      writeLiteral(out, 256); // end of block
      // Sync flush: an empty stored block, so the peer can inflate everything so far without more input.
      out.write(0, 3);
      out.align();
      out.write(0x0000, 16);
      out.write(0xffff, 16);
      const body = out.bytes();
      if (started) return Buffer.from(body);
      started = true;
      const framed = Buffer.allocUnsafe(6 + body.length);
      framed[0] = 0x78;
      framed[1] = 0xbb; // FDICT set, check bits valid for 0x78
      framed.writeUInt32BE(adler32(dictionary), 2);
      framed.set(body, 6);
      return framed;
    },
  };
}
