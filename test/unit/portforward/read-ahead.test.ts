import { once } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { noReadAhead } from '../../../src/portforward/read-ahead.ts';

/** A push-fed Readable that counts how often it is asked for more. */
function source(highWaterMark: number) {
  const asked = { count: 0 };
  const r = new Readable({
    highWaterMark,
    read() {
      asked.count++;
    },
  });
  return { r, asked };
}

/** Lets every nextTick and immediate queued so far run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('noReadAhead', () => {
  it('stops the read(0) Readable schedules after every push, which a plain Readable makes', async () => {
    const plain = source(1024 * 1024);
    const quiet = source(1024 * 1024);
    noReadAhead(quiet.r);
    for (const { r } of [plain, quiet]) r.on('data', () => undefined);
    await settle();
    const before = [plain.asked.count, quiet.asked.count];
    for (let i = 0; i < 10; i++) {
      plain.r.push(Buffer.alloc(100));
      quiet.r.push(Buffer.alloc(100));
      await settle();
    }
    expect(plain.asked.count - (before[0] ?? 0)).toBeGreaterThanOrEqual(10);
    expect(quiet.asked.count - (before[1] ?? 0)).toBe(0);
  });

  it('keeps backpressure: a full buffer is drained and the source asked again, every byte delivered in order', async () => {
    const { r, asked } = source(64);
    noReadAhead(r);
    const pushed: number[] = [];
    let full = false;
    for (let i = 0; i < 20 && !full; i++) {
      pushed.push(i);
      full = !r.push(Buffer.from([i]).toString('latin1').padEnd(16, '.'));
    }
    expect(full).toBe(true);
    const askedWhileFull = asked.count;
    const got: string[] = [];
    r.on('data', (d: Buffer) => got.push(d.toString('latin1')));
    await settle();
    expect(asked.count).toBeGreaterThan(askedWhileFull);
    r.push(null);
    await once(r, 'end');
    expect(got.join('')).toBe(pushed.map((i) => String.fromCharCode(i).padEnd(16, '.')).join(''));
  });
});
