import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCaptureStore, type CaptureStore } from '../../../src/metrics/capture-store.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const KEY = 'web.ns.ctx.pod-a.8080';
const SERVICE = 'web.ns.ctx';

/** A backend with one route per framing case. */
function backend(): http.Server {
  return http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url.startsWith('/hello')) res.end('hello world');
      else if (url === '/echo') res.end(Buffer.concat(body));
      else if (url === '/chunked') {
        res.setHeader('Trailer', 'X-Sum');
        res.write('a'.repeat(1000));
        res.write('b'.repeat(234));
        res.addTrailers({ 'X-Sum': '1234' });
        res.end();
      } else if (url === '/empty') res.writeHead(204).end();
      else if (url === '/cached') res.writeHead(304, { ETag: '"v1"' }).end();
      else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such route');
    });
  });
}

/** A TCP proxy like the forwarder's listener: bytes pass untouched, copies go to the sniffer, totals are counted. */
function proxy(targetPort: number, captures: CaptureStore) {
  const totals = { toServer: 0, toClient: 0, connections: 0, closed: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    totals.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const tap = captures.tap(KEY, SERVICE);
    client.on('data', (c: Buffer) => {
      totals.toServer += c.length;
      tap.client(c);
    });
    upstream.on('data', (c: Buffer) => {
      totals.toClient += c.length;
      tap.server(c);
    });
    client.pipe(upstream);
    upstream.pipe(client);
    let open = 2;
    const closed = (): void => {
      if (--open > 0) return;
      tap.end();
      totals.closed++;
    };
    for (const s of [client, upstream]) {
      s.on('error', () => s.destroy());
      s.once('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
        closed();
      });
    }
  });
  return { server, totals, sockets };
}

function request(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; trailers: NodeJS.Dict<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, trailers: res.trailers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (headers.Expect === '100-continue') req.on('continue', () => req.end(body));
    else req.end(body);
  });
}

describe('HTTP capture through a real TCP proxy', () => {
  let app: http.Server;
  let px: ReturnType<typeof proxy>;
  let captures: CaptureStore;
  let port: number;

  beforeEach(async () => {
    captures = createCaptureStore();
    app = backend();
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    px = proxy((app.address() as net.AddressInfo).port, captures);
    px.server.listen(0, '127.0.0.1');
    await once(px.server, 'listening');
    port = (px.server.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    for (const s of px.sockets) s.destroy();
    app.closeAllConnections();
    await Promise.all([new Promise((r) => px.server.close(r)), new Promise((r) => app.close(r))]);
  });

  it('records each exchange of a keep-alive connection with method, path, status and sizes', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await request(agent, port, 'GET', '/hello?x=1')).body).toBe('hello world');
      expect((await request(agent, port, 'POST', '/echo', 'x'.repeat(5000))).body).toHaveLength(5000);
      const chunked = await request(agent, port, 'GET', '/chunked');
      expect(chunked.body).toHaveLength(1234);
      expect(chunked.trailers['x-sum']).toBe('1234');
      expect((await request(agent, port, 'HEAD', '/hello')).body).toBe('');
      expect((await request(agent, port, 'DELETE', '/empty')).status).toBe(204);
      expect((await request(agent, port, 'GET', '/cached')).status).toBe(304);
      const cont = await request(agent, port, 'PUT', '/echo', 'payload', { Expect: '100-continue' });
      expect(cont.body).toBe('payload');
      expect((await request(agent, port, 'GET', '/missing')).status).toBe(404);
    } finally {
      agent.destroy();
    }
    await waitFor(() => px.totals.closed === px.totals.connections, {
      message: 'proxied connections closed',
    });
    // Node's agent reuses the connection (it opens a fresh one after a HEAD): several requests per connection.
    expect(px.totals.connections).toBeLessThanOrEqual(2);

    const got = captures.list(KEY, 100);
    expect(got.map((x) => [x.method, x.path, x.status, x.requestBodyBytes, x.responseBodyBytes])).toEqual([
      ['GET', '/hello?x=1', 200, 0, 11],
      ['POST', '/echo', 200, 5000, 5000],
      ['GET', '/chunked', 200, 0, 1234],
      ['HEAD', '/hello', 200, 0, 0],
      ['DELETE', '/empty', 204, 0, 0],
      ['GET', '/cached', 304, 0, 0],
      ['PUT', '/echo', 200, 7, 7],
      ['GET', '/missing', 404, 0, 13],
    ]);
    // Every byte on the connection belongs to exactly one exchange.
    expect(got.reduce((n, x) => n + x.requestBytes, 0)).toBe(px.totals.toServer);
    expect(got.reduce((n, x) => n + x.responseBytes, 0)).toBe(px.totals.toClient);
    for (const x of got) {
      expect(x).toMatchObject({ forwardKey: KEY, serviceKey: SERVICE, httpVersion: '1.1' });
      expect(x.durationMs).toBeGreaterThanOrEqual(x.ttfbMs);
    }
    expect(captures.listByService(SERVICE, 3).map((x) => x.path)).toEqual(['/cached', '/echo', '/missing']);
  });

  it('pairs pipelined requests in order on a raw connection', async () => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await once(socket, 'connect');
    socket.write(
      'GET /hello/1 HTTP/1.1\r\nHost: a\r\n\r\n' +
        'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc' +
        'GET /chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    await once(socket, 'close');
    await waitFor(() => px.totals.closed === 1, { message: 'proxied connection closed' });
    const got = captures.list(KEY, 10);
    expect(got.map((x) => [x.method, x.path, x.status, x.responseBodyBytes])).toEqual([
      ['GET', '/hello/1', 200, 11],
      ['POST', '/echo', 200, 3],
      ['GET', '/chunked', 200, 1234],
    ]);
    expect(got.reduce((n, x) => n + x.responseBytes, 0)).toBe(Buffer.concat(chunks).length);
  });

  it('passes TLS-looking bytes through untouched and records nothing', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    // Not real TLS: the backend answers 400 to it, and the sniffer must have stopped at the first byte.
    socket.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]));
    socket.resume();
    await once(socket, 'close');
    await waitFor(() => px.totals.closed === 1, { message: 'proxied connection closed' });
    expect(px.totals.toServer).toBe(10);
    expect(captures.list(KEY, 10)).toEqual([]);
  });
});
