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

  it("runs V8's own full collection in this Node.js", async () => {
    const trim = startHeapTrim({ intervalMs: 10, busy: () => false, stats: () => ({ total: 1e9, used: 0 }) });
    await waitFor(() => trim.trims > 0, { timeoutMs: 5000 });
    trim.stop();
  });
});
