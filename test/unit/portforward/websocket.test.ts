import { Duplex, PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebSocketConnection } from '../../../src/portforward/websocket.ts';

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
  const server = new WebSocketConnection(input, false, undefined, { streaming });
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
