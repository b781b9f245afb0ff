import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ForwardPortSpec, ForwardRequest } from '../../../src/daemon/ports.ts';
import { isKubefwdError } from '../../../src/errors.ts';
import type { ForwardPod } from '../../../src/forwarder/pod-choice.ts';
import type { PodSessions } from '../../../src/forwarder/pod-sessions.ts';
import {
  createServiceForward,
  type ForwardEvent,
  type ServiceForward,
  type ServiceForwardOptions,
} from '../../../src/forwarder/service-forward.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { HTTP_PORT, freePort, ipAllocator, listenOn, startCluster, type Cluster } from './fixture.ts';

const nextIp = ipAllocator();

function get(ip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: ip, port, path: '/', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const candidate = (name: string, over: Partial<ForwardPod> = {}): ForwardPod => ({
  namespace: 'ns',
  name,
  uid: `uid-${name}`,
  ready: true,
  terminating: false,
  containerPorts: { http: HTTP_PORT, [String(HTTP_PORT)]: HTTP_PORT },
  creationTimestamp: `2024-01-01T00:00:0${name.slice(-1)}Z`,
  ...over,
});

const netHandles = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;

describe('service forward', () => {
  let cluster: Cluster;
  let sessions: PodSessions;
  let forward: ServiceForward | undefined;
  let events: ForwardEvent[];
  let ip: string;
  let port: number;

  beforeEach(async () => {
    cluster = await startCluster();
    await cluster.addPod('web-1');
    await cluster.addPod('web-2');
    sessions = cluster.sessions('websocket-tunnel');
    events = [];
    ip = nextIp();
    port = await freePort(ip);
  });

  afterEach(async () => {
    await forward?.close();
    forward = undefined;
    await sessions.closeAll();
    await cluster.close();
  });

  function make(
    ports: ForwardPortSpec[] = [{ port, servicePort: 80, targetPort: 'http', protocol: 'TCP' }],
    extra: Partial<Omit<ServiceForwardOptions, 'request'>> & { request?: Partial<ForwardRequest> } = {},
  ): ServiceForward {
    const { request, ...rest } = extra;
    forward = createServiceForward({
      request: {
        key: 'web.ns.ctx',
        serviceKey: 'web.ns.ctx',
        context: 'ctx',
        namespace: 'ns',
        service: 'web',
        ip,
        ports,
        ...request,
      },
      sessions,
      log: silentLogger(),
      onEvent: (ev) => events.push(ev),
      waitForPodMs: 2_000,
      ...rest,
    });
    return forward;
  }

  const ofType = (type: ForwardEvent['type']): ForwardEvent[] => events.filter((e) => e.type === type);

  it('forwards HTTP to the ready pod over its session and reports it', async () => {
    const f = make();
    await f.start();
    f.setPods([candidate('web-1', { ready: false }), candidate('web-2')]);
    expect(await get(ip, port)).toBe('pod=web-2');
    await waitFor(() => f.snapshot()[0]?.status === 'active');
    await waitFor(() => f.snapshot()[0]?.connectionsActive === 0);
    const [s] = f.snapshot();
    expect(s).toMatchObject({
      forwardKey: `web.ns.ctx.web-2.${port}`,
      localIp: ip,
      localPort: port,
      servicePort: 80,
      podName: 'web-2',
      podPort: HTTP_PORT,
      status: 'active',
      connectionsActive: 0,
      connectionsTotal: 1,
      protocol: 'websocket-tunnel',
      reconnect: { attempts: 0, delayMs: 0 },
    });
    expect(s?.bytesIn).toBeGreaterThan(0);
    expect(s?.bytesOut).toBeGreaterThan(0);
    expect(s?.startedAt).toMatch(/^\d{4}-/);
    expect(ofType('pod.selected')[0]?.data).toMatchObject({ pod: 'web-2' });
    await waitFor(() => ofType('forward.connected').length > 0);
    expect(ofType('forward.connected')[0]?.data).toMatchObject({
      key: 'web.ns.ctx',
      forwardKey: `web.ns.ctx.web-2.${port}`,
      pod: 'web-2',
      port,
      podPort: HTTP_PORT,
    });
  });

  it('stamps every change its snapshot shows, and gives no stamp while a connection is open', async () => {
    const f = make();
    await f.start();
    f.setPods([candidate('web-2')]);
    await waitFor(() => f.snapshot()[0]?.status === 'active');
    const rates = { rateIn: 0, rateOut: 0 };
    const stamp = (): unknown[] | undefined => {
      const values: unknown[] = [];
      return f.stamp({ put: (v) => values.push(v) }, () => rates) ? values : undefined;
    };
    const idle = stamp();
    expect(idle).toBeDefined();
    expect(stamp()).toEqual(idle);
    const socket = net.connect(port, ip);
    socket.on('error', () => undefined);
    await waitFor(() => f.snapshot()[0]?.connectionsActive === 1);
    expect(stamp()).toBeUndefined();
    socket.destroy();
    await waitFor(() => f.snapshot()[0]?.connectionsActive === 0);
    const closed = stamp();
    expect(closed).toBeDefined();
    expect(closed).not.toEqual(idle);
    rates.rateIn = 10;
    expect(stamp()).not.toEqual(closed);
    rates.rateIn = 0;
    expect(stamp()).toEqual(closed);
    f.setPods([candidate('web-1')]);
    expect(f.snapshot()[0]?.podName).toBe('web-1');
    expect(stamp()).not.toEqual(closed);
  });

  it('sends the next connection to another ready pod within a second of a deletion, same IP', async () => {
    const f = make();
    await f.start();
    f.setPods([candidate('web-1'), candidate('web-2')]);
    expect(await get(ip, port)).toBe('pod=web-1');
    const t0 = Date.now();
    cluster.deletePod('web-1');
    f.setPods([candidate('web-2')]);
    await waitFor(async () => (await get(ip, port)) === 'pod=web-2', { timeoutMs: 1_000 });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(ofType('forward.disconnected').at(-1)?.data).toMatchObject({
      pod: 'web-1',
      reason: 'pod replaced',
    });
    expect(f.snapshot()[0]).toMatchObject({ localIp: ip, podName: 'web-2' });
  });

  it('moves off a pod that stops being ready or starts terminating, and keeps a pod that stays ready', async () => {
    const f = make();
    await f.start();
    f.setPods([candidate('web-1'), candidate('web-2')]);
    expect(await get(ip, port)).toBe('pod=web-1');
    f.setPods([candidate('web-1', { ready: false }), candidate('web-2')]);
    expect(await get(ip, port)).toBe('pod=web-2');
    // web-1 is ready again and older, but connections stay where they are.
    f.setPods([candidate('web-1'), candidate('web-2')]);
    expect(await get(ip, port)).toBe('pod=web-2');
    f.setPods([candidate('web-1'), candidate('web-2', { terminating: true })]);
    expect(await get(ip, port)).toBe('pod=web-1');
  });

  it('is pending without a ready pod; a waiting connection is served once one appears', async () => {
    const f = make();
    await f.start();
    f.setPods([candidate('web-1', { ready: false })]);
    expect(f.snapshot()[0]?.status).toBe('pending');
    const waiting = get(ip, port);
    await waitFor(() => f.snapshot()[0]?.connectionsActive === 1);
    f.setPods([candidate('web-1')]);
    expect(await waiting).toBe('pod=web-1');
  });

  it('closes a connection that waited the bound for a pod, and reports why', async () => {
    const f = make(undefined, { waitForPodMs: 150 });
    await f.start();
    const t0 = Date.now();
    await expect(get(ip, port)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(ofType('forward.error').at(-1)?.data).toMatchObject({ classification: 'no-ready-pod' });
    expect(f.snapshot()[0]?.status).toBe('pending');
    expect(f.snapshot()[0]?.lastError).toMatch(/no ready pod/);
  });

  it('redials a session that carried data at once, one that carried nothing with backoff', async () => {
    const f = make();
    await f.start();
    f.setPods([candidate('web-1')]);
    expect(await get(ip, port)).toBe('pod=web-1');
    expect(cluster.upgrades).toEqual(['web-1']);
    cluster.pf.resetPod('ns', 'web-1');
    const lost = (): Array<{ data: Record<string, unknown> }> =>
      ofType('forward.disconnected').filter((e) => e.data.reason === 'session lost');
    await waitFor(() => lost().length === 1);
    expect(lost()[0]?.data.retryInMs).toBe(0);
    await waitFor(() => cluster.upgrades.length === 2 && f.snapshot()[0]?.status === 'active');
    expect(f.snapshot()[0]?.reconnect).toMatchObject({ attempts: 0 });
    // The new session is lost before anything flowed on it: that counts as a failure and waits the first step.
    cluster.pf.resetPod('ns', 'web-1');
    await waitFor(() => lost().length === 2);
    expect(lost()[1]?.data.retryInMs).toBeGreaterThanOrEqual(125);
    expect(lost()[1]?.data.retryInMs).toBeLessThanOrEqual(250);
    expect(f.snapshot()[0]?.reconnect).toMatchObject({ attempts: 1 });
    await waitFor(() => cluster.upgrades.length === 3 && f.snapshot()[0]?.status === 'active');
    expect(await get(ip, port)).toBe('pod=web-1');
    await waitFor(() => f.snapshot()[0]?.reconnect?.attempts === 0);
    expect(ofType('forward.connected').length).toBeGreaterThanOrEqual(3);
  });

  it('moves new connections off a session that carries a bulk transfer, so a stalled download stalls nothing else', async () => {
    const f = make();
    await f.start();
    f.setPods([candidate('web-1')]);
    expect(await get(ip, port)).toBe('pod=web-1');
    expect(cluster.upgrades).toEqual(['web-1']);
    const size = 32 * 1024 * 1024;
    let got = 0;
    let stalled = false;
    let res!: http.IncomingMessage;
    const finished = new Promise<number>((resolve, reject) => {
      http
        .get({ host: ip, port, path: `/?bytes=${size}`, agent: false }, (r) => {
          res = r;
          r.on('data', (d: Buffer) => {
            got += d.length;
            // A reader that stops once the transfer is bulk: the session underneath has no per-stream flow control.
            if (got >= 6 * 1024 * 1024 && !stalled) {
              stalled = true;
              r.pause();
            }
          });
          r.on('end', () => resolve(got));
          r.on('error', reject);
        })
        .on('error', reject);
    });
    await waitFor(() => res?.isPaused() === true);
    await waitFor(() => cluster.upgrades.length === 2);
    // The new session takes the next connection at once; on the stalled one it would wait as long as the reader.
    expect(await get(ip, port)).toBe('pod=web-1');
    expect(cluster.upgrades).toEqual(['web-1', 'web-1']);
    res.resume();
    expect(await finished).toBe(size);
    expect(ofType('forward.connected')).toHaveLength(1);
    expect(ofType('forward.disconnected')).toHaveLength(0);
  });

  it('fails only the port whose address is taken', async () => {
    const other = await freePort(ip);
    const squatter = net.createServer();
    await listenOn(squatter, ip, port);
    try {
      const f = make([
        { port, servicePort: 80, targetPort: 'http', protocol: 'TCP' },
        { port: other, servicePort: 81, targetPort: HTTP_PORT, protocol: 'TCP' },
      ]);
      await f.start();
      f.setPods([candidate('web-1')]);
      expect(await get(ip, other)).toBe('pod=web-1');
      const [taken, ok] = f.snapshot();
      expect(taken).toMatchObject({ localPort: port, status: 'error' });
      expect(taken?.lastError).toMatch(/already in use/);
      expect(ok).toMatchObject({ localPort: other, status: 'active' });
      expect(ofType('forward.error')[0]?.data).toMatchObject({ port, classification: 'port-in-use' });
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('rejects start with PORT_IN_USE when no port can be bound', async () => {
    const squatter = net.createServer();
    await listenOn(squatter, ip, port);
    try {
      const err: unknown = await make()
        .start()
        .catch((e: unknown) => e);
      expect(isKubefwdError(err) && err.code).toBe('PORT_IN_USE');
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('pins one pod for a headless per-pod forward', async () => {
    const f = make(undefined, { request: { key: 'web-2.web.ns.ctx', pod: 'web-2' } });
    await f.start();
    f.setPods([candidate('web-1'), candidate('web-2')]);
    expect(await get(ip, port)).toBe('pod=web-2');
    expect(f.snapshot()[0]?.forwardKey).toBe(`web-2.web.ns.ctx.web-2.${port}`);
    f.setPods([candidate('web-1')]);
    expect(f.snapshot()[0]?.status).toBe('pending');
  });

  it('accepts another pod chooser', async () => {
    const f = make(undefined, { choosePod: (pods) => pods.find((p) => p.name === 'web-2') });
    await f.start();
    f.setPods([candidate('web-1'), candidate('web-2')]);
    expect(await get(ip, port)).toBe('pod=web-2');
  });

  it('skips UDP ports with a warning and follows port changes', async () => {
    const second = await freePort(ip);
    const f = make([
      { port, servicePort: 80, targetPort: 'http', protocol: 'TCP' },
      { port: 53, servicePort: 53, targetPort: 53, protocol: 'UDP' },
    ]);
    await f.start();
    f.setPods([candidate('web-1')]);
    expect(f.snapshot().map((s) => s.localPort)).toEqual([port]);
    expect(ofType('forward.error')[0]?.data).toMatchObject({ classification: 'unsupported', port: 53 });
    await f.setPorts([{ port: second, servicePort: 81, targetPort: HTTP_PORT, protocol: 'TCP' }]);
    expect(f.snapshot().map((s) => s.localPort)).toEqual([second]);
    expect(await get(ip, second)).toBe('pod=web-1');
    await expect(get(ip, port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('close() is idempotent and leaves no sockets or listeners', async () => {
    const baseline = netHandles();
    const f = make();
    await f.start();
    f.setPods([candidate('web-1')]);
    expect(await get(ip, port)).toBe('pod=web-1');
    await Promise.all([f.close(), f.close()]);
    await sessions.closeAll();
    await expect(get(ip, port)).rejects.toThrow(/ECONNREFUSED/);
    await waitFor(() => netHandles() <= baseline, {
      message: () => `handles: ${netHandles()} > ${baseline}`,
    });
  });
});
