import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OP, WebSocketConnection } from '../../../src/portforward/websocket.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** Runs a client connection's output through a server connection's parser, split at arbitrary points. */
function relay(messages: Buffer[], cuts: number[], streaming: boolean): Buffer {
  const written: Buffer[] = [];
  const wire = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
    read() {},
  });
  const client = new WebSocketConnection(wire, true);
  for (const m of messages) client.send(m);
  const bytes = Buffer.concat(written);
  const input = new PassThrough();
  const server = new WebSocketConnection(input, false, undefined, { streaming }).start();
  const got: Buffer[] = [];
  server.on('piece', (b: Buffer) => got.push(Buffer.from(b)));
  server.on('message', (b: Buffer) => got.push(Buffer.from(b)));
  let off = 0;
  for (const c of [...new Set(cuts.map((x) => x % (bytes.length + 1)))].sort((a, b) => a - b)) {
    input.emit('data', bytes.subarray(off, c));
    off = c;
  }
  input.emit('data', bytes.subarray(off));
  return Buffer.concat(got);
}

describe('WebSocket framing', () => {
  it('cuts tunnel bytes into messages that fit a reused frame buffer, over a real socket, nothing garbled', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const peer = new WebSocketConnection(await accepted, false).start();
    const sizes: number[] = [];
    const got: Buffer[] = [];
    peer.on('message', (b: Buffer) => (sizes.push(b.length), got.push(Buffer.from(b))));
    const client = new WebSocketConnection(socket, true).start();
    const sent: Buffer[] = [];
    // Batches like a tunnel's writev: many small SPDY headers and payloads, some larger than one frame buffer.
    for (let round = 0; round < 20; round++) {
      const parts = Array.from({ length: 12 }, (_, i) =>
        randomBytes(i % 3 === 0 ? 8 : 1 + ((round * 7919 + i * 104_729) % 150_000)),
      );
      sent.push(...parts);
      client.sendBytes(parts);
    }
    const total = sent.reduce((n, b) => n + b.length, 0);
    await waitFor(() => got.reduce((n, b) => n + b.length, 0) >= total, { timeoutMs: 10_000 });
    expect(Buffer.concat(got).equals(Buffer.concat(sent))).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(65_536 + 64 - 14);
    socket.destroy();
    server.close();
  });

  it('unmasks and reassembles client frames split anywhere, whole or streamed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 70_000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (arrays, cuts, streaming) => {
          const messages = arrays.map((a) => Buffer.from(a));
          expect(relay(messages, cuts, streaming).equals(Buffer.concat(messages))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** A client-to-server frame built by hand (masked), for fragmentation and control frames. */
function rawFrame(opcode: number, payload: Buffer, fin: boolean): Buffer {
  const key = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (key[i & 3] as number)));
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | payload.length]), key, masked]);
}

/** A server connection fed from `input`, with what it writes back collected and parsed by a client connection. */
function serverUnderTest() {
  const written: Buffer[] = [];
  const wire = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
    read() {},
  });
  // Delivered synchronously, as a socket's 'data' events are.
  const input = { write: (b: Buffer) => wire.emit('data', b) };
  const server = new WebSocketConnection(wire, false).start();
  const replies = (): Array<{ opcode: number; payload: Buffer }> => {
    const bytes = Buffer.concat(written);
    const out: Array<{ opcode: number; payload: Buffer }> = [];
    for (let off = 0; off < bytes.length;) {
      const len = (bytes[off + 1] as number) & 0x7f;
      expect((bytes[off + 1] as number) & 0x80).toBe(0); // servers never mask
      out.push({ opcode: (bytes[off] as number) & 0x0f, payload: bytes.subarray(off + 2, off + 2 + len) });
      off += 2 + len;
    }
    return out;
  };
  return { server, input, replies };
}

describe('WebSocket control frames and fragments', () => {
  it('reassembles a fragmented message around an interleaved PING, which is answered with a PONG', () => {
    const { server, input, replies } = serverUnderTest();
    const messages: Array<[string, boolean]> = [];
    server.on('message', (m: Buffer, binary: boolean) => messages.push([m.toString(), binary]));
    input.write(rawFrame(OP.TEXT, Buffer.from('ab'), false));
    input.write(rawFrame(OP.PING, Buffer.from('beat'), true));
    input.write(rawFrame(OP.CONT, Buffer.from('cd'), false));
    input.write(rawFrame(OP.CONT, Buffer.from('ef'), true));
    expect(messages).toEqual([['abcdef', false]]);
    expect(replies()).toEqual([{ opcode: OP.PONG, payload: Buffer.from('beat') }]);
  });

  it('answers a close frame with its code and reports the close once', () => {
    const { server, input, replies } = serverUnderTest();
    const events: string[] = [];
    server.on('peer-close', (code: number, reason: string) => events.push(`peer-close ${code} ${reason}`));
    server.on('close', () => events.push('close'));
    const body = Buffer.alloc(5);
    body.writeUInt16BE(1000, 0);
    body.write('bye', 2);
    input.write(rawFrame(OP.CLOSE, body, true));
    expect(events).toEqual(['peer-close 1000 bye', 'close']);
    expect(replies()).toEqual([{ opcode: OP.CLOSE, payload: body.subarray(0, 2) }]);
    expect(server.send(Buffer.from('late'))).toBe(false);
  });

  it('masks what a client sends and sends nothing after its own close frame', () => {
    const written: Buffer[] = [];
    const wire = new Duplex({
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk);
        cb();
      },
      read() {},
    });
    const client = new WebSocketConnection(wire, true).start();
    client.sendv([Buffer.from('he'), Buffer.from('llo')]);
    const frame = Buffer.concat(written);
    expect((frame[1] as number) & 0x80).toBe(0x80);
    const key = frame.subarray(2, 6);
    expect(Buffer.from(frame.subarray(6).map((b, i) => b ^ (key[i & 3] as number))).toString()).toBe('hello');
    client.close(1000);
    expect(client.closed).toBe(true);
    expect(client.send(Buffer.from('late'))).toBe(false);
  });
});
