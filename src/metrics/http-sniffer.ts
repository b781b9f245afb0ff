import {
  createBodyKeeper,
  type BodyKeeper,
  type CapturedMessage,
  type DetailOptions,
} from './capture-detail.ts';
import { createMessageReader, SniffError, type Framing, type MessageHead } from './http-message-reader.ts';

/**
 * A passive HTTP/1.x observer of one connection, fed copies of the chunks going each way (it never alters or delays
 * them). Requests queue in order and each final response takes the oldest, which is how HTTP/1.1 pairs them with
 * keep-alive and pipelining. On TLS, HTTP/2, CONNECT, a 101 upgrade or anything malformed it gives up for good and
 * costs nothing more.
 */
export interface HttpExchange {
  /** When the request's head was complete (ISO 8601). */
  timestamp: string;
  method: string;
  path: string;
  status: number;
  httpVersion: string;
  /** Request head complete to response complete. */
  durationMs: number;
  /** Request head complete to response head complete. */
  ttfbMs: number;
  /** Bytes on the wire, head and body (chunk framing included). */
  requestBytes: number;
  responseBytes: number;
  /** Payload bytes. */
  requestBodyBytes: number;
  responseBodyBytes: number;
  /** Headers and first body bytes, only while the service opted in (see capture-detail.ts). */
  request?: CapturedMessage;
  response?: CapturedMessage;
}

export type GiveUpReason = 'tls' | 'http2' | 'tunnel' | 'upgrade' | 'malformed' | 'too-deep' | 'closed';

export interface HttpSnifferOptions {
  onExchange: (exchange: HttpExchange) => void;
  now?: () => number;
  /** Bound on one message's head (and trailers); past it the sniffer gives up. */
  maxHeadBytes?: number;
  /** Requests awaiting their response before the sniffer gives up (bounds memory under deep pipelining). */
  maxPending?: number;
  maxPathLength?: number;
  /** Asked at each message's start: keep its headers and first body bytes (opt-in per service)? */
  detail?: () => DetailOptions | undefined;
}

export interface HttpSniffer {
  /** Feeds a copy of bytes from the client to the server. */
  client: (chunk: Buffer) => void;
  /** Feeds a copy of bytes from the server to the client. */
  server: (chunk: Buffer) => void;
  /** The connection closed. */
  end: () => void;
  readonly active: boolean;
  readonly reason: GiveUpReason | undefined;
}

interface Pending {
  method: string;
  path: string;
  at: number;
  done: boolean;
  wireBytes: number;
  bodyBytes: number;
  headers?: Array<[string, string]>;
  body?: BodyKeeper;
}

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/(1\.[01])$/;
const STATUS_LINE = /^HTTP\/(1\.[01]) (\d{3})(?: .*)?$/;
const H = 0x48;

/** A deliberate stop (not a parse error): carries why. */
class GiveUp extends SniffError {
  readonly why: GiveUpReason;
  constructor(why: GiveUpReason) {
    super(why);
    this.why = why;
  }
}

function framingOf(head: MessageHead): Framing | undefined {
  if (head.transferEncoding !== undefined) {
    const last = head.transferEncoding.split(',').at(-1)?.trim().toLowerCase();
    return last === 'chunked' ? 'chunked' : undefined;
  }
  if (head.contentLength === undefined) return 'none';
  if (!/^\d{1,15}$/.test(head.contentLength)) throw new SniffError('bad Content-Length');
  return { length: Number(head.contentLength) };
}

export function createHttpSniffer(options: HttpSnifferOptions): HttpSniffer {
  const now = options.now ?? Date.now;
  const maxPending = options.maxPending ?? 100;
  const maxPath = options.maxPathLength ?? 2048;
  const maxHeadBytes = options.maxHeadBytes ?? 16 * 1024;
  const keepHeaders = (): boolean => options.detail?.() !== undefined;
  const readerOptions = { maxHeadBytes, keepHeaders };
  let reason: GiveUpReason | undefined;
  let pending: Pending[] = [];
  let reqCurrent: Pending | undefined;
  let res:
    | {
        req: Pending;
        status: number;
        version: string;
        headAt: number;
        headers?: Array<[string, string]>;
        body?: BodyKeeper;
      }
    | undefined;
  let interim = false;
  /** Wire bytes of interim (1xx) responses, counted into the final response they precede. */
  let interimBytes = 0;

  const requests = createMessageReader(
    {
      firstByteOk: (b) => (b === 0x16 ? giveUp('tls') : b >= 0x41 && b <= 0x5a),
      onHead(head) {
        if (head.startLine.startsWith('PRI * HTTP/2')) throw new GiveUp('http2');
        const m = REQUEST_LINE.exec(head.startLine);
        if (!m) throw new SniffError('bad request line');
        const method = m[1] as string;
        if (method === 'CONNECT') throw new GiveUp('tunnel');
        if (pending.length >= maxPending) throw new GiveUp('too-deep');
        const path = (m[2] as string).slice(0, maxPath);
        const detail = head.headers && options.detail?.();
        reqCurrent = { method, path, at: now(), done: false, wireBytes: 0, bodyBytes: 0 };
        if (detail && head.headers) {
          reqCurrent.headers = head.headers;
          reqCurrent.body = createBodyKeeper(detail.maxBodyBytes);
        }
        pending.push(reqCurrent);
        // A request body is only ever delimited by its headers; without them it has none.
        const framing = framingOf(head);
        if (framing === undefined || framing === 'eof') throw new SniffError('request body not delimited');
        return framing;
      },
      onComplete(stats) {
        if (!reqCurrent) return;
        reqCurrent.done = true;
        reqCurrent.wireBytes = stats.wireBytes;
        reqCurrent.bodyBytes = stats.bodyBytes;
        reqCurrent = undefined;
      },
      onBody: (data) => reqCurrent?.body?.add(data),
    },
    readerOptions,
  );

  const responses = createMessageReader(
    {
      firstByteOk: (b) => b === H,
      onHead(head) {
        const m = STATUS_LINE.exec(head.startLine);
        if (!m) throw new SniffError('bad status line');
        const status = Number(m[2]);
        const req = pending[0];
        if (!req) throw new SniffError('response without a request');
        if (status === 101) throw new GiveUp('upgrade');
        if (status < 200) {
          // 100 Continue and other interim responses precede the real one and have no body.
          interim = true;
          return 'none';
        }
        pending.shift();
        res = { req, status, version: m[1] as string, headAt: now() };
        const detail = head.headers && options.detail?.();
        if (detail && head.headers) {
          res.headers = head.headers;
          res.body = createBodyKeeper(detail.maxBodyBytes);
        }
        if (req.method === 'HEAD' || status === 204 || status === 304) return 'none';
        // Without a length (or with a transfer coding other than chunked last), a response runs until the server
        // closes the connection.
        if (head.transferEncoding === undefined && head.contentLength === undefined) return 'eof';
        return framingOf(head) ?? 'eof';
      },
      onComplete(stats) {
        if (interim) {
          interim = false;
          interimBytes += stats.wireBytes;
          return;
        }
        if (!res) return;
        const { req, status, version, headAt, headers, body } = res;
        res = undefined;
        const t = now();
        const responseBytes = stats.wireBytes + interimBytes;
        interimBytes = 0;
        const exchange: HttpExchange = {
          timestamp: new Date(req.at).toISOString(),
          method: req.method,
          path: req.path,
          status,
          httpVersion: version,
          durationMs: Math.max(0, t - req.at),
          ttfbMs: Math.max(0, headAt - req.at),
          // A response may finish before its request (an early 413): report what was sent so far.
          requestBytes: req.done ? req.wireBytes : requests.progress.wireBytes,
          responseBytes,
          requestBodyBytes: req.done ? req.bodyBytes : requests.progress.bodyBytes,
          responseBodyBytes: stats.bodyBytes,
          ...(req.headers && req.body ? { request: req.body.message(req.headers) } : {}),
          ...(headers && body ? { response: body.message(headers) } : {}),
        };
        try {
          options.onExchange(exchange);
        } catch {
          // The consumer's failure is not the connection's.
        }
      },
      onBody: (data) => {
        if (!interim) res?.body?.add(data);
      },
    },
    readerOptions,
  );

  function giveUp(why: GiveUpReason): false {
    throw new GiveUp(why);
  }
  function stop(why: GiveUpReason): void {
    reason ??= why;
    pending = [];
    reqCurrent = undefined;
    res = undefined;
  }
  function feed(reader: { feed(b: Buffer): void }, chunk: Buffer): void {
    if (reason !== undefined) return;
    try {
      reader.feed(chunk);
    } catch (err) {
      stop(err instanceof GiveUp ? err.why : 'malformed');
    }
  }

  return {
    client: (chunk) => feed(requests, chunk),
    server: (chunk) => feed(responses, chunk),
    end: () => {
      if (reason === undefined) {
        try {
          responses.eof();
        } catch {
          // Nothing more to report for this connection.
        }
      }
      stop('closed');
    },
    get active(): boolean {
      return reason === undefined;
    },
    get reason(): GiveUpReason | undefined {
      return reason;
    },
  };
}
