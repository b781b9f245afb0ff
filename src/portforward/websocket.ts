import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { maskInto, unmask } from './ws-mask.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
export const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

export const acceptKey = (key: string): string =>
  createHash('sha1')
    .update(key + GUID)
    .digest('base64');
export const newKey = (): string => randomBytes(16).toString('base64');

/** Size of a reusable client frame buffer: a 64 KiB socket read in a SPDY data frame, with both headers. */
const SLAB = 65_536 + 64;
const MAX_FREE_SLABS = 64;
/** Most payload a client frame in a slab carries (its header takes at most 14 bytes). */
const SLAB_PAYLOAD = SLAB - 14;

/** The key as seen from `k` bytes into a payload. */
const rotate = (key: Buffer, k: number): Buffer =>
  Buffer.from([
    key[k] as number,
    key[(k + 1) & 3] as number,
    key[(k + 2) & 3] as number,
    key[(k + 3) & 3] as number,
  ]);

/** Unmasks a piece that starts `offset` bytes into its frame's payload. */
function maskAt(buf: Buffer, key: Buffer, offset: number): void {
  const k = offset & 3;
  unmask(buf, k === 0 ? key : rotate(key, k));
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
  #closeSent = false;
  #started = false;
  #head: Buffer | undefined;
  /** Streaming mode: binary payloads are handed out as they arrive ('piece' events), never reassembled. */
  readonly streaming: boolean;
  #piece: { remaining: number; key: Buffer | undefined; offset: number } | undefined;
  /**
   * Client frame buffers, reused once the socket has written them: a new 64 KiB ArrayBuffer per frame had V8 run a
   * full mark-compact for every ~64 MiB of external memory, a fifth of the CPU of an upload.
   */
  #slabs: Buffer[] = [];
  /**
   * Only over a real socket: it has handed a buffer to the kernel (or to TLS, which copies it into its records) when
   * it calls the write callback. Other streams, a PassThrough, may still hold it then.
   */
  readonly #pooled: boolean;
  #random = Buffer.alloc(4096);
  #randomAt = 4096;

  constructor(socket: Duplex, isClient: boolean, head?: Buffer, options: { streaming?: boolean } = {}) {
    super();
    this.socket = socket;
    this.isClient = isClient;
    this.streaming = options.streaming ?? false;
    this.#pooled = isClient && socket instanceof net.Socket;
    this.#head = head;
  }

  /**
   * Starts reading. Separate from construction so the owner attaches its listeners first: messages that arrived
   * with the upgrade response (`head`) are delivered synchronously here, and none is lost.
   */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    const socket = this.socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('close', () => this.#finish());
    // The peer's EOF ends the connection: finish our half too (upgraded server sockets allow half-open ones).
    socket.on('end', () => {
      socket.end();
      this.#finish();
    });
    socket.on('error', () => this.#finish());
    const head = this.#head;
    this.#head = undefined;
    if (head && head.length > 0) this.#onData(head);
    if (socket.destroyed) this.#finish();
    return this;
  }

  /** True once no more messages can be sent (our close frame is out, or the connection is gone). */
  get closed(): boolean {
    return this.#closed || this.#closeSent;
  }

  /** Sends several buffers as one binary message (a tunnelled SPDY frame's header and payload travel together). */
  sendv(parts: Buffer[]): boolean {
    return this.#writeFrame(OP.BINARY, parts);
  }

  /** Four fresh random bytes for a frame's masking key, drawn from a batch (one system call per 1,024 frames). */
  #maskKey(into: Buffer, at: number): void {
    if (this.#randomAt + 4 > this.#random.length) {
      randomFillSync(this.#random);
      this.#randomAt = 0;
    }
    this.#random.copy(into, at, this.#randomAt, this.#randomAt + 4);
    this.#randomAt += 4;
  }

  /**
   * Sends bytes whose message boundaries mean nothing (the KEP-4006 tunnel is a byte pipe). A client cuts them into
   * messages that fit a reusable frame buffer, so a large batch allocates nothing; a server sends one message.
   */
  sendBytes(parts: Buffer[]): boolean {
    if (!this.isClient) return this.#writeFrame(OP.BINARY, parts);
    let ok = true;
    let batch: Buffer[] = [];
    let room = SLAB_PAYLOAD;
    for (let part of parts) {
      while (part.length > 0) {
        const take = part.length <= room ? part : part.subarray(0, room);
        batch.push(take);
        room -= take.length;
        part = part.subarray(take.length);
        if (room === 0) {
          ok = this.#writeFrame(OP.BINARY, batch) && ok;
          batch = [];
          room = SLAB_PAYLOAD;
        }
      }
    }
    if (batch.length > 0) ok = this.#writeFrame(OP.BINARY, batch) && ok;
    return ok;
  }

  /** Sends one unfragmented message; returns false when the socket wants a drain. */
  send(payload: Buffer, opcode: number = OP.BINARY): boolean {
    return this.#writeFrame(opcode, [payload]);
  }

  #writeFrame(opcode: number, parts: Buffer[]): boolean {
    if (this.closed) return false;
    let len = 0;
    for (const p of parts) len += p.length;
    const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
    const headerLen = 2 + lenBytes + (this.isClient ? 4 : 0);
    // Client frames are masked, so the payload is copied anyway: header and masked payload in one buffer and one
    // write. Server frames go out as header plus the caller's buffers, uncopied.
    const size = this.isClient ? headerLen + len : headerLen;
    const slab =
      this.#pooled && size <= SLAB ? (this.#slabs.pop() ?? Buffer.allocUnsafeSlow(SLAB)) : undefined;
    const frame = slab ? slab.subarray(0, size) : Buffer.allocUnsafe(size);
    frame[0] = 0x80 | opcode;
    const maskBit = this.isClient ? 0x80 : 0;
    if (lenBytes === 0) frame[1] = maskBit | len;
    else if (lenBytes === 2) {
      frame[1] = maskBit | 126;
      frame.writeUInt16BE(len, 2);
    } else {
      frame[1] = maskBit | 127;
      frame.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
      frame.writeUInt32BE(len >>> 0, 6);
    }
    if (this.isClient) {
      const keyAt = 2 + lenBytes;
      this.#maskKey(frame, keyAt);
      // Each part masked with the key rotated to where it starts in the payload.
      const key = frame.subarray(keyAt, keyAt + 4);
      let at = headerLen;
      for (const p of parts) {
        const k = (at - headerLen) & 3;
        maskInto(p, k === 0 ? key : rotate(key, k), frame, at);
        at += p.length;
      }
      const sent = slab
        ? this.socket.write(frame, () => {
            if (this.#slabs.length < MAX_FREE_SLABS) this.#slabs.push(slab);
          })
        : this.socket.write(frame);
      return sent && !this.socket.writableNeedDrain;
    }
    this.socket.cork();
    this.socket.write(frame);
    for (const p of parts) if (p.length > 0) this.socket.write(p);
    this.socket.uncork();
    return !this.socket.writableNeedDrain;
  }

  /**
   * Sends a close frame and ends our side of the socket. Frames the peer sent before it saw ours are still
   * delivered; 'close' fires when the peer answers or the socket goes.
   */
  close(code = 1000, reason = ''): void {
    if (this.#closed || this.#closeSent) return;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.send(body, OP.CLOSE);
    this.#closeSent = true;
    this.socket.end();
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
    // A frame header straddling reads: join just the small pieces, never a large payload chunk.
    while (buf.length < 14 && this.#chunks.length > 1) {
      const next = this.#chunks[1] as Buffer;
      if (next.length > 64) {
        const headPart = next.subarray(0, 14 - buf.length);
        this.#chunks.splice(0, 2, Buffer.concat([buf, headPart]), next.subarray(headPart.length));
      } else this.#chunks.splice(0, 2, Buffer.concat([buf, next]));
      buf = this.#chunks[0] as Buffer;
    }
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
    if (masked) unmask(payload, buf.subarray(off, off + 4));
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
      if (!this.closed) {
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
