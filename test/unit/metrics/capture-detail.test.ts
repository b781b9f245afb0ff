import { describe, expect, it } from 'vitest';
import { MASK } from '../../../src/metrics/capture-detail.ts';
import { createCaptureStore } from '../../../src/metrics/capture-store.ts';
import { createHttpSniffer, type HttpExchange } from '../../../src/metrics/http-sniffer.ts';

const REQ =
  'POST /login HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer s3cret\r\nCookie: sid=abc\r\n' +
  'Content-Length: 11\r\n\r\nhello world';
const RES =
  'HTTP/1.1 200 OK\r\nSet-Cookie: sid=new\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5\r\ncafé\r\n6\r\n012345\r\n0\r\n\r\n';

function sniff(detail: { maxBodyBytes: number } | undefined, chunks = 1): HttpExchange[] {
  const out: HttpExchange[] = [];
  const s = createHttpSniffer({ onExchange: (e) => out.push(e), detail: () => detail });
  const feed = (side: 'client' | 'server', text: string): void => {
    const buf = Buffer.from(text);
    const step = Math.ceil(buf.length / chunks);
    for (let i = 0; i < buf.length; i += step) s[side](buf.subarray(i, i + step));
  };
  feed('client', REQ);
  feed('server', RES);
  return out;
}

describe('opt-in capture of headers and bodies', () => {
  it('keeps nothing of headers or bodies unless the service opted in', () => {
    const [ex] = sniff(undefined);
    expect(ex?.status).toBe(200);
    expect(ex?.request).toBeUndefined();
    expect(ex?.response).toBeUndefined();
  });

  it('keeps headers with credentials masked, and bodies without chunk framing', () => {
    for (const chunks of [1, 7, 200]) {
      const [ex] = sniff({ maxBodyBytes: 4096 }, chunks);
      expect(ex?.request?.headers).toEqual([
        ['Host', 'api'],
        ['Authorization', MASK],
        ['Cookie', MASK],
        ['Content-Length', '11'],
      ]);
      expect(ex?.request?.body).toBe('hello world');
      expect(ex?.response?.headers).toContainEqual(['Set-Cookie', MASK]);
      expect(ex?.response).toMatchObject({ body: 'café012345', bodyEncoding: 'utf8', bodyTruncated: false });
      expect(JSON.stringify(ex)).not.toMatch(/s3cret|sid=/);
    }
  });

  it('bounds each body and never cuts a character in two', () => {
    const [ex] = sniff({ maxBodyBytes: 4 });
    expect(ex?.request).toMatchObject({ body: 'hell', bodyTruncated: true });
    // "café" is 5 bytes: the first 4 end inside "é", which is dropped rather than garbled.
    expect(ex?.response).toMatchObject({ body: 'caf', bodyEncoding: 'utf8', bodyTruncated: true });
  });

  it('stores binary bodies as base64', () => {
    const out: HttpExchange[] = [];
    const s = createHttpSniffer({ onExchange: (e) => out.push(e), detail: () => ({ maxBodyBytes: 64 }) });
    s.client(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    s.server(
      Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n'), Buffer.from([0xff, 0, 1])]),
    );
    expect(out[0]?.response).toMatchObject({ body: '/wAB', bodyEncoding: 'base64' });
  });
});

describe('the capture store and detail', () => {
  const exchange = (tap: ReturnType<ReturnType<typeof createCaptureStore>['tap']>, path: string): void => {
    tap.client(Buffer.from(`GET ${path} HTTP/1.1\r\nAuthorization: x\r\n\r\n`));
    tap.server(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(100)}`));
  };

  it('captures detail only for services that opted in, from their next request on', () => {
    const store = createCaptureStore();
    const tap = store.tap('web.ns.ctx.pod.80', 'web.ns.ctx');
    exchange(tap, '/before');
    store.setDetail('web.ns.ctx', true);
    expect(store.detail('web.ns.ctx')).toBe(true);
    exchange(tap, '/after');
    const [before, after] = store.listByService('web.ns.ctx', 10);
    expect(before?.response).toBeUndefined();
    expect(after?.response?.body).toHaveLength(100);
    store.setDetail('web.ns.ctx', false);
    exchange(tap, '/off');
    expect(store.listByService('web.ns.ctx', 10).at(-1)?.response).toBeUndefined();
  });

  it('holds at most its budget of detail: the oldest exchanges lose theirs first', () => {
    const store = createCaptureStore({ detailBudgetBytes: 1000 });
    store.setDetail('web.ns.ctx', true);
    const tap = store.tap('web.ns.ctx.pod.80', 'web.ns.ctx');
    for (let i = 0; i < 20; i++) exchange(tap, `/${i}`);
    expect(store.detailBytes).toBeLessThanOrEqual(1000);
    const list = store.listByService('web.ns.ctx', 20);
    expect(list).toHaveLength(20);
    expect(list[0]?.response).toBeUndefined();
    expect(list.at(-1)?.response?.body).toHaveLength(100);
  });

  it('purges a service and releases its detail', () => {
    const store = createCaptureStore();
    store.setDetail('web.ns.ctx', true);
    exchange(store.tap('web.ns.ctx.a.80', 'web.ns.ctx'), '/1');
    exchange(store.tap('web.ns.ctx.b.80', 'web.ns.ctx'), '/2');
    exchange(store.tap('db.ns.ctx.c.80', 'db.ns.ctx'), '/3');
    expect(store.purge('web.ns.ctx')).toBe(2);
    expect(store.listByService('web.ns.ctx', 10)).toEqual([]);
    expect(store.listByService('db.ns.ctx', 10)).toHaveLength(1);
    expect(store.detailBytes).toBe(0);
  });
});
