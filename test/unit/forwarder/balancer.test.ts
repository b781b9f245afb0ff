import { describe, expect, it } from 'vitest';
import { createBalancer } from '../../../src/forwarder/balancer.ts';

const three = [
  { key: 'a', active: 0 },
  { key: 'b', active: 0 },
  { key: 'c', active: 0 },
];

describe('balancer', () => {
  it('round-robin visits each candidate in turn', () => {
    const b = createBalancer({ policy: 'round-robin' });
    expect(Array.from({ length: 6 }, () => b.pick(three, undefined)?.key)).toEqual([
      'a',
      'b',
      'c',
      'a',
      'b',
      'c',
    ]);
  });

  it('first always takes the first candidate', () => {
    const b = createBalancer({ policy: 'first' });
    expect(new Set(Array.from({ length: 5 }, () => b.pick(three, undefined)?.key))).toEqual(new Set(['a']));
  });

  it('least-conn takes the fewest connections, rotating among ties', () => {
    const b = createBalancer({ policy: 'least-conn' });
    const loaded = [
      { key: 'a', active: 3 },
      { key: 'b', active: 1 },
      { key: 'c', active: 1 },
    ];
    const picks = Array.from({ length: 4 }, () => b.pick(loaded, undefined)?.key);
    expect(picks).not.toContain('a');
    expect(new Set(picks)).toEqual(new Set(['b', 'c']));
  });

  it('ClientIP affinity holds while used within the timeout and the endpoint is a candidate', () => {
    let t = 0;
    const b = createBalancer({ policy: 'round-robin', affinityMs: 1000, now: () => t });
    const first = b.pick(three, '10.0.0.1')?.key;
    t = 900;
    expect(b.pick(three, '10.0.0.1')?.key).toBe(first);
    t = 1800; // 900 ms after the last use: still held
    expect(b.pick(three, '10.0.0.1')?.key).toBe(first);
    expect(
      b.pick(
        three.filter((c) => c.key !== first),
        '10.0.0.1',
      )?.key,
    ).not.toBe(first);
    t = 10_000;
    b.setAffinity(undefined);
    expect(b.affinityMs).toBeUndefined();
  });

  it('no candidate, no pick', () => {
    expect(createBalancer({ policy: 'least-conn' }).pick([], 'x')).toBeUndefined();
  });
});
