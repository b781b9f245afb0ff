import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHttpSniffer, type HttpExchange } from '../../../src/metrics/http-sniffer.ts';

/** One connection's exchanges: each request with its response(s), as raw wire text. */
const EXCHANGES = [
  {
    req: 'GET /a?x=1 HTTP/1.1\r\nHost: x\r\n\r\n',
    res: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc',
    want: { method: 'GET', path: '/a?x=1', status: 200, requestBodyBytes: 0, responseBodyBytes: 3 },
  },
  {
    req: 'POST /b HTTP/1.1\r\nHost: x\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\nhello',
    res: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
    want: { method: 'POST', path: '/b', status: 201, requestBodyBytes: 5, responseBodyBytes: 2 },
  },
  {
    req: 'PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    res:
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nTrailer: X-Sum\r\n\r\n' +
      '4\r\nwiki\r\n5;ext=1\r\npedia\r\nA\r\n0123456789\r\n0\r\nX-Sum: 19\r\nX-More: y\r\n\r\n',
    want: { method: 'PUT', path: '/c', status: 200, requestBodyBytes: 3, responseBodyBytes: 19 },
  },
  {
    req: 'HEAD /d HTTP/1.1\r\nHost: x\r\n\r\n',
    res: 'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n',
    want: { method: 'HEAD', path: '/d', status: 200, requestBodyBytes: 0, responseBodyBytes: 0 },
  },
  {
    req: 'DELETE /e HTTP/1.1\r\n\r\n',
    res: 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n',
    want: { method: 'DELETE', path: '/e', status: 204, requestBodyBytes: 0, responseBodyBytes: 0 },
  },
  {
    req: 'GET /f HTTP/1.1\r\nIf-None-Match: "x"\r\n\r\n',
    res: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: "x"\r\n\r\n',
    want: { method: 'GET', path: '/f', status: 304, requestBodyBytes: 0, responseBodyBytes: 0 },
  },
  {
    // Names of the framing headers' lengths that are not framing headers, and a framing header among others.
    req: 'GET /h HTTP/1.1\r\nAccept-Charset: utf-8\r\nX-Forwarded-Proto: https\r\nHost: x\r\n\r\n',
    res: 'HTTP/1.1 200 OK\r\nDate: x\r\nX-Forwarded-Proto: y\r\nCONTENT-LENGTH: 4\r\nVary: *\r\n\r\nbody',
    want: { method: 'GET', path: '/h', status: 200, requestBodyBytes: 0, responseBodyBytes: 4 },
  },
  {
    req: 'GET /g HTTP/1.0\r\n\r\n',
    res: 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the server closes',
    want: { method: 'GET', path: '/g', status: 200, requestBodyBytes: 0, responseBodyBytes: 23 },
  },
];
const REQ = EXCHANGES.map((e) => e.req).join('');
const RES = EXCHANGES.map((e) => e.res).join('');
const WANT = EXCHANGES.map((e) => ({
  ...e.want,
  requestBytes: Buffer.byteLength(e.req),
  // Interim 100 Continue bytes count towards the final response: exchanges add up to the connection's bytes.
  responseBytes: Buffer.byteLength(e.res),
}));

function feed(text: string, cuts: number[], into: (b: Buffer) => void): void {
  const buf = Buffer.from(text, 'latin1');
  let off = 0;
  for (const c of [...new Set(cuts)].filter((x) => x > 0 && x < buf.length).sort((a, b) => a - b)) {
    into(buf.subarray(off, c));
    off = c;
  }
  into(buf.subarray(off));
}

function run(
  reqCuts: number[],
  resCuts: number[],
): { got: HttpExchange[]; sniffer: ReturnType<typeof createHttpSniffer> } {
  const got: HttpExchange[] = [];
  const sniffer = createHttpSniffer({ now: () => 0, onExchange: (e) => got.push(e) });
  feed(REQ, reqCuts, (b) => sniffer.client(b));
  feed(RES, resCuts, (b) => sniffer.server(b));
  return { got, sniffer };
}

const pick = (e: HttpExchange) => ({
  method: e.method,
  path: e.path,
  status: e.status,
  requestBytes: e.requestBytes,
  responseBytes: e.responseBytes,
  requestBodyBytes: e.requestBodyBytes,
  responseBodyBytes: e.responseBodyBytes,
});

describe('HTTP sniffer', () => {
  it('pairs pipelined keep-alive exchanges: lengths, 100-continue, chunked with trailers, HEAD, 204, 304, EOF', () => {
    const { got, sniffer } = run([], []);
    expect(got.map(pick)).toEqual(WANT.slice(0, -1));
    expect(sniffer.active).toBe(true);
    sniffer.end();
    expect(got.map(pick)).toEqual(WANT);
    expect(sniffer.active).toBe(false);
  });

  it('gives the same answer whatever single byte boundary the chunks are split at', () => {
    for (let i = 1; i < REQ.length; i++) expect(run([i], []).got.map(pick)).toEqual(WANT.slice(0, -1));
    for (let i = 1; i < RES.length; i++) expect(run([], [i]).got.map(pick)).toEqual(WANT.slice(0, -1));
  });

  it('gives the same answer fed one byte at a time', () => {
    const all = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(run(all(REQ.length), all(RES.length)).got.map(pick)).toEqual(WANT.slice(0, -1));
  });

  it('gives the same answer for any splitting of either direction (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(REQ.length), { maxLength: 40 }),
        fc.array(fc.nat(RES.length), { maxLength: 40 }),
        (a, b) => {
          const { got, sniffer } = run(a, b);
          sniffer.end();
          expect(got.map(pick)).toEqual(WANT);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('times each exchange from the request head to the response end, with time to first byte', () => {
    let t = 1_000;
    const got: HttpExchange[] = [];
    const s = createHttpSniffer({ now: () => t, onExchange: (e) => got.push(e) });
    s.client(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    t += 40;
    s.server(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab'));
    t += 10;
    s.server(Buffer.from('cd'));
    expect(got[0]).toMatchObject({ durationMs: 50, ttfbMs: 40, timestamp: new Date(1_000).toISOString() });
    expect(got[0]?.httpVersion).toBe('1.1');
  });

  it('reports an early response (413 before the body was sent) and keeps parsing the request', () => {
    const got: HttpExchange[] = [];
    const s = createHttpSniffer({ onExchange: (e) => got.push(e) });
    s.client(Buffer.from('POST /up HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345'));
    s.server(Buffer.from('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n'));
    expect(got[0]).toMatchObject({ status: 413, requestBodyBytes: 5 });
    s.client(Buffer.from('67890GET /next HTTP/1.1\r\n\r\n'));
    s.server(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(got.map((e) => e.path)).toEqual(['/up', '/next']);
  });

  it.each([
    ['TLS', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01]), 'tls'],
    ['the HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 'http2'],
    ['CONNECT', Buffer.from('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n'), 'tunnel'],
    ['binary garbage', Buffer.from([0x00, 0xff, 0x10, 0x0a]), 'malformed'],
    ['a bad request line', Buffer.from('GET\r\n\r\n'), 'malformed'],
    ['a header line without a colon', Buffer.from('GET / HTTP/1.1\r\nnonsense\r\n\r\n'), 'malformed'],
  ])('gives up for good on %s', (_name, first, reason) => {
    const got: HttpExchange[] = [];
    const s = createHttpSniffer({ onExchange: (e) => got.push(e) });
    s.client(first);
    expect(s.active).toBe(false);
    expect(s.reason).toBe(reason);
    s.client(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    s.server(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(got).toEqual([]);
  });

  it('gives up after a 101 upgrade and ignores the WebSocket frames that follow', () => {
    const got: HttpExchange[] = [];
    const s = createHttpSniffer({ onExchange: (e) => got.push(e) });
    s.client(Buffer.from('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
    s.server(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'));
    s.client(Buffer.from([0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(s.reason).toBe('upgrade');
    expect(got).toEqual([]);
  });

  it('bounds header buffering at 16 KiB', () => {
    const s = createHttpSniffer({ onExchange: () => undefined });
    s.client(Buffer.from('GET / HTTP/1.1\r\n'));
    const line = Buffer.from(`X-Big: ${'a'.repeat(1000)}\r\n`);
    let fed = 0;
    while (s.active && fed < 100) {
      s.client(line);
      fed++;
    }
    expect(s.reason).toBe('malformed');
    expect(fed * line.length).toBeLessThanOrEqual(16 * 1024 + line.length);
  });

  it('does not count chunk-size lines against the head bound (a body may have many chunks)', () => {
    const got: HttpExchange[] = [];
    const s = createHttpSniffer({ onExchange: (e) => got.push(e) });
    s.client(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    s.server(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    for (let i = 0; i < 10_000; i++) s.server(Buffer.from('1\r\nx\r\n'));
    s.server(Buffer.from('0\r\n\r\n'));
    expect(got[0]?.responseBodyBytes).toBe(10_000);
  });

  it('gives up on a response without a request and on too deep a pipeline', () => {
    const s = createHttpSniffer({ onExchange: () => undefined });
    s.server(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    expect(s.reason).toBe('malformed');
    const deep = createHttpSniffer({ onExchange: () => undefined, maxPending: 3 });
    deep.client(Buffer.from('GET / HTTP/1.1\r\n\r\n'.repeat(4)));
    expect(deep.reason).toBe('too-deep');
  });

  it('survives a consumer that throws', () => {
    let calls = 0;
    const s = createHttpSniffer({
      onExchange: () => {
        calls++;
        throw new Error('consumer broke');
      },
    });
    s.client(Buffer.from('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n'));
    s.server(Buffer.from('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'));
    expect(calls).toBe(2);
    expect(s.active).toBe(true);
  });

  it('counts a large body without copying it (10 MiB in 64 KiB chunks, same Buffer reused)', () => {
    const got: HttpExchange[] = [];
    const s = createHttpSniffer({ onExchange: (e) => got.push(e) });
    const size = 10 * 1024 * 1024;
    s.client(Buffer.from('GET /big HTTP/1.1\r\n\r\n'));
    s.server(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let n = 0; n < size; n += chunk.length) s.server(chunk);
    expect(got[0]?.responseBodyBytes).toBe(size);
  });
});
