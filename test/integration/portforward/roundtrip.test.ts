import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialPortForward } from '../../../src/portforward/dial.ts';
import { createPortForwardServer, type PortForwardServer } from '../../../src/portforward/server.ts';
import type { PortForwardProtocol, PortForwardSession } from '../../../src/portforward/types.ts';

let echo: net.Server;
let api: http.Server;
let pf: PortForwardServer;
let base: string;
const REFUSED_PORT = 9;

function readAll(stream: Duplex): Promise<Buffer> {
  const parts: Buffer[] = [];
  stream.on('data', (d: Buffer) => parts.push(d));
  return once(stream, 'end').then(() => Buffer.concat(parts));
}

beforeEach(async () => {
  echo = net.createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const echoPort = (echo.address() as net.AddressInfo).port;
  pf = createPortForwardServer();
  api = http.createServer((_req, res) => res.writeHead(404).end());
  api.on('upgrade', (req, socket, head) => {
    pf.handleUpgrade(req, socket, head, {
      namespace: 'ns',
      pod: 'p',
      uid: 'uid-1',
      tunnelSupported: !(req.url ?? '').startsWith('/old/'),
      dialer: {
        dial: (port) =>
          port === REFUSED_PORT
            ? Promise.reject(
                new Error(`error forwarding port ${port} to pod uid-1, uid : connect: connection refused`),
              )
            : new Promise((resolve, reject) => {
                const s = net.connect(echoPort, '127.0.0.1', () => resolve(s));
                s.once('error', reject);
              }),
      },
    });
  });
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  base = `http://127.0.0.1:${(api.address() as net.AddressInfo).port}/api/v1/namespaces/ns/pods/p/portforward`;
});

afterEach(async () => {
  pf.closeAll();
  api.closeAllConnections();
  await new Promise((r) => api.close(r));
  await new Promise((r) => echo.close(r));
});

const dial = (protocol: PortForwardProtocol): Promise<PortForwardSession> =>
  dialPortForward({ url: new URL(base), protocol, ports: [8080], pingIntervalMs: 0 });

describe.each(['spdy', 'websocket-tunnel', 'websocket-v4'] as const)('port-forward over %s', (protocol) => {
  it('round-trips bytes', async () => {
    const session = await dial(protocol);
    const conn = session.open(8080);
    conn.data.write('hello pod');
    expect(String((await once(conn.data, 'data'))[0])).toBe('hello pod');
    conn.data.end();
    expect(await conn.error).toBeNull();
    session.destroy();
  });

  it('fails only the connection to a refused port, with the kubelet text', async () => {
    const session = await dial(protocol);
    const bad = session.open(REFUSED_PORT);
    bad.data.on('error', () => undefined);
    bad.data.resume();
    expect(await bad.error).toMatch(/connection refused/);
    const good = session.open(8080);
    good.data.write('still fine');
    expect(String((await once(good.data, 'data'))[0])).toBe('still fine');
    good.data.end();
    session.destroy();
  });
});

describe.each(['spdy', 'websocket-tunnel'] as const)('multiplexing over %s', (protocol) => {
  it('half-closes both ways', async () => {
    const session = await dial(protocol);
    const conn = session.open(8080);
    const got = readAll(conn.data);
    conn.data.end('bye');
    expect((await got).toString()).toBe('bye');
    expect(await conn.error).toBeNull();
    session.destroy();
  });

  it('carries 50 concurrent connections on one session and answers PING', async () => {
    const session = await dial(protocol);
    expect(await session.ping()).toBeGreaterThanOrEqual(0);
    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024 + i, i));
    const results = await Promise.all(
      payloads.map((p) => {
        const c = session.open(8080);
        const got = readAll(c.data);
        c.data.end(p);
        return got;
      }),
    );
    results.forEach((r, i) => expect(r.equals(payloads[i] as Buffer)).toBe(true));
    expect(pf.sessionCount()).toBe(1);
    session.destroy();
  });

  it('loses its session when the pod is reset', async () => {
    const session = await dial(protocol);
    const c = session.open(8080);
    c.data.on('error', () => undefined);
    c.data.write('x');
    await once(c.data, 'data');
    expect(pf.resetPod('ns', 'p')).toBe(1);
    await session.closed;
    expect(session.isClosed).toBe(true);
  });
});

describe('upgrade refusals', () => {
  it('reports a refused tunnel upgrade as such, so the caller falls back', async () => {
    const old = base.replace('/api/', '/old/api/');
    await expect(
      dialPortForward({ url: new URL(old), protocol: 'websocket-tunnel', ports: [8080] }),
    ).rejects.toMatchObject({
      kind: 'upgrade-refused',
      status: 400,
    });
    const session = await dialPortForward({
      url: new URL(old),
      protocol: 'spdy',
      ports: [8080],
      pingIntervalMs: 0,
    });
    expect(session.protocol).toBe('spdy');
    session.destroy();
  });

  it('reports a closed port as a network failure', async () => {
    const port = (api.address() as net.AddressInfo).port;
    await new Promise((r) => api.close(r));
    await expect(dial('spdy')).rejects.toMatchObject({ kind: 'network' });
    api.listen(port, '127.0.0.1');
    await once(api, 'listening');
  });
});
