import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Responder } from './envelope.ts';

/** Paths served without the token: probes, the spec and the docs UI. */
export function isOpenPath(path: string): boolean {
  return (
    path === '/api/health' ||
    path === '/openapi.yaml' ||
    path === '/' ||
    path === '/docs' ||
    path.startsWith('/docs/')
  );
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Bearer token on everything but the open paths; compared in constant time (hashes, so length does not leak). */
export function requireToken(apiKey: string, responder: Responder) {
  if (apiKey.length === 0) throw new Error('the API key must not be empty');
  const expected = digest(apiKey);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isOpenPath(req.path)) return next();
    const header = req.headers.authorization;
    if (!header) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="kubefwd"');
      return responder.sendError(
        res,
        'UNAUTHORIZED',
        'API key required. Pass it as Authorization: Bearer <key>',
      );
    }
    const m = /^Bearer +(\S+) *$/i.exec(header);
    if (!m || !timingSafeEqual(digest(m[1] as string), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="kubefwd", error="invalid_token"');
      return responder.sendError(res, 'UNAUTHORIZED', 'Invalid API key');
    }
    next();
  };
}

/** The host part of a Host header or URL authority, lowercased, IPv6 kept in brackets. */
export function hostPart(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) return a.slice(0, a.indexOf(']') + 1);
  return a.replace(/:\d{0,5}$/, '');
}

function hostSet(allowed: readonly string[]): Set<string> {
  return new Set(
    allowed.map((h) =>
      hostPart(h.includes(':') && !h.startsWith('[') && h.split(':').length > 2 ? `[${h}]` : h),
    ),
  );
}

/** DNS rebinding: the Host header must name us (with or without a port). */
export function checkHost(allowed: readonly string[], responder: Responder) {
  const set = hostSet(allowed);
  return (req: Request, res: Response, next: NextFunction): void => {
    const host = req.headers.host;
    if (!host || !/^[A-Za-z0-9.\-[\]:]{1,300}$/.test(host) || !set.has(hostPart(host))) {
      return responder.sendError(
        res,
        'FORBIDDEN',
        `Host "${String(host ?? '').slice(0, 100)}" is not one of kubefwd's names (DNS rebinding protection)`,
      );
    }
    next();
  };
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-origin requests: CORS headers only for origins that name us; a state-changing request (or preflight) from
 * any other origin — including the opaque `null` — is refused.
 */
export function checkOrigin(allowed: readonly string[], responder: Responder) {
  const set = hostSet(allowed);
  const isLocal = (origin: string): boolean => {
    const m = /^https?:\/\/([^/]+)$/i.exec(origin);
    return m !== null && set.has(hostPart(m[1] as string));
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (req.method === 'OPTIONS') return void res.status(204).end();
      return next();
    }
    const local = isLocal(origin);
    if (local) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader(
        'Access-Control-Allow-Headers',
        'Authorization, Content-Type, Last-Event-ID, X-Request-Id',
      );
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    if (!local && !SAFE.has(req.method))
      return responder.sendError(
        res,
        'FORBIDDEN',
        `requests from origin ${origin.slice(0, 100)} may not change state`,
      );
    if (req.method === 'OPTIONS') {
      if (!local)
        return responder.sendError(
          res,
          'FORBIDDEN',
          'cross-origin requests are only allowed from kubefwd itself',
        );
      return void res.status(204).end();
    }
    next();
  };
}
