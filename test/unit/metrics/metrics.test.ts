import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHttpSniffer, type HttpExchange } from '../../../src/metrics/http-sniffer.ts';
import { createMetricsStore, parseSpan } from '../../../src/metrics/metrics-store.ts';
import { TieredSeries } from '../../../src/metrics/series.ts';

const REQ =
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloHEAD /c HTTP/1.1\r\nHost: x\r\n\r\n';
const RES =
  'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc' +
  'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nTrailer: t\r\n\r\n' +
  'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n';

function feed(split: number[], text: string, into: (b: Buffer) => void): void {
  const buf = Buffer.from(text, 'latin1');
  let off = 0;
  for (const s of [...split.filter((x) => x > 0 && x < buf.length)].sort((a, b) => a - b)) {
    into(buf.subarray(off, s));
    off = s;
  }
  into(buf.subarray(off));
}

describe('HTTP sniffer', () => {
  it('pairs pipelined keep-alive exchanges, chunked with trailers and HEAD, split at any byte', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(200), { maxLength: 6 }),
        fc.array(fc.nat(200), { maxLength: 6 }),
        (a, b) => {
          const got: HttpExchange[] = [];
          const s = createHttpSniffer({ now: () => 0, onExchange: (e) => got.push(e) });
          feed(a, REQ, s.client);
          feed(b, RES, s.server);
          expect(got.map((e) => [e.method, e.path, e.status])).toEqual([
            ['GET', '/a', 200],
            ['POST', '/b', 201],
            ['HEAD', '/c', 200],
          ]);
          expect(got[1]?.requestBytes).toBe(
            'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'.length,
          );
          expect(s.active).toBe(true);
        },
      ),
    );
  });

  it('gives up on TLS, HTTP/2 and upgrades, and completes EOF-delimited responses at end', () => {
    for (const first of [Buffer.from([0x16, 0x03, 0x01]), Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')]) {
      const s = createHttpSniffer({ onExchange: () => undefined });
      s.client(first);
      expect(s.active).toBe(false);
    }
    const got: HttpExchange[] = [];
    const s = createHttpSniffer({ onExchange: (e) => got.push(e) });
    s.client(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
    s.server(Buffer.from('HTTP/1.0 200 OK\r\n\r\nbody until close'));
    expect(got).toHaveLength(0);
    s.end();
    expect(got[0]).toMatchObject({
      status: 200,
      responseBytes: 'HTTP/1.0 200 OK\r\n\r\nbody until close'.length,
    });
  });
});

describe('metrics store and series', () => {
  it('computes rates from sampled counters and answers history at the asked interval', () => {
    let t = 0;
    let bytes = 0;
    const m = createMetricsStore({
      now: () => t,
      read: () => [{ key: 'f', serviceKey: 's', bytesIn: bytes, bytesOut: 0 }],
    });
    for (let i = 0; i < 3600; i++) {
      m.sample();
      t += 1000;
      bytes += 1000;
    }
    expect(m.forward('f')?.rateIn).toBe(1000);
    const hour = m.history('s', 3_600_000, 60_000);
    expect(hour.length).toBeGreaterThanOrEqual(59);
    expect(hour.length).toBeLessThanOrEqual(61);
    expect(hour.at(-2)?.rateIn).toBeCloseTo(1000, 0);
    expect(m.history(undefined, 300_000, 1000).length).toBeLessThanOrEqual(301);
    expect(() => m.history('nope', 1000, 1000)).toThrow(/no metrics/);
  });

  it('keeps memory per key bounded over a simulated day', () => {
    const s = new TieredSeries();
    for (let i = 0; i < 86_400; i++)
      s.add({ timestamp: i * 1000, bytesIn: i, bytesOut: 0, rateIn: 1, rateOut: 0 });
    expect(s.query(86_400_000, 60_000, 86_400_000).length).toBeLessThanOrEqual(1441);
    expect(s.capacity).toBe(2100);
  });

  it('parses spans', () => {
    expect(parseSpan('5m', 'duration')).toBe(300_000);
    expect(() => parseSpan('5 minutes', 'duration')).toThrow(/invalid duration/);
    expect(() => parseSpan('48h', 'duration')).toThrow(/at most 24h/);
  });
});

describe('capture store', () => {
  it('keeps at most maxForwards rings, dropping the least recently used (pods come and go)', async () => {
    const { createCaptureStore } = await import('../../../src/metrics/capture-store.ts');
    const store = createCaptureStore({ maxForwards: 3, perForward: 2 });
    const exchange = (key: string): void => {
      const s = store.tap(key, 'svc');
      s.client(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
      s.server(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'));
    };
    for (const k of ['a', 'b', 'c']) exchange(k);
    exchange('a');
    exchange('d');
    expect(store.size).toBe(3);
    expect(store.list('b', 10)).toEqual([]);
    expect(store.list('a', 10)).toHaveLength(2);
    expect(store.forwardKeys('svc').sort()).toEqual(['a', 'c', 'd']);
  });
});
