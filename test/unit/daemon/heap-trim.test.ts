import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHeapTrim } from '../../../src/daemon/heap-trim.ts';
import { waitFor } from '../../helpers/wait-for.ts';

afterEach(() => vi.useRealTimers());

describe('heap trim', () => {
  it('collects only when much committed heap is unused and traffic is quiet', () => {
    vi.useFakeTimers();
    let stats = { total: 200e6, used: 100e6 };
    let busy = true;
    const collect = vi.fn(() => (stats = { total: 110e6, used: 95e6 }));
    const trim = startHeapTrim({ intervalMs: 1000, busy: () => busy, stats: () => stats, collect });
    vi.advanceTimersByTime(1000);
    expect(collect).not.toHaveBeenCalled(); // busy
    busy = false;
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(1); // 15 MB unused: below the threshold
    expect(trim.trims).toBe(1);
    trim.stop();
    stats = { total: 300e6, used: 100e6 };
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('collects once the committed heap grew past what the last collection left, once per growth', () => {
    vi.useFakeTimers();
    let stats = { total: 100e6, used: 60e6 };
    const collect = vi.fn(() => (stats = { total: 70e6, used: 60e6 }));
    const trim = startHeapTrim({ intervalMs: 1000, busy: () => false, stats: () => stats, collect });
    vi.advanceTimersByTime(1000); // the first quiet look collects: the baseline is 70 MB
    expect(collect).toHaveBeenCalledTimes(1);
    stats = { total: 155e6, used: 110e6 }; // a burst: 45 MB unused, but 85 MB more committed
    collect.mockImplementation(() => (stats = { total: 125e6, used: 110e6 }));
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(2);
    // The live size really is 110 MB now: no collection every interval after that.
    vi.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(2);
    stats = { total: 165e6, used: 150e6 }; // 40 MB more committed: below the threshold
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(2);
    trim.stop();
  });

  it('does not collect again for unused heap the last collection left (a large heap keeps more)', () => {
    vi.useFakeTimers();
    let stats = { total: 420e6, used: 300e6 };
    // What 10,000 forwards showed: the collection leaves 88 MB committed but unused.
    const collect = vi.fn(() => (stats = { total: 341e6, used: 253e6 }));
    const trim = startHeapTrim({ intervalMs: 1000, busy: () => false, stats: () => stats, collect });
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(1);
    stats = { total: 341e6, used: 255e6 };
    vi.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
    // A real burst later: 60 MB more unused than the collection left.
    stats = { total: 345e6, used: 197e6 };
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(2);
    trim.stop();
  });

  it('collects at once when asked, busy or not, and counts from what that left', () => {
    vi.useFakeTimers();
    let stats = { total: 300e6, used: 200e6 };
    const collect = vi.fn(() => (stats = { total: 160e6, used: 140e6 }));
    const trim = startHeapTrim({ intervalMs: 1000, busy: () => true, stats: () => stats, collect });
    trim.collectNow('started');
    expect(collect).toHaveBeenCalledTimes(1);
    expect(trim.trims).toBe(1);
    // Quiet now, the committed heap where the collection left it: no second collection.
    const quiet = startHeapTrim({ intervalMs: 1000, busy: () => false, stats: () => stats, collect });
    quiet.collectNow('started');
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(2);
    trim.stop();
    quiet.stop();
  });

  it("runs V8's own full collection in this Node.js", async () => {
    const trim = startHeapTrim({ intervalMs: 10, busy: () => false, stats: () => ({ total: 1e9, used: 0 }) });
    await waitFor(() => trim.trims > 0, { timeoutMs: 5000 });
    trim.stop();
  });
});
