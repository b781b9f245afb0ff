import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { dialPortForward } from '../../../src/portforward/dial.ts';
import { acceptKey } from '../../../src/portforward/websocket.ts';
import type { PortForwardProtocol } from '../../../src/portforward/types.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { ECHO_PORT, REFUSED_PORT, startFixture, type Fixture } from './fixture.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fixture(options?: { tunnelSupported?: boolean }): Promise<Fixture> {
  const fx = await startFixture(options);
  cleanups.push(() => fx.close());
  return fx;
}

/** An API server stand-in whose upgrade handler is the test's own. */
async function rawServer(onUpgrade: (req: http.IncomingMessage, socket: Duplex) => void): Promise<URL> {
  const sockets = new Set<Duplex>();
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket: Duplex) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onUpgrade(req, socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return new URL(
    `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1/namespaces/ns/pods/p/portforward`,
  );
}

const answer = (status: number, body: string) => (_req: http.IncomingMessage, socket: Duplex) =>
  socket.end(
    `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );

const status = (code: number, message: string): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code });

const protocols = ['spdy', 'websocket-tunnel', 'websocket-v4'] as const;

describe.each(protocols)('dial failures over %s', (protocol: PortForwardProtocol) => {
  const dial = (url: URL, extra = {}) =>
    dialPortForward({ url, protocol, ports: [ECHO_PORT], pingIntervalMs: 0, ...extra });

  it.each([
    [401, status(401, 'Unauthorized'), 'unauthorized'],
    [
      403,
      status(403, 'pods "p" is forbidden: User "bob" cannot create resource "pods/portforward"'),
      'forbidden',
    ],
    [404, status(404, 'pods "p" not found'), 'not-found'],
    [400, 'Upgrade request required', 'upgrade-refused'],
    [403, '', 'upgrade-refused'],
  ])('classifies %i %s as %s', async (code, body, kind) => {
    const url = await rawServer(answer(code, body));
    await expect(dial(url)).rejects.toMatchObject({ name: 'PortForwardDialError', kind, status: code });
  });

  it('reports a closed port as a network failure', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    await expect(dial(new URL(`http://127.0.0.1:${port}/x`))).rejects.toMatchObject({ kind: 'network' });
  });

  it('times out on a server that never answers', async () => {
    const url = await rawServer(() => undefined);
    await expect(dial(url, { timeoutMs: 100 })).rejects.toMatchObject({ kind: 'timeout' });
  });
});

describe('protocol negotiation', () => {
  it('refuses the tunnel where the cluster does not speak it, so the caller falls back to SPDY', async () => {
    const fx = await fixture({ tunnelSupported: false });
    await expect(fx.dial('websocket-tunnel')).rejects.toMatchObject({ kind: 'upgrade-refused', status: 400 });
    const session = await fx.dial('spdy');
    cleanups.push(() => session.destroy());
    expect(session.protocol).toBe('spdy');
  });

  it('answers an unknown X-Stream-Protocol-Version with 403 and the accepted versions', async () => {
    const fx = await fixture();
    const req = http.request(fx.url, {
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'channel.k8s.io' },
    });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.resume();
    expect(res.statusCode).toBe(403);
    expect(res.headers['x-accepted-stream-protocol-versions']).toBe('portforward.k8s.io');
  });

  it('answers a request without an upgrade with 400', async () => {
    const fx = await fixture();
    const req = http.request(fx.url, { method: 'POST', headers: { Connection: 'Upgrade', Upgrade: 'h2c' } });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.resume();
    expect(res.statusCode).toBe(400);
  });
});

describe.each(['spdy', 'websocket-tunnel'] as const)('dead peer over %s', (protocol) => {
  it('destroys the session when PINGs go unanswered', async () => {
    // Accepts the upgrade, then reads nothing and answers nothing: a peer that vanished without a FIN.
    const url = await rawServer((req, socket) => {
      const key = String(req.headers['sec-websocket-key'] ?? '');
      socket.write(
        protocol === 'spdy'
          ? 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n'
          : `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n`,
      );
      socket.pause();
    });
    const session = await dialPortForward({
      url,
      protocol,
      ports: [],
      pingIntervalMs: 20,
      pingTimeoutMs: 100,
    });
    cleanups.push(() => session.destroy());
    const conn = session.open(ECHO_PORT);
    conn.data.on('error', () => undefined);
    const started = performance.now();
    await session.closed;
    expect(session.isClosed).toBe(true);
    expect(conn.data.destroyed).toBe(true);
    await expect(session.ping()).rejects.toThrow(/closed/);
    console.log(`[${protocol}] dead peer detected after ${(performance.now() - started).toFixed(0)} ms`);
  });
});

describe('legacy channel variants', () => {
  it('serves @kubernetes/client-node PortForward (v4.channel.k8s.io)', async () => {
    const fx = await fixture();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://${fx.url.host}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    const output = new PassThrough();
    const errors = new PassThrough();
    const input = new PassThrough();
    const ws = (await new PortForward(kc).portForward('ns', 'p', [ECHO_PORT], output, errors, input)) as {
      close(): void;
    };
    cleanups.push(() => ws.close());
    input.write('hello from client-node');
    const [echoed] = (await once(output, 'data')) as [Buffer];
    expect(echoed.toString()).toBe('hello from client-node');

    const errText: Buffer[] = [];
    const errStream = new PassThrough().on('data', (d: Buffer) => errText.push(d));
    const ws2 = (await new PortForward(kc).portForward(
      'ns',
      'p',
      [REFUSED_PORT],
      new PassThrough(),
      errStream,
      new PassThrough(),
    )) as { close(): void };
    cleanups.push(() => ws2.close());
    await waitFor(() => Buffer.concat(errText).toString().includes('connection refused'));
  });

  it('speaks v4.base64.channel.k8s.io: text messages, ASCII channels, base64 payloads', async () => {
    const fx = await fixture();
    const { upgradeRequest } = await import('../../../src/portforward/upgrade.ts');
    const { WebSocketConnection, OP, newKey } = await import('../../../src/portforward/websocket.ts');
    const url = new URL(fx.url);
    url.searchParams.set('ports', String(ECHO_PORT));
    const key = newKey();
    const { socket, head, res } = await upgradeRequest(
      { url, protocol: 'websocket-v4', ports: [] },
      'GET',
      {
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Protocol': 'v4.base64.channel.k8s.io',
      },
      url,
    );
    cleanups.push(() => void socket.destroy());
    expect(res.headers['sec-websocket-protocol']).toBe('v4.base64.channel.k8s.io');
    const ws = new WebSocketConnection(socket, true, head);
    const messages: string[] = [];
    ws.on('message', (m: Buffer, binary: boolean) => {
      expect(binary).toBe(false);
      messages.push(m.toString());
    });
    ws.start();
    const port = Buffer.from([ECHO_PORT & 0xff, ECHO_PORT >> 8]).toString('base64');
    await waitFor(() => messages.length >= 2);
    expect(messages.slice(0, 2)).toEqual([`0${port}`, `1${port}`]);
    ws.send(Buffer.from(`0${Buffer.from('abc').toString('base64')}`), OP.TEXT);
    await waitFor(() => messages.length >= 3);
    expect(Buffer.from((messages[2] as string).slice(1), 'base64').toString()).toBe('abc');
  });
});
