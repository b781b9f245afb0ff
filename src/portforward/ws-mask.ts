import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** bufferutil's native masking (the `ws` package's): about twice as fast as the best JavaScript loop. */
interface NativeMask {
  mask(source: Buffer, key: Buffer, output: Buffer, offset: number, length: number): void;
  unmask(buffer: Buffer, key: Buffer): void;
}

/**
 * The native binding only: bufferutil's own JavaScript fallback goes a byte at a time, slower than ours below, so
 * where no prebuilt binary fits the platform we keep ours.
 */
function loadNative(): NativeMask | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('bufferutil/package.json');
    const build = createRequire(pkg)('node-gyp-build') as (dir: string) => NativeMask;
    return build(dirname(pkg));
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation masks frames (diagnostics, tests). */
export const maskImplementation: 'native' | 'javascript' = native ? 'native' : 'javascript';

/** XORs `buf` in place with the 4-byte key, a 32-bit word at a time where the buffer is aligned. */
export function maskJs(buf: Buffer, key: Buffer): void {
  const len = buf.length;
  let i = 0;
  const lead = (4 - (buf.byteOffset & 3)) & 3;
  for (; i < lead && i < len; i++) buf[i] = (buf[i] as number) ^ (key[i & 3] as number);
  const words = (len - i) >>> 2;
  if (words > 0) {
    // The key rotated so that it lines up with the aligned start, read in the platform's byte order.
    const rotated = new Uint8Array([
      key[i & 3] as number,
      key[(i + 1) & 3] as number,
      key[(i + 2) & 3] as number,
      key[(i + 3) & 3] as number,
    ]);
    const k32 = new Uint32Array(rotated.buffer)[0] as number;
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = (view[w] as number) ^ k32;
    i += words * 4;
  }
  for (; i < len; i++) buf[i] = (buf[i] as number) ^ (key[i & 3] as number);
}

/** XORs `buf` in place with the 4-byte key. */
export function unmask(buf: Buffer, key: Buffer): void {
  if (native) native.unmask(buf, key);
  else maskJs(buf, key);
}

/** Writes `source` XORed with the key into `output` at `offset` (copy and mask in one pass). */
export function maskInto(source: Buffer, key: Buffer, output: Buffer, offset: number): void {
  if (native) native.mask(source, key, output, offset, source.length);
  else maskJs(output.subarray(offset, offset + source.copy(output, offset)), key);
}
