import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SPDY3_DICTIONARY } from '../../../src/portforward/spdy/dictionary.ts';
import { adler32, createDeflater } from '../../../src/portforward/spdy/deflate.ts';
import {
  FLAG_FIN,
  RST,
  dataHeader,
  decodeControl,
  goawayFrame,
  headersFrame,
  pingFrame,
  rstStreamFrame,
  settingsFrame,
  synReplyFrame,
  synStreamFrame,
  windowUpdateFrame,
  type ControlFrame,
} from '../../../src/portforward/spdy/frames.ts';
import {
  createHeaderCodec,
  parseHeaders,
  serializeHeaders,
  type Headers,
} from '../../../src/portforward/spdy/header-codec.ts';
import { FrameParser } from '../../../src/portforward/spdy/parser.ts';

/** Parses with DATA collected per piece, for checks that do not care about frame boundaries. */
function collect(wire: Buffer, feed: (parser: FrameParser) => void = (p) => p.push(wire)) {
  const controls: ControlFrame[] = [];
  const data = new Map<number, Buffer[]>();
  const fins: number[] = [];
  const parser = new FrameParser({
    onControl: (type, flags, payload) => controls.push(decodeControl(type, flags, Buffer.from(payload))),
    onData: (id, piece, fin) => {
      if (!data.has(id)) data.set(id, []);
      data.get(id)?.push(Buffer.from(piece));
      if (fin) fins.push(id);
    },
  });
  feed(parser);
  const joined = new Map([...data].map(([id, parts]) => [id, Buffer.concat(parts).toString('hex')]));
  return { controls, data: joined, fins };
}

const dataFrame = (id: number, payload: Buffer, flags = 0): Buffer =>
  Buffer.concat([dataHeader(id, flags, payload.length), payload]);

describe('SPDY frames', () => {
  it('round-trips every control frame type', () => {
    const codec = createHeaderCodec();
    const wire = Buffer.concat([
      synStreamFrame(codec, 7, { streamType: 'data' }, FLAG_FIN, { associatedId: 3, priority: 5 }),
      synReplyFrame(codec, 7, {}),
      headersFrame(codec, 9, { a: 'b' }, FLAG_FIN),
      rstStreamFrame(11, RST.CANCEL),
      settingsFrame([
        { id: 4, flags: 1, value: 100 },
        { id: 7, flags: 0, value: 65536 },
      ]),
      pingFrame(0xfffffffe),
      goawayFrame(13, 2),
      windowUpdateFrame(15, 0x7fffffff),
    ]);
    const { controls } = collect(wire);
    expect(controls.map((c) => c.type)).toEqual([
      'syn-stream',
      'syn-reply',
      'headers',
      'rst-stream',
      'settings',
      'ping',
      'goaway',
      'window-update',
    ]);
    expect(controls[0]).toMatchObject({ streamId: 7, associatedId: 3, priority: 5, flags: FLAG_FIN });
    expect(controls[1]).toMatchObject({ streamId: 7, flags: 0 });
    expect(controls[2]).toMatchObject({ streamId: 9, flags: FLAG_FIN });
    expect(controls[3]).toEqual({ type: 'rst-stream', streamId: 11, status: RST.CANCEL });
    expect(controls[4]).toEqual({
      type: 'settings',
      flags: 0,
      settings: [
        { id: 4, flags: 1, value: 100 },
        { id: 7, flags: 0, value: 65536 },
      ],
    });
    expect(controls[5]).toEqual({ type: 'ping', id: 0xfffffffe });
    expect(controls[6]).toEqual({ type: 'goaway', lastStreamId: 13, status: 2 });
    expect(controls[7]).toEqual({ type: 'window-update', streamId: 15, delta: 0x7fffffff });
    codec.close();
  });

  it('round-trips DATA with and without FIN, empty frames included', () => {
    const wire = Buffer.concat([
      dataFrame(1, Buffer.from('abc')),
      dataFrame(3, Buffer.alloc(0), FLAG_FIN),
      dataFrame(1, Buffer.from('def'), FLAG_FIN),
    ]);
    const { data, fins } = collect(wire);
    expect(data.get(1)).toBe(Buffer.from('abcdef').toString('hex'));
    expect(data.get(3)).toBe('');
    expect(fins).toEqual([3, 1]);
  });

  it('decodes header blocks of a SYN_STREAM written by the peer codec', () => {
    const sender = createHeaderCodec();
    const receiver = createHeaderCodec();
    const { controls } = collect(
      synStreamFrame(sender, 1, { StreamType: 'error', port: '8080', requestID: '1' }),
    );
    const frame = controls[0] as Extract<ControlFrame, { type: 'syn-stream' }>;
    expect(receiver.decode(frame.block)).toEqual({ streamtype: 'error', port: '8080', requestid: '1' });
    sender.close();
    receiver.close();
  });

  it('refuses a corrupt header block, and every block after it (the inflate context is lost)', () => {
    const sender = createHeaderCodec();
    const receiver = createHeaderCodec();
    const good = (n: number) =>
      (
        collect(synStreamFrame(sender, n, { streamtype: 'data', port: '80' })).controls[0] as Extract<
          ControlFrame,
          { type: 'syn-stream' }
        >
      ).block;
    expect(receiver.decode(good(1))).toEqual({ streamtype: 'data', port: '80' });
    const bad = Buffer.from(good(3));
    bad.fill(0xff, 0, bad.length);
    expect(() => receiver.decode(bad)).toThrow(/does not inflate/);
    expect(() => receiver.decode(good(5))).toThrow(/does not inflate/);
    const fresh = createHeaderCodec();
    expect(() => fresh.decode(Buffer.from('not zlib at all'))).toThrow(/does not inflate/);
  });

  it('rejects truncated control frames and oversized ones', () => {
    expect(() => decodeControl(3, 0, Buffer.alloc(4))).toThrow(/too short/);
    const parser = new FrameParser(
      { onControl: () => undefined, onData: () => undefined },
      { maxControlLength: 16 },
    );
    const big = Buffer.concat([Buffer.from([0x80, 3, 0, 1, 0, 0, 0, 17]), Buffer.alloc(17)]);
    expect(() => parser.push(big)).toThrow(/too large/);
  });
});

describe('SPDY frame parser', () => {
  const codec = createHeaderCodec();
  const wire = Buffer.concat([
    synStreamFrame(codec, 1, { streamtype: 'error', port: '80', requestid: '1' }),
    dataFrame(1, Buffer.alloc(0), FLAG_FIN),
    synStreamFrame(codec, 3, { streamtype: 'data', port: '80', requestid: '1' }),
    dataFrame(3, Buffer.from('hello, pod')),
    pingFrame(1),
    dataFrame(3, Buffer.alloc(300, 7), FLAG_FIN),
    goawayFrame(3),
  ]);

  it('gives the same frames fed byte by byte as fed at once', () => {
    const whole = collect(wire);
    const bytewise = collect(wire, (parser) => {
      for (let i = 0; i < wire.length; i++) parser.push(wire.subarray(i, i + 1));
    });
    expect(bytewise).toEqual(whole);
    expect(whole.controls.map((c) => c.type)).toEqual(['syn-stream', 'syn-stream', 'ping', 'goaway']);
    expect(whole.fins).toEqual([1, 3]);
    expect(
      Buffer.from(whole.data.get(3) ?? '', 'hex')
        .subarray(0, 10)
        .toString(),
    ).toBe('hello, pod');
  });

  it('hands DATA out without copying when it arrives in one piece', () => {
    const payload = Buffer.alloc(1024, 1);
    const frame = dataFrame(5, payload);
    const pieces: Buffer[] = [];
    new FrameParser({ onControl: () => undefined, onData: (_id, piece) => pieces.push(piece) }).push(frame);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]?.buffer).toBe(frame.buffer);
  });
});

const headerMap = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string({ maxLength: 200 }), {
  maxKeys: 8,
});

type Spec =
  | { kind: 'data'; id: number; payload: Uint8Array; fin: boolean }
  | { kind: 'syn'; id: number; headers: Headers }
  | { kind: 'ping'; id: number }
  | { kind: 'rst'; id: number; status: number }
  | { kind: 'window'; id: number; delta: number };

const streamId = fc.integer({ min: 1, max: 0x7fffffff });
const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    kind: fc.constant('data' as const),
    id: streamId,
    payload: fc.uint8Array({ maxLength: 3000 }),
    fin: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('syn' as const), id: streamId, headers: headerMap }),
  fc.record({ kind: fc.constant('ping' as const), id: fc.nat() }),
  fc.record({ kind: fc.constant('rst' as const), id: streamId, status: fc.integer({ min: 1, max: 11 }) }),
  fc.record({
    kind: fc.constant('window' as const),
    id: streamId,
    delta: fc.integer({ min: 1, max: 0x7fffffff }),
  }),
);

describe('SPDY codec properties', () => {
  it('decodes what it encodes, however the bytes are split', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (specs, cuts) => {
        const sender = createHeaderCodec();
        const receiver = createHeaderCodec();
        const wire = Buffer.concat(
          specs.map((s) => {
            switch (s.kind) {
              case 'data':
                return dataFrame(s.id, Buffer.from(s.payload), s.fin ? FLAG_FIN : 0);
              case 'syn':
                return synStreamFrame(sender, s.id, s.headers);
              case 'ping':
                return pingFrame(s.id);
              case 'rst':
                return rstStreamFrame(s.id, s.status);
              default:
                return windowUpdateFrame(s.id, s.delta);
            }
          }),
        );
        const got: Array<Spec | { kind: 'piece'; id: number; bytes: Buffer; fin: boolean }> = [];
        const blocks: Headers[] = [];
        const parser = new FrameParser({
          onControl: (type, flags, payload) => {
            const frame = decodeControl(type, flags, Buffer.from(payload));
            if (frame.type === 'syn-stream') {
              blocks.push(receiver.decode(frame.block));
              got.push({ kind: 'syn', id: frame.streamId, headers: {} });
            } else if (frame.type === 'ping') got.push({ kind: 'ping', id: frame.id });
            else if (frame.type === 'rst-stream')
              got.push({ kind: 'rst', id: frame.streamId, status: frame.status });
            else if (frame.type === 'window-update')
              got.push({ kind: 'window', id: frame.streamId, delta: frame.delta });
          },
          onData: (id, piece, fin) => got.push({ kind: 'piece', id, bytes: Buffer.from(piece), fin }),
        });
        let off = 0;
        for (const cut of [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b)) {
          parser.push(wire.subarray(off, cut));
          off = cut;
        }
        parser.push(wire.subarray(off));
        sender.close();
        receiver.close();

        // Join DATA pieces back into frames: a frame's pieces are consecutive and end at its length.
        const frames: Spec[] = [];
        let h = 0;
        let i = 0;
        for (const expected of specs) {
          if (expected.kind !== 'data') {
            const g = got[i++] as Spec;
            frames.push(g.kind === 'syn' ? { ...g, headers: blocks[h++] ?? {} } : g);
            continue;
          }
          const parts: Buffer[] = [];
          let fin: boolean;
          do {
            const piece = got[i++] as { kind: 'piece'; id: number; bytes: Buffer; fin: boolean };
            expect(piece.kind).toBe('piece');
            expect(piece.id).toBe(expected.id);
            parts.push(piece.bytes);
            fin = piece.fin;
          } while (Buffer.concat(parts).length < expected.payload.length);
          frames.push({
            kind: 'data',
            id: expected.id,
            payload: new Uint8Array(Buffer.concat(parts)),
            fin,
          });
        }
        expect(i).toBe(got.length);
        expect(frames).toEqual(
          specs.map((s) =>
            s.kind === 'syn'
              ? {
                  ...s,
                  headers: Object.fromEntries(
                    Object.entries(s.headers).map(([k, v]) => [k.toLowerCase(), v]),
                  ),
                }
              : s.kind === 'data'
                ? { ...s, payload: new Uint8Array(s.payload) }
                : s,
          ),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('compresses header blocks in one context: every block inflates, later ones shrink', async () => {
    const deflater = createDeflater(SPDY3_DICTIONARY);
    const inflate = zlib.createInflate({ dictionary: SPDY3_DICTIONARY });
    const inflated: Buffer[] = [];
    inflate.on('data', (d: Buffer) => inflated.push(d));
    const raws: Buffer[] = [];
    const sizes: number[] = [];
    for (let i = 1; i <= 2000; i++) {
      const raw = serializeHeaders({
        streamtype: i % 2 ? 'error' : 'data',
        port: '8080',
        requestid: String(i >> 1),
      });
      raws.push(raw);
      const block = deflater.compress(raw);
      sizes.push(block.length);
      inflate.write(block);
    }
    await new Promise<void>((resolve) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    inflate.close();
    expect(Buffer.concat(inflated).equals(Buffer.concat(raws))).toBe(true);
    // The first block carries the zlib header naming the dictionary; the rest refer back to earlier blocks.
    const first = sizes[0] as number;
    expect(first).toBeLessThan((raws[0] as Buffer).length + 6);
    expect(Math.max(...sizes.slice(10))).toBeLessThan(first / 2);
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398);
  });

  it('inflates whatever header map the deflater compresses, across a sliding window', () => {
    fc.assert(
      fc.property(fc.array(headerMap, { minLength: 1, maxLength: 40 }), (maps) => {
        const deflater = createDeflater(SPDY3_DICTIONARY);
        const blocks = maps.map((m) => deflater.compress(serializeHeaders(m)));
        const raw = zlib.inflateSync(Buffer.concat([...blocks, Buffer.from([0x03, 0x00])]), {
          dictionary: SPDY3_DICTIONARY,
          finishFlush: zlib.constants.Z_SYNC_FLUSH,
        });
        let off = 0;
        for (const m of maps) {
          const expected = serializeHeaders(m);
          expect(parseHeaders(raw.subarray(off, off + expected.length))).toEqual(
            Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v])),
          );
          off += expected.length;
        }
        expect(off).toBe(raw.length);
      }),
      { numRuns: 100 },
    );
  });
});
