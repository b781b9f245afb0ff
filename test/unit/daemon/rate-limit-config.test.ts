import { describe, expect, it } from 'vitest';
import { parseRateLimit } from '../../../src/daemon/config.ts';

describe('--api-rate-limit', () => {
  it.each([
    ['600', { limit: 600, windowMs: 60_000 }],
    ['100/10s', { limit: 100, windowMs: 10_000 }],
    ['5000/1h', { limit: 5000, windowMs: 3_600_000 }],
    ['0', { limit: 0, windowMs: 60_000 }],
  ])('reads %s', (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });

  it.each(['', '-1', 'ten', '10/0s', '10/500ms', '10/2d', '10/x', '1.5'])('refuses %j', (text) => {
    expect(() => parseRateLimit(text)).toThrow(/invalid --api-rate-limit/);
  });
});
