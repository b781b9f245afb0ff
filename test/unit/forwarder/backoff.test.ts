import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../../src/forwarder/backoff.ts';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('backoff', () => {
  it('doubles from 250 ms to a 30 s ceiling with the top of the jitter range', () => {
    const b = createBackoff({ random: () => 0.999999, now: fakeClock().now });
    const delays = Array.from({ length: 10 }, () => b.fail());
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('draws each delay from half to all of the nominal value', () => {
    const low = createBackoff({ random: () => 0 });
    expect([low.fail(), low.fail(), low.fail()]).toEqual([125, 250, 500]);
    const mid = createBackoff({ random: () => 0.5 });
    expect(mid.fail()).toBe(188);
    for (let i = 0; i < 40; i++) mid.fail();
    expect(mid.state().delayMs).toBe(22500);
  });

  it('stays finite and capped after very many failures', () => {
    const b = createBackoff({ random: () => 1 });
    for (let i = 0; i < 10_000; i++) b.fail();
    expect(b.state().delayMs).toBe(30_000);
    expect(b.state().attempts).toBe(10_000);
  });

  it('reports the wait left on the injected clock', () => {
    const clock = fakeClock();
    const b = createBackoff({ random: () => 1, now: clock.now });
    expect(b.wait()).toBe(0);
    b.fail();
    expect(b.wait()).toBe(250);
    expect(b.state()).toEqual({ attempts: 1, delayMs: 250, nextAttemptAt: clock.now() + 250 });
    clock.advance(100);
    expect(b.wait()).toBe(150);
    clock.advance(1000);
    expect(b.wait()).toBe(0);
  });

  it('starts over only on succeed()', () => {
    const b = createBackoff({ random: () => 1 });
    b.fail();
    b.fail();
    b.fail();
    expect(b.state().attempts).toBe(3);
    b.succeed();
    expect(b.state()).toEqual({ attempts: 0, delayMs: 0, nextAttemptAt: undefined });
    expect(b.fail()).toBe(250);
  });

  it('honours other bounds and clamps a misbehaving random source', () => {
    const b = createBackoff({ initialMs: 10, maxMs: 40, random: () => 7 });
    expect([b.fail(), b.fail(), b.fail(), b.fail()]).toEqual([10, 20, 40, 40]);
    const n = createBackoff({ random: () => -3 });
    expect(n.fail()).toBe(125);
  });
});
