import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

export const acceptKey = (key: string): string =>
  createHash('sha1')
    .update(key + GUID)
    .digest('base64');
export const newKey = (): string => randomBytes(16).toString('base64');

/** Unmasks a piece that starts `offset` bytes into its frame's payload. */
function maskAt(buf: Buffer, key: Buffer, offset: number): void {
  const k = offset & 3;
  mask(
    buf,
    k === 0
      ? key
      : Buffer.from([
          key[k] as number,
          key[(k + 1) & 3] as number,
          key[(k + 2) & 3] as number,
          key[(k + 3) & 3] as number,
        ]),
  );
}

/** XORs `buf` in place with the 4-byte key, a 32-bit word at a time where the buffer is aligned. */
function mask(buf: Buffer, key: Buffer): void {
  const len = buf.length;
  let i = 0;
  const lead = (4 - (buf.byteOffset & 3)) & 3;
  for (; i < lead && i < len; i++) buf[i] = (buf[i] as number) ^ (key[i & 3] as number);
  const words = (len - i) >>> 2;
  if (words > 0) {
    // The key rotated so that it lines up with the aligned start, read in the platform's byte order.
    const rotated = new Uint8Array([
      key[i & 3] as number,
      key[(i + 1) & 3] as number,
      key[(i + 2) & 3] as number,
      key[(i + 3) & 3] as number,
    ]);
    const k32 = new Uint32Array(rotated.buffer)[0] as number;
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = (view[w] as number) ^ k32;
    i += words * 4;
  }
  for (; i < len; i++) buf[i] = (buf[i] as number) ^ (key[i & 3] as number);
}

/**
 * Minimal RFC 6455 framing over an upgraded socket: our own because the common libraries refuse the
 * `SPDY/3.1+portforward.k8s.io` subprotocol token. Clients mask, servers do not; fragments are reassembled.
 */
export class WebSocketConnection extends EventEmitter {
  readonly socket: Duplex;
  readonly isClient: boolean;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #fragments: Buffer[] = [];
  #fragmentOp = 0;
  #closed = false;
  #pendingParts: Buffer[] | undefined;
  /** Streaming mode: binary payloads are handed out as they arrive ('piece' events), never reassembled. */
  readonly streaming: boolean;
  #piece: { remaining: number; key: Buffer | undefined; offset: number } | undefined;

  constructor(socket: Duplex, isClient: boolean, head?: Buffer, options: { streaming?: boolean } = {}) {
    super();
    this.socket = socket;
    this.isClient = isClient;
    this.streaming = options.streaming ?? false;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.#finish());
    socket.on('end', () => this.#finish());
    socket.on('error', () => this.#finish());
    if (head && head.length > 0) queueMicrotask(() => this.#onData(head));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends several buffers as one message (the tunnel's SPDY frame header and payload travel together). */
  sendv(parts: Buffer[]): boolean {
    if (parts.length === 1) return this.send(parts[0] as Buffer);
    const total = parts.reduce((n, p) => n + p.length, 0);
    if (this.#closed) return false;
    if (this.isClient) {
      this.#pendingParts = parts;
      return this.send(Buffer.alloc(0), OP.BINARY, total);
    }
    this.socket.cork();
    const first = this.send(Buffer.alloc(0), OP.BINARY, total);
    void first;
    let ok = true;
    for (const p of parts) ok = this.socket.write(p);
    this.socket.uncork();
    return ok && !this.socket.writableNeedDrain;
  }

  /** Sends one message; returns false when the socket wants a drain. */
  send(payload: Buffer, opcode: number = OP.BINARY, declaredLength?: number): boolean {
    if (this.#closed) return false;
    const len = declaredLength ?? payload.length;
    const maskBit = this.isClient ? 0x80 : 0;
    const headerLen = (len < 126 ? 2 : len < 65536 ? 4 : 10) + (this.isClient ? 4 : 0);
    const header = Buffer.allocUnsafe(headerLen);
    header[0] = 0x80 | opcode;
    let off = 2;
    if (len < 126) header[1] = maskBit | len;
    else if (len < 65536) {
      header[1] = maskBit | 126;
      header.writeUInt16BE(len, 2);
      off = 4;
    } else {
      header[1] = maskBit | 127;
      header.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
      header.writeUInt32BE(len >>> 0, 6);
      off = 10;
    }
    if (this.isClient) {
      // Client frames are masked: header and masked payload in one buffer, one copy, one write.
      const frame = Buffer.allocUnsafe(headerLen + len);
      header.copy(frame, 0, 0, off);
      const key = randomBytes(4);
      key.copy(frame, off);
      let at = headerLen;
      for (const part of this.#pendingParts ?? [payload]) at += part.copy(frame, at);
      this.#pendingParts = undefined;
      mask(frame.subarray(headerLen), key);
      return this.socket.write(frame) && !this.socket.writableNeedDrain;
    }
    this.socket.cork();
    this.socket.write(header);
    const ok = payload.length > 0 ? this.socket.write(payload) : true;
    this.socket.uncork();
    return ok && !this.socket.writableNeedDrain;
  }

  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.send(body, OP.CLOSE);
    this.socket.end();
    this.#finish();
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (this.#parseOne()) {
      /* keep parsing */
    }
  }

  #concat(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  #parseOne(): boolean {
    if (this.#piece) {
      if (this.#buffered === 0) return false;
      const first = this.#chunks[0] as Buffer;
      const n = Math.min(first.length, this.#piece.remaining);
      const part = first.subarray(0, n);
      if (n === first.length) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      if (this.#piece.key) maskAt(part, this.#piece.key, this.#piece.offset);
      this.#piece.offset += n;
      this.#piece.remaining -= n;
      if (this.#piece.remaining === 0) this.#piece = undefined;
      this.emit('piece', part);
      return !this.#closed;
    }
    if (this.#buffered < 2) return false;
    let buf = this.#chunks[0] as Buffer;
    if (buf.length < 14 && this.#chunks.length > 1) buf = this.#concat();
    const b0 = buf[0] as number;
    const b1 = buf[1] as number;
    let len = b1 & 0x7f;
    let off = 2;
    if (len === 126) {
      if (buf.length < 4) return false;
      len = buf.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (buf.length < 10) return false;
      len = buf.readUInt32BE(2) * 2 ** 32 + buf.readUInt32BE(6);
      off = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (this.streaming && (opcode === OP.BINARY || opcode === OP.CONT) && len > 0) {
      const headLen = off + (masked ? 4 : 0);
      if (buf.length < headLen) return false;
      const key = masked ? Buffer.from(buf.subarray(off, off + 4)) : undefined;
      if (buf.length === headLen) this.#chunks.shift();
      else this.#chunks[0] = buf.subarray(headLen);
      this.#buffered -= headLen;
      this.#piece = { remaining: len, key, offset: 0 };
      return true;
    }
    const total = off + (masked ? 4 : 0) + len;
    if (this.#buffered < total) return false;
    if (buf.length < total) buf = this.#concat();
    const payload = buf.subarray(off + (masked ? 4 : 0), total);
    // Received chunks are ours alone: unmask in place instead of copying.
    if (masked) mask(payload, buf.subarray(off, off + 4));
    if (buf.length === total) this.#chunks.shift();
    else this.#chunks[0] = buf.subarray(total);
    this.#buffered -= total;
    this.#onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    return !this.#closed;
  }

  #onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OP.PING) {
      this.send(Buffer.from(payload), OP.PONG);
      return;
    }
    if (opcode === OP.PONG) return;
    if (opcode === OP.CLOSE) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.emit('peer-close', code, payload.subarray(2).toString());
      if (!this.#closed) {
        this.send(payload.subarray(0, 2), OP.CLOSE);
        this.socket.end();
      }
      this.#finish();
      return;
    }
    if (opcode === OP.CONT) {
      this.#fragments.push(payload);
      if (!fin) return;
      const whole = Buffer.concat(this.#fragments);
      this.#fragments = [];
      this.emit('message', whole, this.#fragmentOp === OP.BINARY);
      return;
    }
    if (!fin) {
      this.#fragmentOp = opcode;
      this.#fragments = [payload];
      return;
    }
    this.emit('message', payload, opcode === OP.BINARY);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }
}

/**
 * The tunnel of KEP-4006: the WebSocket is a byte pipe, every write one binary message, boundaries meaningless.
 */
export function tunnelDuplex(ws: WebSocketConnection): Duplex {
  let waiting: (() => void) | undefined;
  const duplex = new Duplex({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _enc, cb) {
      if (ws.closed) return cb(new Error('WebSocket closed'));
      if (ws.send(chunk)) cb();
      else ws.socket.once('drain', () => cb());
    },
    writev(chunks: Array<{ chunk: Buffer }>, cb) {
      if (ws.closed) return cb(new Error('WebSocket closed'));
      if (ws.sendv(chunks.map((c) => c.chunk))) cb();
      else ws.socket.once('drain', () => cb());
    },
    final(cb) {
      ws.close(1000);
      cb();
    },
    read() {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w();
      }
    },
    destroy(err, cb) {
      ws.socket.destroy();
      cb(err);
    },
  });
  const deliver = (data: Buffer): void => {
    if (!duplex.push(data)) {
      ws.socket.pause();
      waiting = () => ws.socket.resume();
    }
  };
  ws.on('piece', deliver);
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (!binary) {
      duplex.destroy(new Error('invalid message type received'));
      return;
    }
    deliver(data);
  });
  ws.on('close', () => {
    duplex.push(null);
    if (!duplex.writableFinished) duplex.destroy();
  });
  return duplex;
}
