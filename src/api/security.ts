import type { NextFunction, Request, Response } from 'express';
import { sendError } from './envelope.ts';
import { callerOf, scopeAllows, type KeyRing, type Scope } from './keys.ts';

const OPEN = new Set(['/api/health', '/openapi.yaml', '/', '/favicon.ico']);

const isOpen = (path: string): boolean => OPEN.has(path) || path.startsWith('/docs');

/** Finds whose bearer token this is (res.locals.caller); refuses nothing, so what follows can count and record. */
export function identifyCaller(keys: KeyRing) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    res.locals.caller = keys.identify(m?.[1]);
    next();
  };
}

/**
 * A known key on everything but health, the spec and the docs; a read key may GET (which includes following
 * events), anything else needs scope control.
 */
/** Any valid key, whatever its scope (for /mcp, whose calls reach the REST API with that key). */
export function requireCaller(_req: Request, res: Response, next: NextFunction): void {
  if (!callerOf(res)) {
    sendError(res, 'UNAUTHORIZED', 'API key required: pass it as Authorization: Bearer <key>');
    return;
  }
  next();
}

export function requireScope(req: Request, res: Response, next: NextFunction): void {
  if (isOpen(req.path)) return next();
  const caller = callerOf(res);
  if (!caller) {
    sendError(res, 'UNAUTHORIZED', 'API key required: pass it as Authorization: Bearer <key>');
    return;
  }
  const need: Scope = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'control';
  if (!scopeAllows(caller.scope, need)) {
    sendError(
      res,
      'FORBIDDEN',
      `key "${caller.name}" has scope ${caller.scope}: ${req.method} ${req.path.slice(0, 200)} needs scope ${need}`,
    );
    return;
  }
  next();
}

const hostOnly = (host: string): string =>
  (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')).toLowerCase();

/** DNS rebinding: the Host header must name us. */
export function checkHost(allowed: string[]) {
  const set = new Set(allowed.map((h) => h.toLowerCase()));
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.headers.host;
    if (!host || !set.has(hostOnly(host))) {
      sendError(res, 'FORBIDDEN', `Host "${String(host ?? '').slice(0, 100)}" is not allowed`);
      return;
    }
    next();
  };
}

/** What a page on a local origin may read of an answer. */
const EXPOSED = [
  'X-Request-Id',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'Content-Disposition',
].join(', ');

const LOCAL_ORIGIN =
  /^https?:\/\/(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|kubefwd\.internal)(:\d+)?$/i;

/** CORS only for local origins; state changes from any other origin are refused (cross-site requests). */
export function checkOrigin(req: Request, res: Response, next: NextFunction): void {
  const origin = req.headers.origin;
  const local = origin !== undefined && LOCAL_ORIGIN.test(origin);
  if (local) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Last-Event-ID, X-Request-Id');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  }
  if (req.method === 'OPTIONS') {
    if (!local) {
      sendError(res, 'FORBIDDEN', 'cross-origin requests are only allowed from local origins');
      return;
    }
    res.status(204).end();
    return;
  }
  if (origin !== undefined && !local && req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 'FORBIDDEN', `requests from origin ${origin.slice(0, 100)} may not change state`);
    return;
  }
  next();
}
