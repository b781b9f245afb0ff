import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { burstLog } from '../../../src/log/burst-log.ts';

function capture() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

describe('burstLog', () => {
  it('logs the first lines of a burst at info, the rest at debug, and starts over after a quiet spell', async () => {
    const { log, lines } = capture();
    let t = 0;
    const announce = burstLog(log, 2, 1000, () => t);
    for (let i = 0; i < 4; i++) announce({ i }, `line ${i}`);
    t += 1001;
    announce({}, 'after the pause');
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'line 0'],
      [30, 'line 1'],
      [30, 'more new forwards: their lines are at debug level (-v)'],
      [20, 'line 2'],
      [20, 'line 3'],
      [30, 'after the pause'],
    ]);
  });
});
