import { describe, expect, it } from 'vitest';
import {
  checkFdCapacity,
  forwardCapacity,
  parseFdLimits,
  readFdLimits,
} from '../../../src/daemon/fd-limit.ts';

const limits = (soft: string, hard: string): string =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax open files            ${soft}                 ${hard}                 files     \n`;

describe('open-file limit', () => {
  it('parses /proc limits, unlimited included, and is undefined where there is no /proc', () => {
    expect(parseFdLimits(limits('1024', '524288'))).toEqual({ soft: 1024, hard: 524288 });
    expect(parseFdLimits(limits('1024', 'unlimited'))).toEqual({ soft: 1024, hard: Infinity });
    expect(parseFdLimits('garbage')).toBeUndefined();
    expect(
      readFdLimits(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });

  it('warns, with what to do, when the forwarded ports outgrow the limit', () => {
    expect(forwardCapacity(1024)).toBe(768);
    expect(forwardCapacity(Infinity)).toBe(Infinity);
    const lines: string[] = [];
    const log = { warn: (_o: object, m: string) => lines.push(m) };
    expect(checkFdCapacity(768, { soft: 1024, hard: 1024 }, log)).toBe(true);
    expect(checkFdCapacity(5000, undefined, log)).toBe(true);
    expect(lines).toEqual([]);
    expect(checkFdCapacity(700, { soft: 1024, hard: 1024 }, log, 100)).toBe(false);
    expect(lines[0]).toMatch(
      /^700 forwarded ports with an open-file limit of 1024: .* room for about 668\. Raise/,
    );
  });

  it('holds 10,000 listeners with their sessions and watches under a limit of 20,000', () => {
    const lines: string[] = [];
    const log = { warn: (_o: object, m: string) => lines.push(m) };
    // 100 pods' sessions and 100 namespaces' three list/watch connections each.
    expect(checkFdCapacity(10_000, { soft: 20_000, hard: 20_000 }, log, 100 + 300)).toBe(true);
    expect(forwardCapacity(20_000, 400)).toBe(17_600);
    expect(checkFdCapacity(17_601, { soft: 20_000, hard: 20_000 }, log, 400)).toBe(false);
    expect(lines).toHaveLength(1);
  });
});
