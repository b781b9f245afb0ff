/**
 * The opt-in part of an HTTP capture: headers and the first bytes of each body. They may hold secrets, so they are
 * kept only for services that asked for it, bounded, with credentials masked before they are stored.
 */
export interface CapturedMessage {
  headers: Array<[name: string, value: string]>;
  /** The first `maxBodyBytes` of the payload: UTF-8 text, or base64 when it is not valid UTF-8. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  bodyTruncated: boolean;
}

export interface DetailOptions {
  /** Payload bytes kept per message. */
  maxBodyBytes: number;
}

/** Headers whose values are credentials: stored as MASK. */
const SECRET = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
export const MASK = '[masked]';

export const maskHeaders = (headers: Array<[string, string]>): Array<[string, string]> =>
  headers.map(([name, value]) => [name, SECRET.has(name.toLowerCase()) ? MASK : value]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Collects a message's first bytes as they pass. */
export function createBodyKeeper(max: number) {
  const parts: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  return {
    add(data: Buffer): void {
      if (kept >= max) {
        if (data.length > 0) truncated = true;
        return;
      }
      const take = Math.min(max - kept, data.length);
      // A copy: the chunk belongs to the connection and is reused once passed on.
      parts.push(Buffer.from(data.subarray(0, take)));
      kept += take;
      if (take < data.length) truncated = true;
    },
    message(headers: Array<[string, string]>): CapturedMessage {
      const all = Buffer.concat(parts);
      let body: string;
      let bodyEncoding: CapturedMessage['bodyEncoding'] = 'utf8';
      try {
        // A cut may split a character: only whole characters count as text.
        body = utf8.decode(truncated ? trimPartial(all) : all);
      } catch {
        body = all.toString('base64');
        bodyEncoding = 'base64';
      }
      return { headers: maskHeaders(headers), body, bodyEncoding, bodyTruncated: truncated };
    },
  };
}

export type BodyKeeper = ReturnType<typeof createBodyKeeper>;

/** Drops a UTF-8 sequence cut off at the end. */
function trimPartial(buf: Buffer): Buffer {
  for (let i = buf.length - 1, n = 0; i >= 0 && n < 4; i--, n++) {
    const b = buf[i] as number;
    if ((b & 0xc0) !== 0x80) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return need > n + 1 ? buf.subarray(0, i) : buf;
    }
  }
  return buf;
}

/** Bytes a captured message holds, for the store's budget. */
export const detailSize = (m: CapturedMessage | undefined): number =>
  m ? m.body.length + m.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0) : 0;
