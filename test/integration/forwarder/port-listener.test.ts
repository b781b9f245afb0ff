import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKubefwdError } from '../../../src/errors.ts';
import type { PodSessions } from '../../../src/forwarder/pod-sessions.ts';
import {
  createPortListener,
  type ConnectionFailure,
  type ConnectionTap,
  type PortListener,
} from '../../../src/forwarder/port-listener.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  ECHO_PORT,
  HALF_CLOSE_PORT,
  HTTP_PORT,
  REFUSED_PORT,
  SOURCE_PORT,
  freePort,
  ipAllocator,
  listenOn,
  startCluster,
  type Cluster,
} from './fixture.ts';

const nextIp = ipAllocator();
const POD = { context: 'ctx', namespace: 'ns', name: 'web-1', uid: 'uid-web-1' };

function get(ip: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: ip, port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function connect(ip: string, port: number, allowHalfOpen = true): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: ip, port, allowHalfOpen }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything a socket receives until it closes, and whether it ended cleanly. */
function drain(s: net.Socket): Promise<{ data: string; clean: boolean }> {
  let data = '';
  let clean = false;
  s.setEncoding('utf8');
  s.on('data', (d: string) => (data += d));
  s.on('end', () => (clean = true));
  s.on('error', () => undefined);
  return new Promise((resolve) => s.once('close', () => resolve({ data, clean })));
}

const netHandles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;

describe.each(['spdy', 'websocket-tunnel'] as const)('port listener over %s', (protocol) => {
  let cluster: Cluster;
  let sessions: PodSessions;
  let listener: PortListener | undefined;
  let ip: string;
  let port: number;
  let failures: ConnectionFailure[];

  beforeEach(async () => {
    cluster = await startCluster();
    await cluster.addPod('web-1');
    sessions = cluster.sessions(protocol);
    ip = nextIp();
    port = await freePort(ip);
    failures = [];
  });

  afterEach(async () => {
    await listener?.close();
    listener = undefined;
    await sessions.closeAll();
    await cluster.close();
  });

  async function start(
    podPort: number | ((n: number) => number),
    extra: Partial<Parameters<typeof createPortListener>[0]> = {},
  ): Promise<PortListener> {
    let n = 0;
    listener = createPortListener({
      ip,
      port,
      target: async ({ signal }) => ({
        forwardKey: `web.ns.ctx.web-1.${port}`,
        pod: 'web-1',
        podPort: typeof podPort === 'number' ? podPort : podPort(n++),
        session: await sessions.get(POD, signal),
        worked: () => sessions.worked(POD),
      }),
      onFailure: (f) => failures.push(f),
      ...extra,
    });
    await listener.start();
    return listener;
  }

  it('carries HTTP to the pod and counts the bytes from socket totals', async () => {
    const l = await start(HTTP_PORT);
    expect(l.listening).toBe(true);
    expect(await get(ip, port)).toEqual({ status: 200, body: 'pod=web-1' });
    const big = await get(ip, port, '/?bytes=1000000');
    expect(big.body.length).toBe(1_000_000);
    await waitFor(() => l.counters().connectionsActive === 0);
    const c = l.counters();
    expect(c.connectionsTotal).toBe(2);
    expect(c.bytesIn).toBeGreaterThan(1_000_000);
    expect(c.bytesOut).toBeGreaterThan(50);
    expect(c.lastActive).toBeTypeOf('number');
  });

  it('tells the sampler when its counters may have changed: an accept, an open connection, a close', async () => {
    let accepts = 0;
    const l = await start(HTTP_PORT, { onAccept: () => accepts++ });
    const idle = l.idleEpoch;
    expect(idle).toBe(0);
    const s = await connect(ip, port);
    await waitFor(() => accepts === 1);
    expect(l.idleEpoch).toBeUndefined();
    const done = drain(s);
    s.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await done;
    await waitFor(() => l.idleEpoch !== undefined);
    expect(l.idleEpoch).not.toBe(idle);
    // Idle again: the epoch holds still, and so do the counters it stands for.
    const epoch = l.idleEpoch;
    const bytes = l.counters().bytesIn;
    expect(bytes).toBeGreaterThan(0);
    expect(l.idleEpoch).toBe(epoch);
  });

  it('serves 100 concurrent connections over one session', async () => {
    await start(ECHO_PORT);
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const s = await connect(ip, port);
        const done = drain(s);
        s.end(`payload-${i}-`.repeat(200));
        return { i, ...(await done) };
      }),
    );
    for (const r of results) expect(r.data).toBe(`payload-${r.i}-`.repeat(200));
    expect(cluster.upgrades).toEqual(['web-1']);
    expect(failures).toEqual([]);
  });

  it('fails only the connection to a refused port, with the pod side text', async () => {
    await start((n) => (n === 0 ? REFUSED_PORT : ECHO_PORT));
    const bad = await connect(ip, port);
    const badDone = drain(bad);
    bad.write('anyone?');
    const result = await badDone;
    expect(result.data).toBe('');
    await waitFor(() => failures.length === 1);
    expect(failures[0]).toMatchObject({ stage: 'stream', pod: 'web-1' });
    expect(failures[0]?.message).toMatch(/connection refused/);
    // Same session, same listener: the next connection works.
    const good = await connect(ip, port);
    const goodDone = drain(good);
    good.end('still here');
    expect((await goodDone).data).toBe('still here');
    expect(cluster.upgrades).toHaveLength(1);
  });

  it('half-closes both ways', async () => {
    await start(HALF_CLOSE_PORT);
    const s = await connect(ip, port);
    s.setEncoding('utf8');
    let got = '';
    s.on('data', (d: string) => (got += d));
    // The pod ended its side first; the client may keep writing.
    await once(s, 'end');
    expect(got).toBe('hello from pod');
    s.end('written after the pod ended');
    await once(s, 'close');
    await waitFor(() => cluster.halfClose.received === 'written after the pod ended');
  });

  it('keeps a client that ended its side receiving', async () => {
    await start(ECHO_PORT);
    const s = await connect(ip, port);
    const done = drain(s);
    s.end('x'.repeat(300_000));
    const r = await done;
    expect(r.clean).toBe(true);
    expect(r.data.length).toBe(300_000);
  });

  it('buffers a bounded amount for a client that stops reading', async () => {
    await start(SOURCE_PORT);
    const before = process.memoryUsage().arrayBuffers;
    const s = await connect(ip, port);
    s.on('error', () => undefined);
    s.pause();
    // The chain stalls: the backend's writes stop advancing.
    let last = -1;
    let still = 0;
    await waitFor(
      () => {
        const now = cluster.source.written;
        still = now === last ? still + 1 : 0;
        last = now;
        return still >= 10;
      },
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    const grown = process.memoryUsage().arrayBuffers - before;
    // 512 MiB offered; what moved is kernel socket buffers on four loopback hops plus bounded stream buffers.
    expect(cluster.source.written).toBeLessThan(96 * 1024 * 1024);
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    // Reading again drains it: nothing was dropped.
    s.resume();
    let got = 0;
    s.on('data', (d: Buffer) => (got += d.length));
    await waitFor(() => got > cluster.source.written / 2, { timeoutMs: 10_000 });
    s.destroy();
  });

  it('ends each connection with FINs alone and frees its streams', async () => {
    await start(HTTP_PORT);
    for (let i = 0; i < 20; i++) expect((await get(ip, port, `/n${i}`)).status).toBe(200);
    const session = sessions.live(POD) as unknown as { streamCount: number; resetsSent: number };
    await waitFor(() => session.streamCount === 0, {
      message: () => `${session.streamCount} streams still open`,
    });
    expect(session.resetsSent).toBe(0);
  });

  it('resets its clients, not ends them, when the session is lost: a cut body must not look complete', async () => {
    const l = await start(ECHO_PORT);
    const s = await connect(ip, port);
    const done = drain(s);
    s.write('before');
    await waitFor(() => l.counters().bytesIn === 6);
    const session = sessions.live(POD);
    session?.destroy(new Error('lost'));
    expect(await done).toEqual({ data: 'before', clean: false });
  });

  it('feeds a tap the same bytes, read-only', async () => {
    const seen = { client: 0, server: 0, ended: 0 };
    const tap: ConnectionTap = {
      client: (b) => (seen.client += b.length),
      server: (b) => (seen.server += b.length),
      end: () => seen.ended++,
    };
    const keys: string[] = [];
    const l = await start(ECHO_PORT, {
      tap: (k) => {
        keys.push(k);
        return tap;
      },
    });
    const s = await connect(ip, port);
    const done = drain(s);
    s.end('z'.repeat(10_000));
    expect((await done).data.length).toBe(10_000);
    await waitFor(() => seen.ended === 1);
    expect(seen).toEqual({ client: 10_000, server: 10_000, ended: 1 });
    expect(keys).toEqual([`web.ns.ctx.web-1.${port}`]);
    expect(l.counters()).toMatchObject({ bytesIn: 10_000, bytesOut: 10_000 });
  });

  it('survives a tap that throws', async () => {
    await start(ECHO_PORT, {
      tap: () => ({
        client: () => {
          throw new Error('sniffer bug');
        },
        server: () => undefined,
        end: () => undefined,
      }),
    });
    const s = await connect(ip, port);
    const done = drain(s);
    s.end('fine');
    expect((await done).data).toBe('fine');
  });

  it('close() ends live connections within the grace period and leaves no sockets or listeners', async () => {
    const baseline = netHandles();
    const l = await start(ECHO_PORT, { closeGraceMs: 200 });
    // An ordinary client: it closes once the daemon ends the connection.
    const idle = await connect(ip, port, false);
    const idleDone = drain(idle);
    idle.write('ping');
    await waitFor(() => l.counters().bytesIn === 4);
    // A client that never ends its side is destroyed after the grace period.
    const stubborn = await connect(ip, port);
    const stubbornDone = drain(stubborn);
    await waitFor(() => l.counters().connectionsActive === 2);
    const t0 = Date.now();
    await Promise.all([l.close(), l.close()]);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(l.listening).toBe(false);
    expect(await idleDone).toEqual({ data: 'ping', clean: true });
    expect(l.counters().connectionsActive).toBe(0);
    // The stubborn client learns the connection is gone at its next write.
    stubborn.write('late');
    expect((await stubbornDone).data).toBe('');
    await sessions.closeAll();
    await expect(connect(ip, port)).rejects.toThrow(/ECONNREFUSED/);
    await waitFor(() => netHandles() <= baseline, {
      message: () => `handles: ${netHandles()} > ${baseline}`,
    });
  });

  it('rejects with PORT_IN_USE when the address is taken', async () => {
    const squatter = net.createServer();
    await listenOn(squatter, ip, port);
    try {
      const l = createPortListener({ ip, port, target: () => Promise.reject(new Error('unused')) });
      const err: unknown = await l.start().catch((e: unknown) => e);
      expect(isKubefwdError(err) && err.code).toBe('PORT_IN_USE');
      expect(String(err)).toMatch(/already in use/);
      await l.close();
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});
