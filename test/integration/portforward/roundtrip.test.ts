import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RST } from '../../../src/portforward/spdy/frames.ts';
import type { SpdyPortForwardSession } from '../../../src/portforward/spdy-client.ts';
import type { SpdyStream } from '../../../src/portforward/spdy/stream.ts';
import type { PortForwardSession } from '../../../src/portforward/types.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  ECHO_PORT,
  GREETER_PORT,
  REFUSED_PORT,
  SOURCE_PORT,
  drain,
  readAll,
  startFixture,
  type Fixture,
} from './fixture.ts';

let fx: Fixture;
let sessions: PortForwardSession[];

beforeEach(async () => {
  fx = await startFixture();
  sessions = [];
});
afterEach(async () => {
  for (const s of sessions) s.destroy();
  await fx.close();
});

const dial = async (protocol: Parameters<Fixture['dial']>[0]): Promise<PortForwardSession> => {
  const session = await fx.dial(protocol);
  sessions.push(session);
  return session;
};

describe.each(['spdy', 'websocket-tunnel', 'websocket-v4'] as const)('port-forward over %s', (protocol) => {
  it('round-trips bytes and reports no error', async () => {
    const session = await dial(protocol);
    expect(session.protocol).toBe(protocol);
    const conn = session.open(ECHO_PORT);
    conn.data.write('hello pod');
    expect(String((await once(conn.data, 'data'))[0])).toBe('hello pod');
    conn.data.end();
    expect(await conn.error).toBeNull();
  });

  it('fails only the connection to a refused port, with the kubelet text, while others flow', async () => {
    const session = await dial(protocol);
    const before = session.open(ECHO_PORT);
    before.data.write('one');
    expect(String((await once(before.data, 'data'))[0])).toBe('one');

    const bad = session.open(REFUSED_PORT);
    bad.data.on('error', () => undefined);
    bad.data.resume();
    expect(await bad.error).toMatch(/^error forwarding port 9 to pod uid-1, uid : .*connection refused/);
    await waitFor(() => bad.data.destroyed);

    before.data.write('two');
    expect(String((await once(before.data, 'data'))[0])).toBe('two');
    const after = session.open(ECHO_PORT);
    const got = readAll(after.data);
    after.data.end('three');
    if (protocol !== 'websocket-v4') expect((await got).toString()).toBe('three');
    expect(session.isClosed).toBe(false);
  });

  it('keeps memory bounded when the local reader stalls, then delivers every byte', async () => {
    fx.source.size = 256 * 1024 * 1024;
    const session = await dial(protocol);
    const conn = session.open(SOURCE_PORT);
    conn.data.pause();
    let last = -1;
    let stable = 0;
    // Settled once the pod has been unable to write for several polls in a row.
    await waitFor(
      () => {
        stable = fx.source.written === last && last > 0 ? stable + 1 : 0;
        last = fx.source.written;
        return stable >= 5;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    console.log(
      `[${protocol}] stalled reader: the pod wrote ${(last / 2 ** 20).toFixed(1)} MiB before blocking`,
    );
    // Socket buffers on loopback take a few MiB each; far less than the 256 MiB the pod wants to send.
    expect(last).toBeLessThan(48 * 1024 * 1024);
    expect(await drain(conn.data.resume())).toBe(fx.source.size);
  });

  it('measures the throughput of one stream (256 MiB)', async () => {
    fx.source.size = 256 * 1024 * 1024;
    const session = await dial(protocol);
    const conn = session.open(SOURCE_PORT);
    const start = performance.now();
    const bytes = await drain(conn.data);
    const seconds = (performance.now() - start) / 1000;
    expect(bytes).toBe(fx.source.size);
    console.log(`[${protocol}] one stream: ${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s (${bytes} bytes)`);
  });

  it('loses its connections when the pod is reset', async () => {
    const session = await dial(protocol);
    const conn = session.open(ECHO_PORT);
    conn.data.on('error', () => undefined);
    conn.data.write('x');
    await once(conn.data, 'data');
    expect(fx.pf.resetPod('ns', 'p')).toBeGreaterThanOrEqual(1);
    await waitFor(() => conn.data.destroyed);
    expect(conn.data.readableEnded).toBe(false);
    if (protocol !== 'websocket-v4') {
      await session.closed;
      expect(session.isClosed).toBe(true);
    }
    expect(fx.pf.resetPod('ns', 'p')).toBe(0);
    await waitFor(() => fx.pf.sessionCount() === 0);
  });
});

describe.each(['spdy', 'websocket-tunnel'] as const)('multiplexing over %s', (protocol) => {
  it('half-closes from our side: the pod sees EOF and still answers', async () => {
    const session = await dial(protocol);
    const conn = session.open(ECHO_PORT);
    const got = readAll(conn.data);
    conn.data.end('bye');
    expect((await got).toString()).toBe('bye');
    expect(await conn.error).toBeNull();
  });

  it('an orderly close frees both streams with FINs alone, no reset', async () => {
    const session = (await dial(protocol)) as SpdyPortForwardSession;
    for (let i = 0; i < 20; i++) {
      // The pod answers and half-closes first; our FIN comes last, and the server ends the error stream after it.
      const conn = session.open(GREETER_PORT);
      expect((await readAll(conn.data)).toString()).toBe('hello from the pod');
      conn.data.end();
      expect(await conn.error).toBeNull();
    }
    await waitFor(() => session.streamCount === 0);
    expect(session.resetsSent).toBe(0);
  });

  it('half-closes from the pod: we see EOF and can still send', async () => {
    const session = await dial(protocol);
    const conn = session.open(GREETER_PORT);
    expect((await readAll(conn.data)).toString()).toBe('hello from the pod');
    expect(conn.data.destroyed).toBe(false);
    conn.data.end('still here');
    expect((await (fx.greeted[0] as Promise<Buffer>)).toString()).toBe('still here');
    await waitFor(() => conn.data.closed);
    expect(conn.data.errored).toBeNull();
    expect(await conn.error).toBeNull();
  });

  it('carries 50 concurrent connections on one session', async () => {
    const session = await dial(protocol);
    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024 + i, i));
    const results = await Promise.all(
      payloads.map((p) => {
        const c = session.open(ECHO_PORT);
        const got = readAll(c.data);
        c.data.end(p);
        return got;
      }),
    );
    results.forEach((r, i) => expect(r.equals(payloads[i] as Buffer)).toBe(true));
    expect(fx.pf.sessionCount()).toBe(1);
  });

  it('ends a stream the server resets before closing it, so a flowing reader can wait for the error text', async () => {
    const session = await dial(protocol);
    const bad = session.open(REFUSED_PORT);
    const events: string[] = [];
    bad.data.on('end', () => events.push('end'));
    bad.data.on('close', () => events.push('close'));
    bad.data.resume();
    expect(await bad.error).toMatch(/connection refused/);
    await waitFor(() => events.includes('close'));
    expect(events).toEqual(['end', 'close']);
    expect((bad.data as SpdyStream).resetStatus).toBe(RST.CANCEL);
  });

  it('measures PING round trips', async () => {
    const session = await dial(protocol);
    const rtts = [];
    for (let i = 0; i < 5; i++) rtts.push(await session.ping());
    for (const rtt of rtts) expect(rtt).toBeGreaterThan(0);
    console.log(`[${protocol}] PING RTT ${rtts.map((r) => r.toFixed(3)).join(', ')} ms`);
  });

  it('closes gracefully: open connections finish, new ones are refused', async () => {
    const session = await dial(protocol);
    const conn = session.open(ECHO_PORT);
    const got = readAll(conn.data);
    const closed = session.close();
    expect(() => session.open(ECHO_PORT)).toThrow(/closed/);
    conn.data.end('last words');
    expect((await got).toString()).toBe('last words');
    await closed;
    expect(session.isClosed).toBe(true);
    await waitFor(() => fx.pf.sessionCount() === 0);
  });

  it('writes data at once, before the server has answered the streams', async () => {
    const session = await dial(protocol);
    const conns = Array.from({ length: 10 }, () => session.open(ECHO_PORT));
    const got = conns.map((c) => readAll(c.data));
    conns.forEach((c, i) => c.data.end(`n${i}`));
    expect((await Promise.all(got)).map(String)).toEqual(conns.map((_, i) => `n${i}`));
  });
});
