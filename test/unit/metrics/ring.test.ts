import { describe, expect, it } from 'vitest';
import { createRing, Ring } from '../../../src/metrics/ring.ts';

describe('Ring', () => {
  it('keeps the newest `capacity` items, newest last', () => {
    const r = createRing<number>(3);
    expect(r.toArray()).toEqual([]);
    for (let i = 1; i <= 7; i++) r.push(i);
    expect(r.size).toBe(3);
    expect(r.capacity).toBe(3);
    expect(r.toArray()).toEqual([5, 6, 7]);
    expect(r.last(2)).toEqual([6, 7]);
    expect(r.last(10)).toEqual([5, 6, 7]);
    expect(r.last(0)).toEqual([]);
    expect(r.at(0)).toBe(5);
    expect(r.at(3)).toBeUndefined();
    expect([...r]).toEqual([5, 6, 7]);
  });

  it('holds what it was given before wrapping, and empties on clear', () => {
    const r = new Ring<string>(1000);
    r.push('a');
    r.push('b');
    expect(r.toArray()).toEqual(['a', 'b']);
    r.clear();
    expect(r.size).toBe(0);
    r.push('c');
    expect(r.toArray()).toEqual(['c']);
  });

  it('matches a plain array model for any sequence of pushes', () => {
    for (const cap of [1, 2, 5]) {
      const r = new Ring<number>(cap);
      const model: number[] = [];
      for (let i = 0; i < 23; i++) {
        r.push(i);
        model.push(i);
        expect(r.toArray()).toEqual(model.slice(-cap));
      }
    }
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new Ring(0)).toThrow(/positive integer/);
    expect(() => new Ring(1.5)).toThrow(/positive integer/);
  });
});
