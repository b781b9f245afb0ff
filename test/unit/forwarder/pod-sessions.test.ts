import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createPodSessions, type PodRef, type SessionEvent } from '../../../src/forwarder/pod-sessions.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { PortForwardSession } from '../../../src/portforward/types.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** A session that only knows how to die: enough to exercise the pool's bookkeeping. */
function fakeSession(): PortForwardSession & { die(): void } {
  let closed = false;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const die = (): void => {
    closed = true;
    resolve();
  };
  return {
    protocol: 'spdy',
    open: () => ({ data: new PassThrough(), error: Promise.resolve(null) }),
    ping: () => Promise.resolve(1),
    get isClosed() {
      return closed;
    },
    closed: done,
    close: () => {
      die();
      return done;
    },
    destroy: die,
    die,
  };
}

const pod: PodRef = { context: 'ctx', namespace: 'ns', name: 'web-1', uid: 'u1' };

interface HarnessOptions {
  fail?: () => boolean;
  /** Per pod: the error its dials fail with, or undefined to connect. */
  error?: (p: PodRef) => string | undefined;
  /** Backoff waits last until their signal aborts (the fake clock does not move). */
  waitForAbort?: boolean;
  random?: () => number;
  initialBackoffMs?: number;
  demandRetryMs?: number;
  maxBulkSessions?: number;
}

function harness(opts: HarnessOptions = {}) {
  let t = 0;
  const sleeps: number[] = [];
  const sessions: Array<ReturnType<typeof fakeSession>> = [];
  const dials: PodRef[] = [];
  let gate: Promise<void> = Promise.resolve();
  const pool = createPodSessions({
    log: silentLogger(),
    now: () => t,
    random: opts.random ?? (() => 1),
    initialBackoffMs: opts.initialBackoffMs,
    maxBackoffMs: opts.initialBackoffMs,
    demandRetryMs: opts.demandRetryMs,
    maxBulkSessions: opts.maxBulkSessions,
    // Backoff waits pass instantly on the fake clock, or last until something cuts them short.
    sleep: (ms, signal) => {
      sleeps.push(ms);
      if (opts.waitForAbort) {
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      }
      t += ms;
      return Promise.resolve();
    },
    dial: async (p) => {
      dials.push(p);
      await gate;
      if (opts.fail?.()) throw new Error('connect ECONNREFUSED');
      const error = opts.error?.(p);
      if (error) throw new Error(error);
      const s = fakeSession();
      sessions.push(s);
      return s;
    },
  });
  return {
    pool,
    sleeps,
    sessions,
    dials,
    hold: (g: Promise<void>): void => {
      gate = g;
    },
    advance: (ms: number): void => {
      t += ms;
    },
  };
}

describe('pod sessions', () => {
  it('dials once for concurrent callers and reuses the live session', async () => {
    const h = harness();
    let open!: () => void;
    h.hold(new Promise((r) => (open = r)));
    const all = Promise.all([h.pool.get(pod), h.pool.get(pod), h.pool.get({ ...pod })]);
    open();
    const [a, b, c] = await all;
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(await h.pool.get(pod)).toBe(a);
    expect(h.pool.live(pod)).toBe(a);
    expect(h.pool.live({ ...pod, uid: 'other' })).toBeUndefined();
    expect(h.dials).toHaveLength(1);
    expect(h.pool.size).toBe(1);
    expect(h.pool.state(pod)).toMatchObject({ connected: true, protocol: 'spdy', dialing: false });
  });

  it('sets a session with a bulk transfer aside: new connections get a fresh one, quietly, once it is up', async () => {
    const h = harness();
    const events: SessionEvent[] = [];
    h.pool.hold(pod, (ev) => events.push(ev));
    const a = await h.pool.get(pod);
    expect(events).toEqual([{ type: 'connected', protocol: 'spdy' }]);
    h.pool.bulk(pod, a);
    h.pool.bulk(pod, a);
    await waitFor(() => h.pool.live(pod) !== a);
    const b = h.pool.live(pod);
    expect(h.dials).toHaveLength(2);
    // The old session closes gracefully after this turn: its transfers end on it.
    await waitFor(() => a.isClosed);
    expect(b?.isClosed).toBe(false);
    // A bulk transfer on a session already set aside changes nothing.
    h.pool.bulk(pod, a);
    expect(h.dials).toHaveLength(2);
    // Holders heard of no loss and no new connection: the pod was reachable throughout.
    expect(events).toHaveLength(1);
  });

  it('tells holders of the new session when the one set aside died before it was up', async () => {
    const h = harness();
    const events: SessionEvent[] = [];
    h.pool.hold(pod, (ev) => events.push(ev));
    const a = await h.pool.get(pod);
    let open!: () => void;
    h.hold(new Promise((r) => (open = r)));
    h.pool.bulk(pod, a);
    h.sessions[0]?.die();
    await waitFor(() => events.length === 2);
    open();
    await waitFor(() => h.pool.live(pod) !== undefined);
    expect(events.map((e) => e.type)).toEqual(['connected', 'lost', 'connected']);
  });

  it('keeps one session per pod for everything with maxBulkSessions 0', async () => {
    const h = harness({ maxBulkSessions: 0 });
    const a = await h.pool.get(pod);
    // A rotation would have called dial synchronously.
    h.pool.bulk(pod, a);
    expect(h.pool.live(pod)).toBe(a);
    expect(h.dials).toHaveLength(1);
  });

  it('keys pods by uid, so a same-named replacement gets its own session', async () => {
    const h = harness();
    const a = await h.pool.get(pod);
    const b = await h.pool.get({ ...pod, uid: 'u2' });
    expect(a).not.toBe(b);
    expect(h.dials).toHaveLength(2);
  });

  it('backs off after failed dials and resets only after a connection worked', async () => {
    let failing = true;
    const h = harness({ fail: () => failing });
    for (let i = 0; i < 4; i++) await expect(h.pool.get(pod)).rejects.toThrow('ECONNREFUSED');
    expect(h.sleeps).toEqual([250, 500, 1000]);
    expect(h.pool.state(pod)?.backoff.attempts).toBe(4);
    expect(h.pool.state(pod)?.lastError).toMatch(/ECONNREFUSED/);
    failing = false;
    await h.pool.get(pod);
    expect(h.sleeps).toEqual([250, 500, 1000, 2000]);
    // A successful upgrade alone is no proof: the schedule holds until data flowed.
    expect(h.pool.state(pod)?.backoff.attempts).toBe(4);
    h.pool.worked(pod);
    expect(h.pool.state(pod)?.backoff).toEqual({ attempts: 0, delayMs: 0, nextAttemptAt: undefined });
  });

  it('redials a held pod when its session dies, with growing delays while it never works', async () => {
    const h = harness();
    const events: SessionEvent[] = [];
    const release = h.pool.hold(pod, (ev) => events.push(ev));
    await waitFor(() => h.sessions.length === 1);
    h.sessions[0]?.die();
    await waitFor(() => h.sessions.length === 2);
    h.sessions[1]?.die();
    await waitFor(() => h.sessions.length === 3);
    expect(h.sleeps).toEqual([250, 500]);
    expect(events.map((e) => e.type)).toEqual(['connected', 'lost', 'connected', 'lost', 'connected']);
    h.pool.worked(pod);
    expect(h.pool.state(pod)?.backoff.attempts).toBe(0);
    // It carried data: redialled at once, and the schedule stays reset.
    h.sessions[2]?.die();
    await waitFor(() => h.sessions.length === 4);
    expect(h.sleeps).toEqual([250, 500]);
    expect(events.at(-2)).toEqual({ type: 'lost', retryInMs: 0 });
    expect(h.pool.state(pod)?.backoff.attempts).toBe(0);
    // The new session dies without carrying anything: the backoff applies again.
    h.sessions[3]?.die();
    await waitFor(() => h.sessions.length === 5);
    expect(h.sleeps).toEqual([250, 500, 250]);
    release();
    await h.sessions[4]?.closed;
    expect(h.pool.size).toBe(0);
  });

  it('keeps retrying a held pod whose dials fail, and stops once released', async () => {
    let fails = 3;
    const h = harness({ fail: () => fails-- > 0 });
    const events: string[] = [];
    const release = h.pool.hold(pod, (ev) => events.push(ev.type));
    await waitFor(() => h.sessions.length === 1);
    expect(events).toEqual(['dial-failed', 'dial-failed', 'dial-failed', 'connected']);
    expect(h.sleeps).toEqual([250, 500, 1000]);
    release();
    expect(h.sessions[0]?.isClosed).toBe(true);
    expect(h.pool.state(pod)).toBeUndefined();
  });

  it('shares a session between holders and closes it with the last release', async () => {
    const h = harness();
    const r1 = h.pool.hold(pod);
    const r2 = h.pool.hold(pod);
    await waitFor(() => h.pool.size === 1);
    r1();
    r1();
    expect(h.sessions[0]?.isClosed).toBe(false);
    r2();
    expect(h.sessions[0]?.isClosed).toBe(true);
    expect(h.dials).toHaveLength(1);
  });

  it('defers the dials of held pods until warm-ups are let go, but not a connection asking for a pod', async () => {
    const h = harness();
    const other: PodRef = { ...pod, name: 'web-2', uid: 'u2' };
    const gone: PodRef = { ...pod, name: 'web-3', uid: 'u3' };
    const letGo = h.pool.deferWarmUps();
    const release = h.pool.hold(pod, () => undefined);
    h.pool.hold(gone)();
    expect(h.dials).toEqual([]);
    expect(h.pool.state(pod)).toMatchObject({ connected: false, dialing: false });
    // Demand is not deferred.
    h.pool.hold(other);
    const asked = await h.pool.get(other);
    expect(h.dials).toEqual([other]);
    letGo();
    await waitFor(() => h.pool.live(pod) !== undefined);
    // The pod released meanwhile is not dialled; the one already connected is not dialled again.
    expect(h.dials).toEqual([other, pod]);
    expect(h.pool.live(other)).toBe(asked);
    letGo();
    expect(h.dials).toHaveLength(2);
    // Later holds dial at once.
    h.pool.hold({ ...pod, name: 'web-4', uid: 'u4' });
    expect(h.dials).toHaveLength(3);
    release();
  });

  it('drop destroys the session and lets holders redial with a fresh schedule', async () => {
    const h = harness();
    h.pool.hold(pod);
    await waitFor(() => h.sessions.length === 1);
    h.pool.drop(pod);
    expect(h.sessions[0]?.isClosed).toBe(true);
    await waitFor(() => h.sessions.length === 2);
    expect(h.sleeps).toEqual([]);
  });

  it('retain forgets deleted pods', async () => {
    const h = harness();
    const other = { ...pod, name: 'web-2', uid: 'u2' };
    await h.pool.get(pod);
    await h.pool.get(other);
    h.pool.retain([other]);
    expect(h.sessions[0]?.isClosed).toBe(true);
    expect(h.sessions[1]?.isClosed).toBe(false);
    expect(h.pool.state(pod)).toBeUndefined();
  });

  it('closeAll destroys everything, stops redials and refuses new gets', async () => {
    const h = harness();
    h.pool.hold(pod);
    await waitFor(() => h.sessions.length === 1);
    await h.pool.closeAll();
    await h.pool.closeAll();
    expect(h.sessions[0]?.isClosed).toBe(true);
    expect(h.pool.size).toBe(0);
    await expect(h.pool.get(pod)).rejects.toThrow(/closing/);
    expect(h.dials).toHaveLength(1);
  });

  it('lets one caller give up waiting without cancelling the shared dial', async () => {
    const h = harness();
    let open!: () => void;
    h.hold(new Promise((r) => (open = r)));
    const ac = new AbortController();
    const impatient = h.pool.get(pod, ac.signal);
    const patient = h.pool.get(pod);
    ac.abort(new Error('client went away'));
    await expect(impatient).rejects.toThrow('client went away');
    open();
    expect((await patient).isClosed).toBe(false);
  });

  it('destroys a session that arrives after its pod was dropped', async () => {
    const h = harness();
    let open!: () => void;
    h.hold(new Promise((r) => (open = r)));
    const p = h.pool.get(pod);
    h.pool.drop(pod);
    open();
    await expect(p).rejects.toThrow(/no longer forwarded/);
    await waitFor(() => h.sessions[0]?.isClosed);
  });

  it('a local connection cuts a long backoff short, at most one dial per demandRetryMs', async () => {
    let down = true;
    const h = harness({
      waitForAbort: true,
      initialBackoffMs: 60_000,
      demandRetryMs: 30,
      error: () => (down ? 'connect ECONNREFUSED 127.0.0.1:6443' : undefined),
    });
    h.pool.hold(pod);
    await waitFor(() => h.sleeps.length === 1);
    expect(h.dials).toHaveLength(1);
    // Asked for at once: the wait lasts until 30 ms after the last attempt, not the minute the backoff chose.
    const asked = performance.now();
    await expect(h.pool.get(pod)).rejects.toThrow('ECONNREFUSED');
    expect(performance.now() - asked).toBeGreaterThanOrEqual(25);
    expect(h.dials).toHaveLength(2);
    // The API server is back; the backoff would still wait a minute, a connection asking again redials now.
    down = false;
    h.advance(30);
    const session = await h.pool.get(pod);
    expect(session.isClosed).toBe(false);
    expect(h.dials).toHaveLength(3);
    expect(h.sleeps).toEqual([60_000, 60_000]);
  });

  it('a pod reconnecting after its API server was unreachable wakes the others of that context only', async () => {
    let down = true;
    const other = { ...pod, name: 'web-2', uid: 'u2' };
    const gone = { ...pod, name: 'web-3', uid: 'u3' };
    const elsewhere = { ...pod, context: 'other', name: 'web-4', uid: 'u4' };
    const h = harness({
      waitForAbort: true,
      initialBackoffMs: 60_000,
      random: () => 0,
      error: (p) =>
        p === gone
          ? 'pod web-3 not found'
          : down || p === elsewhere
            ? 'connect ECONNREFUSED 127.0.0.1:6443'
            : undefined,
    });
    for (const p of [pod, other, gone, elsewhere]) h.pool.hold(p);
    await waitFor(() => h.sleeps.length === 4);
    down = false;
    h.advance(1000);
    await h.pool.get(pod);
    await waitFor(() => h.pool.state(other)?.connected);
    const dialled = (p: PodRef): number => h.dials.filter((d) => d === p).length;
    expect(dialled(other)).toBe(2);
    // A pod-specific failure and another context's server give no reason to hurry.
    expect(dialled(gone)).toBe(1);
    expect(dialled(elsewhere)).toBe(1);
    expect(h.pool.state(gone)?.dialing).toBe(true);
    await h.pool.closeAll();
  });

  it('a sooner wake replaces a later one already scheduled', async () => {
    let down = true;
    const other = { ...pod, name: 'web-2', uid: 'u2' };
    const h = harness({
      waitForAbort: true,
      initialBackoffMs: 60_000,
      demandRetryMs: 60_000,
      random: () => 0.4,
      error: () => (down ? 'connect ECONNREFUSED 127.0.0.1:6443' : undefined),
    });
    h.pool.hold(pod);
    await waitFor(() => h.sleeps.length === 1);
    h.advance(60_000);
    h.pool.hold(other);
    await waitFor(() => h.sleeps.length === 2);
    // Asked for a minute after its failed dial: a wake is scheduled a minute from now.
    const waiting = h.pool.get(other);
    down = false;
    await h.pool.get(pod); // its last attempt was a minute ago: redials at once, and the server is back
    // The other pod's wait ends ~100 ms later (the spread), not in a minute.
    expect((await waiting).isClosed).toBe(false);
    await h.pool.closeAll();
  });
});
