import type { HeaderCodec, Headers } from './header-codec.ts';

export type { Headers } from './header-codec.ts';

export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
/** Largest DATA payload one frame can carry (24-bit length). */
export const MAX_DATA_LENGTH = 0xffffff;

export const FRAME = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const RST = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** A control frame's 8-byte header: control bit, version, type, flags, 24-bit length. */
export function controlHeader(type: number, flags: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(8);
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE((((flags & 0xff) << 24) | length) >>> 0, 4);
  return header;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(8 + payload.length);
  controlHeader(type, flags, payload.length).copy(frame, 0);
  payload.copy(frame, 8);
  return frame;
}

/** A DATA frame's header; the payload is written after it as is, never copied into a frame buffer. */
export function dataHeader(streamId: number, flags: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE((((flags & 0xff) << 24) | length) >>> 0, 4);
  return header;
}

function withStreamId(type: number, flags: number, streamId: number, offset: number, block: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(8 + offset + block.length);
  controlHeader(type, flags, offset + block.length).copy(frame, 0);
  frame.writeUInt32BE(streamId & 0x7fffffff, 8);
  frame.fill(0, 12, 8 + offset);
  block.copy(frame, 8 + offset);
  return frame;
}

export function synStreamFrame(
  codec: HeaderCodec,
  streamId: number,
  headers: Headers,
  flags = 0,
  options: { associatedId?: number; priority?: number } = {},
): Buffer {
  const frame = withStreamId(FRAME.SYN_STREAM, flags, streamId, 10, codec.encode(headers));
  frame.writeUInt32BE((options.associatedId ?? 0) & 0x7fffffff, 12);
  frame[16] = ((options.priority ?? 0) & 0x7) << 5;
  return frame;
}

export const synReplyFrame = (codec: HeaderCodec, streamId: number, headers: Headers, flags = 0): Buffer =>
  withStreamId(FRAME.SYN_REPLY, flags, streamId, 4, codec.encode(headers));

export const headersFrame = (codec: HeaderCodec, streamId: number, headers: Headers, flags = 0): Buffer =>
  withStreamId(FRAME.HEADERS, flags, streamId, 4, codec.encode(headers));

function twoWords(type: number, a: number, b: number): Buffer {
  const frame = Buffer.allocUnsafe(16);
  controlHeader(type, 0, 8).copy(frame, 0);
  frame.writeUInt32BE(a >>> 0, 8);
  frame.writeUInt32BE(b >>> 0, 12);
  return frame;
}

export const rstStreamFrame = (streamId: number, status: number): Buffer =>
  twoWords(FRAME.RST_STREAM, streamId & 0x7fffffff, status);

export const goawayFrame = (lastStreamId: number, status = 0): Buffer =>
  twoWords(FRAME.GOAWAY, lastStreamId & 0x7fffffff, status);

export const windowUpdateFrame = (streamId: number, delta: number): Buffer =>
  twoWords(FRAME.WINDOW_UPDATE, streamId & 0x7fffffff, delta & 0x7fffffff);

export function pingFrame(id: number): Buffer {
  const frame = Buffer.allocUnsafe(12);
  controlHeader(FRAME.PING, 0, 4).copy(frame, 0);
  frame.writeUInt32BE(id >>> 0, 8);
  return frame;
}

export interface Setting {
  id: number;
  flags: number;
  value: number;
}

export function settingsFrame(settings: Setting[], flags = 0): Buffer {
  const frame = Buffer.allocUnsafe(12 + 8 * settings.length);
  controlHeader(FRAME.SETTINGS, flags, 4 + 8 * settings.length).copy(frame, 0);
  frame.writeUInt32BE(settings.length, 8);
  settings.forEach((s, i) => {
    frame.writeUInt32BE((((s.flags & 0xff) << 24) | (s.id & 0xffffff)) >>> 0, 12 + 8 * i);
    frame.writeUInt32BE(s.value >>> 0, 16 + 8 * i);
  });
  return frame;
}

/** A decoded control frame; header blocks stay compressed (they decode in session order, see header-codec.ts). */
export type ControlFrame =
  | {
      type: 'syn-stream';
      flags: number;
      streamId: number;
      associatedId: number;
      priority: number;
      block: Buffer;
    }
  | { type: 'syn-reply' | 'headers'; flags: number; streamId: number; block: Buffer }
  | { type: 'rst-stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; settings: Setting[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastStreamId: number; status: number }
  | { type: 'window-update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

const MIN_LENGTH: Record<number, number> = {
  [FRAME.SYN_STREAM]: 10,
  [FRAME.SYN_REPLY]: 4,
  [FRAME.RST_STREAM]: 8,
  [FRAME.SETTINGS]: 4,
  [FRAME.PING]: 4,
  [FRAME.GOAWAY]: 4,
  [FRAME.HEADERS]: 4,
  [FRAME.WINDOW_UPDATE]: 8,
};

export function decodeControl(type: number, flags: number, payload: Buffer): ControlFrame {
  if (payload.length < (MIN_LENGTH[type] ?? 0))
    throw new Error(`SPDY control frame ${type} too short (${payload.length} bytes)`);
  const word = (at: number): number => payload.readUInt32BE(at);
  switch (type) {
    case FRAME.SYN_STREAM:
      return {
        type: 'syn-stream',
        flags,
        streamId: word(0) & 0x7fffffff,
        associatedId: word(4) & 0x7fffffff,
        priority: (payload[8] as number) >> 5,
        block: payload.subarray(10),
      };
    case FRAME.SYN_REPLY:
    case FRAME.HEADERS:
      return {
        type: type === FRAME.SYN_REPLY ? 'syn-reply' : 'headers',
        flags,
        streamId: word(0) & 0x7fffffff,
        block: payload.subarray(4),
      };
    case FRAME.RST_STREAM:
      return { type: 'rst-stream', streamId: word(0) & 0x7fffffff, status: word(4) };
    case FRAME.SETTINGS: {
      const count = Math.min(word(0), Math.floor((payload.length - 4) / 8));
      const settings: Setting[] = [];
      for (let i = 0; i < count; i++) {
        const head = word(4 + 8 * i);
        settings.push({ flags: head >>> 24, id: head & 0xffffff, value: word(8 + 8 * i) });
      }
      return { type: 'settings', flags, settings };
    }
    case FRAME.PING:
      return { type: 'ping', id: word(0) };
    case FRAME.GOAWAY:
      // The status word is absent in SPDY/2-style frames; treat it as OK.
      return {
        type: 'goaway',
        lastStreamId: word(0) & 0x7fffffff,
        status: payload.length >= 8 ? word(4) : 0,
      };
    case FRAME.WINDOW_UPDATE:
      return { type: 'window-update', streamId: word(0) & 0x7fffffff, delta: word(4) & 0x7fffffff };
    default:
      return { type: 'unknown', frameType: type, flags, payload };
  }
}
