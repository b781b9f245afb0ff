import type { NextFunction, Request, Response } from 'express';
import { ERROR_CODES, KubefwdError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { OkData, OperationId } from '../contract/contract.ts';

export function requestId(res: Response): string {
  return String(res.getHeader('X-Request-Id') ?? '');
}

export interface SendOptions {
  status?: 200 | 201 | 202;
  /** Items in this answer (lists). */
  count?: number;
  /** Items that matched before paging (lists). */
  total?: number;
  /** `cache`: the daemon's informer state; `apiserver`: a live call to the Kubernetes API server. */
  source?: 'cache' | 'apiserver';
  /** The cache lags its watch (a reflector is resyncing or reconnecting). */
  stale?: boolean;
}

/**
 * `{success, data, error, meta}` on every route but /api/health. `op` names the operation of openapi.yaml the route
 * implements, and `data` must have the type generated from its success schema: drift between a route and the
 * spec fails the type check.
 */
export function send<Op extends OperationId>(
  res: Response,
  _op: Op,
  data: OkData<Op>,
  options: SendOptions = {},
): void {
  res.status(options.status ?? 200).json({ success: true, data, meta: metaOf(res, options) });
}

/** The envelope's `meta`: the options but `status`, the time and the request id. */
function metaOf(res: Response, options: SendOptions) {
  const { status: _status, ...meta } = options;
  return { ...meta, timestamp: new Date().toISOString(), requestId: requestId(res) };
}

/**
 * send() for an answer whose data is UTF-8 JSON already, in parts (lists written from kept item texts): the same
 * envelope, byte for byte, as send() would write for the parsed data. The parts go to the socket as they are, in one
 * write of many buffers, not copied into one body first: a page of 1,000 services made a 1.2 MB buffer a request,
 * and those buffers, freed only by the full collections their external memory brought on, held V8's global heap
 * at ~750 MB (--trace-incremental-marking) and started a full collection every few seconds of list requests.
 */
export function sendJson(res: Response, data: Buffer[], options: SendOptions = {}): void {
  const metaJson = JSON.stringify(metaOf(res, options));
  const parts = [ENVELOPE_HEAD, ...data, Buffer.from(`,"meta":${metaJson}}`)];
  let length = 0;
  for (const part of parts) length += part.length;
  res
    .status(options.status ?? 200)
    .set('Content-Type', 'application/json; charset=utf-8')
    .set('Content-Length', String(length));
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  res.cork();
  for (const part of parts) res.write(part);
  res.end();
}

const ENVELOPE_HEAD = Buffer.from('{"success":true,"data":');

export function sendError(res: Response, code: ErrorCode, message: string): void {
  // For the audit trail, which records the code of a refused state change.
  res.locals.errorCode = code;
  res.status(ERROR_CODES[code].status).json({
    success: false,
    error: { code, message },
    meta: { timestamp: new Date().toISOString(), requestId: requestId(res) },
  });
}

/** The one error middleware: any thrown error becomes the envelope with a stable code; no stack leaks. */
export function errorHandler(log: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (err instanceof KubefwdError) return sendError(res, err.code, err.message);
    if (e?.type === 'entity.too.large') return sendError(res, 'PAYLOAD_TOO_LARGE', 'request body too large');
    if (e?.type === 'entity.parse.failed')
      return sendError(res, 'BAD_REQUEST', 'request body is not valid JSON');
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported encoding');
    if (err instanceof URIError || (e?.status === 400 && /decode/i.test(e.message ?? '')))
      return sendError(res, 'BAD_REQUEST', 'malformed URL encoding');
    if (e?.status === 400) return sendError(res, 'BAD_REQUEST', 'bad request');
    log.error({ err: e?.message ?? String(err) }, 'API request failed');
    sendError(res, 'INTERNAL_ERROR', 'internal error');
  };
}

export const bad = (message: string): KubefwdError => new KubefwdError('BAD_REQUEST', message);
export const notFound = (message: string): KubefwdError => new KubefwdError('NOT_FOUND', message);

/** Meta of an answer made from the daemon's informer state. */
export const fromCache = (views: { cacheStale(): boolean }): SendOptions => ({
  source: 'cache',
  stale: views.cacheStale(),
});

/** Meta of a list: `count` in this answer, `total` before paging. */
export const listMeta = (count: number, total: number = count, extra: SendOptions = {}): SendOptions => ({
  ...extra,
  count,
  total,
});

export const LIVE: SendOptions = { source: 'apiserver' };

/** Bounded integer query parameter. */
export function intParam(value: unknown, name: string, def: number, min: number, max: number): number {
  if (value === undefined || value === '') return def;
  if (typeof value !== 'string' || !/^-?\d{1,9}$/.test(value)) throw bad(`${name} must be an integer`);
  const n = Number(value);
  if (n < min || n > max) throw bad(`${name} must be between ${min} and ${max}`);
  return n;
}

export function strParam(
  value: unknown,
  name: string,
  pattern = /^[A-Za-z0-9._:/@-]{1,253}$/,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw bad(`invalid ${name}`);
  return value;
}

export const RFC1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Pod and object names: lowercase RFC 1123 subdomains. */
export function subdomainParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SUBDOMAIN.test(value))
    throw bad(`${what} must be a lowercase RFC 1123 subdomain`);
  return value;
}

export function nameParam(value: unknown, what: string): string {
  if (typeof value !== 'string' || !RFC1123.test(value))
    throw bad(`${what} must be a lowercase RFC 1123 label`);
  return value;
}

/** Paging as the original: limit (1..1000, default 100), offset, search (case-insensitive substring, lowercased). */
export function pageParams(query: Request['query']): {
  limit: number;
  offset: number;
  search: string | undefined;
} {
  return {
    limit: intParam(query.limit, 'limit', 100, 1, 1000),
    offset: intParam(query.offset, 'offset', 0, 0, 1_000_000),
    search: typeof query.search === 'string' ? query.search.toLowerCase().slice(0, 200) : undefined,
  };
}

/** One page of `items` (see pageParams); `total` counts the items the search matched. */
export function page<T>(
  items: T[],
  query: Request['query'],
  text: (item: T) => string,
): { items: T[]; total: number } {
  const { limit, offset, search } = pageParams(query);
  const filtered = search ? items.filter((i) => text(i).toLowerCase().includes(search)) : items;
  return { items: filtered.slice(offset, offset + limit), total: filtered.length };
}
