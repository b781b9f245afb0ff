import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, startApi, type ApiHarness } from '../../helpers/api-harness.ts';
import { waitFor } from '../../helpers/wait-for.ts';

let api: ApiHarness | undefined;
const sources: EventSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) s.close();
  await api?.close();
  api = undefined;
});

function open(path: string, extraHeaders: Record<string, string> = {}): EventSource {
  const h = api as ApiHarness;
  const es = new EventSource(`${h.base}${path}`, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          Authorization: `Bearer ${API_KEY}`,
          ...extraHeaders,
        },
      }),
  });
  sources.push(es);
  return es;
}

/** Collects events of the given names. */
function collect(es: EventSource, names: string[]) {
  const got: Array<{ type: string; id: string; data: Record<string, unknown> }> = [];
  for (const n of names)
    es.addEventListener(n, (e) =>
      got.push({ type: n, id: e.lastEventId, data: JSON.parse(e.data as string) as Record<string, unknown> }),
    );
  return got;
}

const opened = (es: EventSource) =>
  new Promise<void>((resolve, reject) => {
    es.onopen = () => resolve();
    es.onerror = (e) => reject(new Error(`EventSource failed: ${String((e as { code?: number }).code)}`));
  });

describe('GET /api/v1/events', () => {
  it('streams the seed event names with ids, and releases the subscription when the client goes', async () => {
    api = await startApi();
    const es = open('/api/v1/events');
    const got = collect(es, ['service.added', 'service.removed']);
    await opened(es);
    await waitFor(() => api?.fake.eventListeners === 1, { timeoutMs: 2000 });
    const added = await api.call('POST', '/api/v1/services', {
      body: { namespace: 'default', service_name: 'web' },
    });
    expect(added.status).toBe(201);
    await api.call('DELETE', '/api/v1/services/web.default.kind');
    await waitFor(() => got.length === 2, { timeoutMs: 2000 });
    expect(got.map((e) => [e.type, e.id])).toEqual([
      ['service.added', '1'],
      ['service.removed', '2'],
    ]);
    expect(got[0]?.data).toMatchObject({
      key: 'web.default.kind',
      namespace: 'default',
      service: 'web',
      type: 'service.added',
    });
    es.close();
    await waitFor(() => api?.fake.eventListeners === 0 && api.app.kubefwd.streamCount === 0, {
      timeoutMs: 2000,
    });
  });

  it('filters with ?type=, CamelCase names included', async () => {
    api = await startApi();
    const es = open('/api/v1/events?type=ServiceAdded,pod.removed');
    const got = collect(es, ['service.added', 'namespace.added', 'pod.removed']);
    await opened(es);
    await waitFor(() => api?.fake.eventListeners === 1, { timeoutMs: 2000 });
    api.fake.publish('namespace.added', { key: 'x.kind' });
    api.fake.publish('pod.removed', { key: 'p' });
    api.fake.publish('service.added', { key: 's' });
    await waitFor(() => got.length === 2, { timeoutMs: 2000 });
    expect(got.map((e) => e.type)).toEqual(['pod.removed', 'service.added']);
    const bad = await api.call('GET', '/api/v1/events?type=Nope');
    expect(bad.status).toBe(400);
  });

  it('replays what was missed after Last-Event-ID, then goes on live without duplicates', async () => {
    api = await startApi();
    for (const k of ['a', 'b', 'c']) api.fake.publish('service.added', { key: k });
    const es = open('/api/v1/events', { 'Last-Event-ID': '1' });
    const got = collect(es, ['service.added']);
    await opened(es);
    await waitFor(() => got.length === 2, { timeoutMs: 2000 });
    api.fake.publish('service.added', { key: 'd' });
    await waitFor(() => got.length === 3, { timeoutMs: 2000 });
    expect(got.map((e) => `${e.id}:${String(e.data.key)}`)).toEqual(['2:b', '3:c', '4:d']);
    const bad = await api.call('GET', '/api/v1/events', { headers: { 'Last-Event-ID': 'x' } });
    expect(bad.status).toBe(400);
  });

  it('sends heartbeats as comments and the stream headers', async () => {
    api = await startApi({ heartbeatMs: 20 });
    const h = api;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http
        .get(
          {
            host: '127.0.0.1',
            port: h.port,
            path: '/api/v1/events',
            headers: { Authorization: `Bearer ${API_KEY}` },
          },
          resolve,
        )
        .on('error', reject),
    );
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.headers['content-encoding']).toBeUndefined();
    let text = '';
    res.on('data', (c: Buffer) => (text += c.toString()));
    await waitFor(() => (text.match(/: keepalive\n\n/g) ?? []).length >= 2, { timeoutMs: 3000 });
    expect(text.startsWith('retry: 2000\n: connected\n\n')).toBe(true);
    res.destroy();
    await waitFor(() => h.fake.eventListeners === 0, { timeoutMs: 2000 });
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    api = await startApi({ sseMaxBufferedBytes: 64 * 1024 });
    const h = api;
    const socket = net.connect(h.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${API_KEY}\r\n\r\n`,
    );
    await waitFor(() => h.fake.eventListeners === 1, { timeoutMs: 2000 });
    socket.pause();
    const big = 'x'.repeat(16 * 1024);
    let published = 0;
    for (let batch = 0; batch < 100 && h.fake.eventListeners > 0; batch++) {
      for (let i = 0; i < 50; i++) h.fake.publish('service.updated', { key: `s${published++}`, big });
      await new Promise((r) => setImmediate(r));
    }
    console.log(
      `slow SSE client dropped after ${published} events of 16 KiB (${(published * 16) / 1024} MiB published)`,
    );
    expect(h.fake.eventListeners).toBe(0);
    expect(h.app.kubefwd.streamCount).toBe(0);
    // Bounded: the kernel buffers plus our bound, far below everything published.
    expect(published * big.length).toBeGreaterThan(64 * 1024);
    socket.destroy();
  });

  it('is ended by the server closing, subscription released', async () => {
    api = await startApi();
    const h = api;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http
        .get(
          {
            host: '127.0.0.1',
            port: h.port,
            path: '/api/v1/events',
            headers: { Authorization: `Bearer ${API_KEY}` },
          },
          resolve,
        )
        .on('error', reject),
    );
    res.resume();
    const ended = new Promise((r) => res.once('close', r));
    await waitFor(() => h.fake.eventListeners === 1, { timeoutMs: 2000 });
    await h.close();
    await ended;
    expect(h.fake.eventListeners).toBe(0);
    expect(h.app.kubefwd.streamCount).toBe(0);
  });
});

describe('GET /api/v1/logs/stream', () => {
  it('streams log records at or above a level, with replay', async () => {
    api = await startApi();
    api.fake.log('error', 'earlier', 'api.default.kind');
    const es = open('/api/v1/logs/stream?level=warn', { 'Last-Event-ID': '1' });
    const got = collect(es, ['log']);
    await opened(es);
    await waitFor(() => got.length === 1, { timeoutMs: 2000 });
    await waitFor(() => api?.fake.logListeners === 1, { timeoutMs: 2000 });
    api.fake.log('info', 'quiet');
    api.fake.log('warn', 'loud');
    await waitFor(() => got.length === 2, { timeoutMs: 2000 });
    expect(got.map((e) => [e.id, e.data.message, e.data.level])).toEqual([
      ['2', 'earlier', 'error'],
      ['4', 'loud', 'warn'],
    ]);
    es.close();
    await waitFor(() => api?.fake.logListeners === 0, { timeoutMs: 2000 });
  });
});

const hasCurl = spawnSync('curl', ['--version']).status === 0;

describe.skipIf(!hasCurl)('with curl -N', () => {
  it('receives events as they happen', async () => {
    api = await startApi();
    const h = api;
    const curl = spawn('curl', [
      '-sN',
      '-H',
      `Authorization: Bearer ${API_KEY}`,
      `${h.base}/api/v1/events?type=service.added`,
    ]);
    try {
      let out = '';
      curl.stdout.on('data', (c: Buffer) => (out += c.toString()));
      await waitFor(() => h.fake.eventListeners === 1, { timeoutMs: 5000 });
      await h.call('POST', '/api/v1/services', { body: { namespace: 'default', service_name: 'web' } });
      await waitFor(() => out.includes('\n\n', out.indexOf('event: service.added')), { timeoutMs: 5000 });
      expect(out).toMatch(/id: 1\nevent: service.added\ndata: \{.*"key":"web.default.kind"/);
    } finally {
      curl.kill();
    }
    await waitFor(() => h.fake.eventListeners === 0, { timeoutMs: 5000 });
  });
});
if (!hasCurl) console.log('curl -N test skipped: curl is not installed');
