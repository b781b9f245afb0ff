import type { Request, RequestHandler, Response } from 'express';
import type { AuditOutcome, AuditRecorder } from '../audit/types.ts';
import { requestId } from './envelope.ts';
import type { OperationIndex } from './operations.ts';
import { callerOf } from './keys.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The spec's tags name collections; an audit resource names one thing of a kind. */
const KIND: Record<string, string> = { services: 'service', namespaces: 'namespace', logs: 'logs' };

const outcomeOf = (status: number): AuditOutcome =>
  status < 400 ? 'success' : status === 401 || status === 403 || status === 429 ? 'denied' : 'failure';

function bodyOf(req: Request): Record<string, unknown> | undefined {
  const body = req.body as unknown;
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/** `kind/name`: the key in the path, else the names in the body (`service/web.alpha`), else the kind alone. */
function resourceOf(kind: string, params: Record<string, string>, body: Record<string, unknown> | undefined) {
  const key = params.key ?? Object.values(params).join('/');
  if (key) return `${kind}/${key}`;
  const names = [body?.service_name ?? body?.serviceName, body?.namespace, body?.context].filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  return names.length > 0 ? `${kind}/${names.join('.').slice(0, 300)}` : kind;
}

/**
 * Records every state-changing call of the contract made with a valid key once its answer is sent: who (the key's
 * name), which operation, on what, the outcome (refusals of the key's scope included), and the request's id. Calls
 * without a valid key and calls the rate limiter refused are not recorded: rotation keeps the newest entries, so
 * anyone able to add entries without bound could push the real ones out; a key holder's entries are bounded by the
 * rate limit and carry their name.
 */
export function auditTrail(recorder: AuditRecorder, operations: OperationIndex): RequestHandler {
  return (req, res, next) => {
    if (SAFE.has(req.method) || !callerOf(res)) return next();
    const op = operations.match(req.method, req.path);
    if (!op) return next();
    res.on('finish', () => record(req, res));
    next();
  };

  function record(req: Request, res: Response): void {
    const op = operations.match(req.method, req.path);
    const caller = callerOf(res);
    if (!op || !caller) return;
    const body = bodyOf(req);
    const error = res.locals.errorCode as string | undefined;
    recorder.record({
      actor: caller.name,
      action: op.operationId,
      resource: resourceOf(KIND[op.tag ?? ''] ?? op.tag ?? 'api', op.params, body),
      outcome: outcomeOf(res.statusCode),
      requestId: requestId(res) || null,
      details: {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ...(error ? { error } : {}),
        ...(Object.keys(req.query).length > 0 ? { query: req.query } : {}),
        ...(body ? { body } : {}),
        client: req.socket.remoteAddress ?? null,
      },
    });
  }
}
