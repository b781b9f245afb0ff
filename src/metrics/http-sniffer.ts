/**
 * A passive HTTP/1.x parser fed copies of the bytes of one connection (never altering or delaying them). It pairs
 * requests and responses in order (keep-alive and pipelining), counts bodies instead of copying them, and gives up
 * for good on TLS, HTTP/2, upgrades or anything it does not understand.
 */
export interface HttpExchange {
  timestamp: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  requestBytes: number;
  responseBytes: number;
}

const MAX_HEAD = 16 * 1024;

type Body =
  | { kind: 'none' }
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; state: 'size' | 'data' | 'crlf' | 'trailer'; left: number; line: string }
  | { kind: 'eof' };

interface Side {
  head: Buffer[];
  headLen: number;
  body: Body | undefined;
  bodyBytes: number;
}

function headerValue(head: string, name: string): string | undefined {
  const m = new RegExp(`\\r\\n${name}:[ \\t]*([^\\r\\n]*)`, 'i').exec(head);
  return m?.[1]?.trim();
}

function bodyFor(head: string): Body {
  const te = headerValue(head, 'transfer-encoding');
  if (te && /chunked/i.test(te)) return { kind: 'chunked', state: 'size', left: 0, line: '' };
  const cl = headerValue(head, 'content-length');
  if (cl !== undefined && /^\d+$/.test(cl))
    return Number(cl) > 0 ? { kind: 'length', left: Number(cl) } : { kind: 'none' };
  return { kind: 'none' };
}

/** Consumes body bytes from `buf` at `off`; returns the new offset and whether the body ended. */
function consumeBody(body: Body, buf: Buffer, off: number): [number, boolean] {
  switch (body.kind) {
    case 'none':
      return [off, true];
    case 'eof':
      return [buf.length, false];
    case 'length': {
      const n = Math.min(body.left, buf.length - off);
      body.left -= n;
      return [off + n, body.left === 0];
    }
    case 'chunked':
      while (off < buf.length) {
        if (body.state === 'data') {
          const n = Math.min(body.left, buf.length - off);
          body.left -= n;
          off += n;
          if (body.left === 0) body.state = 'crlf';
          continue;
        }
        const nl = buf.indexOf(0x0a, off);
        const end = nl === -1 ? buf.length : nl + 1;
        body.line += buf.toString('latin1', off, end);
        off = end;
        if (nl === -1) {
          if (body.line.length > 4096) throw new Error('chunk line too long');
          break;
        }
        const line = body.line.trim();
        body.line = '';
        if (body.state === 'crlf') body.state = 'size';
        else if (body.state === 'size') {
          const size = Number.parseInt(line.split(';')[0] ?? '', 16);
          if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size');
          if (size === 0) body.state = 'trailer';
          else {
            body.state = 'data';
            body.left = size;
          }
        } else if (body.state === 'trailer' && line === '') return [off, true];
      }
      return [off, false];
  }
}

export function createHttpSniffer(options: { now?: () => number; onExchange: (ex: HttpExchange) => void }) {
  const now = options.now ?? Date.now;
  let dead = false;
  const pending: Array<{ method: string; path: string; start: number; bytes: number }> = [];
  const req: Side = { head: [], headLen: 0, body: undefined, bodyBytes: 0 };
  const res: Side = { head: [], headLen: 0, body: undefined, bodyBytes: 0 };
  let current: { status: number; headBytes: number; request: (typeof pending)[number] } | undefined;

  function takeHead(side: Side, chunk: Buffer, off: number): [string | undefined, number] {
    side.head.push(off === 0 ? chunk : chunk.subarray(off));
    side.headLen += chunk.length - off;
    const joined = side.head.length === 1 ? (side.head[0] as Buffer) : Buffer.concat(side.head);
    const end = joined.indexOf('\r\n\r\n');
    if (end === -1) {
      if (side.headLen > MAX_HEAD) throw new Error('header too large');
      side.head = [joined];
      return [undefined, chunk.length];
    }
    const head = joined.toString('latin1', 0, end + 2);
    const consumedFromChunk = end + 4 - (side.headLen - (chunk.length - off));
    side.head = [];
    side.headLen = 0;
    return [head, off + consumedFromChunk];
  }

  function client(chunk: Buffer): void {
    if (dead) return;
    try {
      let off = 0;
      while (off < chunk.length) {
        if (req.body) {
          const [next, done] = consumeBody(req.body, chunk, off);
          (pending.at(-1) as { bytes: number }).bytes += next - off;
          off = next;
          if (done) req.body = undefined;
          continue;
        }
        if (req.headLen === 0 && pending.length === 0 && current === undefined && off === 0) {
          const first = chunk[0] as number;
          if (first === 0x16 || chunk.subarray(0, 3).toString('latin1') === 'PRI') return giveUp();
        }
        const [head, next] = takeHead(req, chunk, off);
        if (head === undefined) return;
        const m = /^([A-Z]{3,10}) (\S+) HTTP\/1\.[01]\r\n/.exec(head);
        if (!m?.[1] || !m[2]) return giveUp();
        if (m[1] === 'CONNECT' || /\r\nupgrade:/i.test(head)) return giveUp();

        pending.push({ method: m[1], path: m[2], start: now(), bytes: head.length + 2 });
        const body = bodyFor(head);
        req.body = body.kind === 'none' ? undefined : body;
        off = next;
      }
    } catch {
      giveUp();
    }
  }

  function server(chunk: Buffer): void {
    if (dead) return;
    try {
      let off = 0;
      while (off < chunk.length) {
        if (res.body && current) {
          const [next, done] = consumeBody(res.body, chunk, off);
          res.bodyBytes += next - off;
          off = next;
          if (done) finish();
          continue;
        }
        const [head, next] = takeHead(res, chunk, off);
        if (head === undefined) return;
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        const request = pending.shift();
        if (!m?.[1] || !request) return giveUp();
        const status = Number(m[1]);
        off = next;
        if (status === 101) return giveUp();
        if (status >= 100 && status < 200) {
          pending.unshift(request);
          continue;
        }
        current = { status, headBytes: head.length + 2, request };
        res.bodyBytes = 0;
        const noBody = request.method === 'HEAD' || status === 204 || status === 304;
        const body = noBody ? ({ kind: 'none' } as Body) : bodyFor(head);
        const framed = noBody || /\r\n(content-length|transfer-encoding):/i.test(head);
        res.body = framed ? body : { kind: 'eof' };
        if (res.body.kind === 'none') finish();
      }
    } catch {
      giveUp();
    }
  }

  function finish(): void {
    if (!current) return;
    const { status, headBytes, request } = current;
    options.onExchange({
      timestamp: new Date(request.start).toISOString(),
      method: request.method,
      path: request.path,
      status,
      durationMs: Math.max(0, now() - request.start),
      requestBytes: request.bytes,
      responseBytes: headBytes + res.bodyBytes,
    });
    current = undefined;
    res.body = undefined;
  }

  function giveUp(): void {
    dead = true;
    pending.length = 0;
    req.head = [];
    res.head = [];
  }

  return {
    client,
    server,
    /** The connection closed: a response delimited by EOF is complete now. */
    end(): void {
      if (!dead && current && res.body?.kind === 'eof') finish();
      giveUp();
    },
    get active(): boolean {
      return !dead;
    },
  };
}
