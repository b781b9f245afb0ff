import {
  createBodyKeeper,
  type BodyKeeper,
  type CapturedMessage,
  type DetailOptions,
} from './capture-detail.ts';
import {
  MessageReader,
  SniffError,
  type Framing,
  type MessageHead,
  type MessageHooks,
  type MessageStats,
} from './http-message-reader.ts';

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
  client(chunk: Buffer): void;
  /** Feeds a copy of bytes from the server to the client. */
  server(chunk: Buffer): void;
  /** The connection closed. */
  end(): void;
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

interface Response {
  req: Pending;
  status: number;
  version: string;
  headAt: number;
  headers?: Array<[string, string]>;
  body?: BodyKeeper;
}

const giveUp = (why: GiveUpReason): false => {
  throw new GiveUp(why);
};

/** The request side's hooks: a small object that hands each event to its sniffer. */
class RequestHooks implements MessageHooks {
  readonly s: Sniffer;
  constructor(s: Sniffer) {
    this.s = s;
  }
  firstByteOk(b: number): boolean {
    return b === 0x16 ? giveUp('tls') : b >= 0x41 && b <= 0x5a;
  }
  onHead(head: MessageHead): Framing {
    return this.s.requestHead(head);
  }
  onComplete(stats: MessageStats): void {
    this.s.requestComplete(stats);
  }
  onBody(data: Buffer): void {
    this.s.reqCurrent?.body?.add(data);
  }
}

class ResponseHooks implements MessageHooks {
  readonly s: Sniffer;
  constructor(s: Sniffer) {
    this.s = s;
  }
  firstByteOk(b: number): boolean {
    return b === H;
  }
  onHead(head: MessageHead): Framing {
    return this.s.responseHead(head);
  }
  onComplete(stats: MessageStats): void {
    this.s.responseComplete(stats);
  }
  onBody(data: Buffer): void {
    this.s.responseBody(data);
  }
}

/**
 * One connection's sniffer. A class with its state in fields: one is made per forwarded connection, and the closures
 * of a factory (a dozen, plus their contexts) were most of what a connection left for the young-generation collector
 * to copy.
 */
class Sniffer implements HttpSniffer {
  readonly #options: HttpSnifferOptions;
  readonly #now: () => number;
  readonly #requests: MessageReader;
  readonly #responses: MessageReader;
  #reason: GiveUpReason | undefined;
  #pending: Pending[] = [];
  reqCurrent: Pending | undefined;
  #res: Response | undefined;
  #interim = false;
  /** Wire bytes of interim (1xx) responses, counted into the final response they precede. */
  #interimBytes = 0;

  constructor(options: HttpSnifferOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const readerOptions = {
      maxHeadBytes: options.maxHeadBytes ?? 16 * 1024,
      keepHeaders: options.detail ? () => options.detail?.() !== undefined : undefined,
    };
    this.#requests = new MessageReader(new RequestHooks(this), readerOptions);
    this.#responses = new MessageReader(new ResponseHooks(this), readerOptions);
  }

  requestHead(head: MessageHead): Framing {
    if (head.startLine.startsWith('PRI * HTTP/2')) throw new GiveUp('http2');
    const m = REQUEST_LINE.exec(head.startLine);
    if (!m) throw new SniffError('bad request line');
    const method = m[1] as string;
    if (method === 'CONNECT') throw new GiveUp('tunnel');
    if (this.#pending.length >= (this.#options.maxPending ?? 100)) throw new GiveUp('too-deep');
    const path = (m[2] as string).slice(0, this.#options.maxPathLength ?? 2048);
    const detail = head.headers && this.#options.detail?.();
    const req: Pending = { method, path, at: this.#now(), done: false, wireBytes: 0, bodyBytes: 0 };
    if (detail && head.headers) {
      req.headers = head.headers;
      req.body = createBodyKeeper(detail.maxBodyBytes);
    }
    this.reqCurrent = req;
    this.#pending.push(req);
    // A request body is only ever delimited by its headers; without them it has none.
    const framing = framingOf(head);
    if (framing === undefined || framing === 'eof') throw new SniffError('request body not delimited');
    return framing;
  }

  requestComplete(stats: MessageStats): void {
    const req = this.reqCurrent;
    if (!req) return;
    req.done = true;
    req.wireBytes = stats.wireBytes;
    req.bodyBytes = stats.bodyBytes;
    this.reqCurrent = undefined;
  }

  responseHead(head: MessageHead): Framing {
    const m = STATUS_LINE.exec(head.startLine);
    if (!m) throw new SniffError('bad status line');
    const status = Number(m[2]);
    const req = this.#pending[0];
    if (!req) throw new SniffError('response without a request');
    if (status === 101) throw new GiveUp('upgrade');
    if (status < 200) {
      // 100 Continue and other interim responses precede the real one and have no body.
      this.#interim = true;
      return 'none';
    }
    this.#pending.shift();
    const res: Response = { req, status, version: m[1] as string, headAt: this.#now() };
    const detail = head.headers && this.#options.detail?.();
    if (detail && head.headers) {
      res.headers = head.headers;
      res.body = createBodyKeeper(detail.maxBodyBytes);
    }
    this.#res = res;
    if (req.method === 'HEAD' || status === 204 || status === 304) return 'none';
    // Without a length (or with a transfer coding other than chunked last), a response runs until the server
    // closes the connection.
    if (head.transferEncoding === undefined && head.contentLength === undefined) return 'eof';
    return framingOf(head) ?? 'eof';
  }

  responseBody(data: Buffer): void {
    if (!this.#interim) this.#res?.body?.add(data);
  }

  responseComplete(stats: MessageStats): void {
    if (this.#interim) {
      this.#interim = false;
      this.#interimBytes += stats.wireBytes;
      return;
    }
    const res = this.#res;
    if (!res) return;
    const { req, status, version, headAt, headers, body } = res;
    this.#res = undefined;
    const t = this.#now();
    const responseBytes = stats.wireBytes + this.#interimBytes;
    this.#interimBytes = 0;
    const sent = req.done ? undefined : this.#requests.progress;
    const exchange: HttpExchange = {
      timestamp: new Date(req.at).toISOString(),
      method: req.method,
      path: req.path,
      status,
      httpVersion: version,
      durationMs: Math.max(0, t - req.at),
      ttfbMs: Math.max(0, headAt - req.at),
      // A response may finish before its request (an early 413): report what was sent so far.
      requestBytes: sent ? sent.wireBytes : req.wireBytes,
      responseBytes,
      requestBodyBytes: sent ? sent.bodyBytes : req.bodyBytes,
      responseBodyBytes: stats.bodyBytes,
      ...(req.headers && req.body ? { request: req.body.message(req.headers) } : {}),
      ...(headers && body ? { response: body.message(headers) } : {}),
    };
    try {
      this.#options.onExchange(exchange);
    } catch {
      // The consumer's failure is not the connection's.
    }
  }

  #stop(why: GiveUpReason): void {
    this.#reason ??= why;
    this.#pending = [];
    this.reqCurrent = undefined;
    this.#res = undefined;
  }

  #feed(reader: MessageReader, chunk: Buffer): void {
    if (this.#reason !== undefined) return;
    try {
      reader.feed(chunk);
    } catch (err) {
      this.#stop(err instanceof GiveUp ? err.why : 'malformed');
    }
  }

  client(chunk: Buffer): void {
    this.#feed(this.#requests, chunk);
  }

  server(chunk: Buffer): void {
    this.#feed(this.#responses, chunk);
  }

  end(): void {
    if (this.#reason === undefined) {
      try {
        this.#responses.eof();
      } catch {
        // Nothing more to report for this connection.
      }
    }
    this.#stop('closed');
  }

  get active(): boolean {
    return this.#reason === undefined;
  }

  get reason(): GiveUpReason | undefined {
    return this.#reason;
  }
}

export const createHttpSniffer = (options: HttpSnifferOptions): HttpSniffer => new Sniffer(options);
