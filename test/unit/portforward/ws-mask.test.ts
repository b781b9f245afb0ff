import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskImplementation, maskInto, maskJs, unmask } from '../../../src/portforward/ws-mask.ts';

/** RFC 6455 §5.3, a byte at a time: the reference both implementations must match. */
const reference = (data: Buffer, key: Buffer): Buffer =>
  Buffer.from(data.map((b, i) => b ^ (key[i & 3] as number)));

describe('WebSocket masking', () => {
  it('uses the native binding wherever bufferutil ships one for the platform', () => {
    const prebuilt = existsSync(
      join(
        dirname(createRequire(import.meta.url).resolve('bufferutil/package.json')),
        'prebuilds',
        `${platform}-${arch}`,
      ),
    );
    expect(maskImplementation).toBe(prebuilt ? 'native' : 'javascript');
  });

  it('matches the byte-wise definition at every length and alignment, both implementations', () => {
    const key = randomBytes(4);
    for (const len of [0, 1, 3, 4, 5, 7, 8, 63, 64, 65, 1000, 65_536 + 3]) {
      for (const shift of [0, 1, 2, 3]) {
        const data = randomBytes(len + shift).subarray(shift);
        const want = reference(data, key);
        const js = Buffer.from(data);
        maskJs(js, key);
        expect(js.equals(want), `js ${len}/${shift}`).toBe(true);
        const inPlace = Buffer.from(data);
        unmask(inPlace, key);
        expect(inPlace.equals(want), `unmask ${len}/${shift}`).toBe(true);
        const out = Buffer.alloc(len + 5);
        maskInto(data, key, out, 5);
        expect(out.subarray(5).equals(want), `maskInto ${len}/${shift}`).toBe(true);
        expect(data.equals(reference(want, key)), 'source untouched').toBe(true);
      }
    }
  });
});
