import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiServer } from '../../../src/api/server.ts';
import { API_KEY, startApi, type ApiHarness } from '../../helpers/api-harness.ts';
import { waitFor } from '../../helpers/wait-for.ts';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const request = (path: string, method = 'GET') =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Length: 0\r\n\r\n`;

describe('createApiServer', () => {
  it('answers a request that arrives while closing with 503 SHUTTING_DOWN, then closes', async () => {
    api = await startApi();
    const h = api;
    let release: (() => void) | undefined;
    h.fake.views.services.reconnect = () => new Promise<boolean>((r) => (release = () => r(true)));
    const socket = net.connect(h.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    const closedSocket = new Promise((r) => socket.once('close', r));
    await new Promise((r) => socket.once('connect', r));
    // The first request is held while the server starts closing; the second comes in on the same socket after.
    socket.write(request('/api/v1/services/api.default.kind/reconnect', 'POST'));
    await waitFor(() => release !== undefined, { timeoutMs: 2000 });
    const closing = h.server.close();
    socket.write(request('/api/v1/status'));
    await waitFor(() => h.server.refusedWhileClosing === 1, { timeoutMs: 2000 });
    release?.();
    await closing;
    await closedSocket;
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.slice(0, 12))).toEqual(['HTTP/1.1 200', 'HTTP/1.1 503']);
    expect(answers[1]).toContain('"code":"SHUTTING_DOWN"');
    expect(await h.server.close()).toBeUndefined();
  });

  it('destroys idle keep-alive sockets on close', async () => {
    api = await startApi();
    const h = api;
    const socket = net.connect(h.port, '127.0.0.1');
    const closed = new Promise((r) => socket.once('close', r));
    socket.on('data', () => undefined);
    socket.write(request('/api/v1/status'));
    await waitFor(() => socket.bytesRead > 0, { timeoutMs: 2000 });
    await h.server.close();
    await closed;
    expect(socket.destroyed).toBe(true);
  });

  it('rejects start on a taken port, and start/close are idempotent', async () => {
    api = await startApi();
    const h = api;
    const second = createApiServer({ app: h.app, host: '127.0.0.1', port: h.port });
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await second.close();
    await h.server.start();
    await Promise.all([h.server.close(), h.server.close()]);
  });
});
