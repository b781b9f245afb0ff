import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './envelope.ts';

const OPEN = new Set(['/api/health', '/openapi.yaml', '/', '/favicon.ico']);

/** Bearer token on everything but health, the spec and the docs; constant-time comparison. */
export function requireToken(apiKey: string) {
  const expected = Buffer.from(apiKey);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (OPEN.has(req.path) || req.path.startsWith('/docs')) return next();
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      sendError(res, 'UNAUTHORIZED', 'API key required: pass it as Authorization: Bearer <key>');
      return;
    }
    next();
  };
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
