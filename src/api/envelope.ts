import type { NextFunction, Request, Response } from 'express';
import { ERROR_CODES, KubefwdError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../log/logger.ts';

/** The `{success, data, error, meta}` envelope, shared by the app and the server's shutdown path. */
export interface Meta {
  count?: number;
  total?: number;
  timestamp: string;
  requestId: string;
}

export function errorBody(code: ErrorCode, message: string, meta: Meta) {
  return { success: false as const, error: { code, message }, meta };
}

/** Request-scoped helpers the routers use; `now` is the app's injected clock. */
export function createResponder(now: () => number) {
  const meta = (res: Response, extra: { count?: number; total?: number } = {}): Meta => ({
    ...extra,
    timestamp: new Date(now()).toISOString(),
    requestId: String(res.getHeader('X-Request-Id') ?? ''),
  });
  return {
    meta,
    send(
      res: Response,
      data: unknown,
      options: { status?: number; count?: number; total?: number } = {},
    ): void {
      const extra = {
        ...(options.count === undefined ? {} : { count: options.count }),
        ...(options.total === undefined ? {} : { total: options.total }),
      };
      res.status(options.status ?? 200).json({ success: true, data, meta: meta(res, extra) });
    },
    /** Arrays carry meta.count. */
    sendList(res: Response, data: unknown[]): void {
      res.status(200).json({ success: true, data, meta: meta(res, { count: data.length }) });
    },
    sendError(res: Response, code: ErrorCode, message: string): void {
      res.status(ERROR_CODES[code].status).json(errorBody(code, message, meta(res)));
    },
  };
}

export type Responder = ReturnType<typeof createResponder>;

interface HttpishError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

/** Maps what body-parser, the router and handlers throw to one of our codes. */
export function classifyError(err: unknown): { code: ErrorCode; message: string } | undefined {
  if (err instanceof KubefwdError) return { code: err.code, message: err.message };
  const e = (typeof err === 'object' && err !== null ? err : {}) as HttpishError;
  switch (e.type) {
    case 'entity.too.large':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' };
    case 'entity.parse.failed':
      return { code: 'BAD_REQUEST', message: 'request body is not valid JSON' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported body encoding or charset' };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { code: 'BAD_REQUEST', message: 'request body could not be read' };
  }
  const status = Number(e.status ?? e.statusCode);
  if (err instanceof URIError || (status === 400 && /decod|URI/i.test(String(e.message))))
    return { code: 'BAD_REQUEST', message: 'malformed percent-encoding in the URL' };
  if (status === 400) return { code: 'BAD_REQUEST', message: 'bad request' };
  if (status === 413) return { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' };
  if (status === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported media type' };
  return undefined;
}

/** The one error middleware: any thrown error becomes the envelope with a stable code; stacks never leak. */
export function errorHandler(log: Logger, responder: Responder) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      // A stream already started (SSE): all we can do is end it.
      res.destroy();
      return;
    }
    const known = classifyError(err);
    if (known) {
      if (ERROR_CODES[known.code].status >= 500)
        log.warn({ code: known.code, method: req.method, path: req.path.slice(0, 200) }, known.message);
      responder.sendError(res, known.code, known.message);
      return;
    }
    log.error(
      {
        err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
        path: req.path.slice(0, 200),
      },
      'API request failed',
    );
    responder.sendError(res, 'INTERNAL_ERROR', 'internal error');
  };
}
