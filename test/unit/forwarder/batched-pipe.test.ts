import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pipeBatched } from '../../../src/forwarder/batched-pipe.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** A destination that records each write call's chunks and completes writes when told to. */
function sink(highWaterMark: number) {
  const calls: Buffer[][] = [];
  const pending: Array<() => void> = [];
  let hold = false;
  const w = new Writable({
    highWaterMark,
    writev(chunks, cb) {
      calls.push(chunks.map((c) => c.chunk as Buffer));
      if (hold) pending.push(() => cb());
      else cb();
    },
    write(chunk: Buffer, _enc, cb) {
      calls.push([chunk]);
      if (hold) pending.push(() => cb());
      else cb();
    },
  });
  return {
    w,
    calls,
    hold: (on: boolean) => (hold = on),
    release: () => pending.splice(0).forEach((f) => f()),
  };
}

describe('pipeBatched', () => {
  it('writes what arrives in one tick as one writev, in order, and never ends the destination', async () => {
    const from = new PassThrough();
    const to = sink(1 << 20);
    pipeBatched(from, to.w);
    for (const s of ['a', 'b', 'c']) from.write(s);
    await waitFor(() => to.calls.length > 0, { timeoutMs: 1000 });
    from.write('d');
    await waitFor(() => to.calls.flat().length === 4, { timeoutMs: 1000 });
    expect(to.calls.map((c) => Buffer.concat(c).toString())).toEqual(['abc', 'd']);
    from.end();
    await new Promise((r) => from.once('end', r));
    expect(to.w.writableEnded).toBe(false);
  });

  it('writes chunks delivered in separate ticks of one loop turn as one writev, as TLS records arrive', async () => {
    const from = new PassThrough();
    const to = sink(1 << 20);
    pipeBatched(from, to.w);
    from.write('a');
    process.nextTick(() => {
      from.write('b');
      process.nextTick(() => from.write('c'));
    });
    await waitFor(() => to.calls.flat().length === 3, { timeoutMs: 1000 });
    expect(to.calls.map((c) => Buffer.concat(c).toString())).toEqual(['abc']);
  });

  it('pauses the source while the destination wants a drain and resumes after it; unpipe stops copying', async () => {
    const from = new PassThrough();
    const to = sink(4);
    const stop = pipeBatched(from, to.w);
    to.hold(true);
    from.write('12345678');
    await waitFor(() => from.isPaused(), { timeoutMs: 1000 });
    to.hold(false);
    to.release();
    await waitFor(() => !from.isPaused(), { timeoutMs: 1000 });
    stop();
    from.write('late');
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(to.calls.flat()).toString()).toBe('12345678');
  });
});
