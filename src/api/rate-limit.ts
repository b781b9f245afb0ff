import type { RequestHandler } from 'express';
import { MemoryStore, ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { sendError } from './envelope.ts';
import { callerOf } from './keys.ts';

export interface RateLimitConfig {
  /** Requests per window per caller; 0 turns limiting off. */
  limit: number;
  windowMs: number;
}

/**
 * Generous for a local tool: a console polling a handful of routes every second uses ~300 a minute; a runaway
 * script is stopped within the minute.
 */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 6000, windowMs: 60_000 };

export interface ApiRateLimit {
  middleware: RequestHandler;
  close(): void;
}

/**
 * One fixed-window budget per caller: per API key for requests that carry a valid key, per client address for the
 * rest (health, the spec, wrong keys: so a key cannot be guessed at full speed). Every answer carries k13d's
 * `X-RateLimit-*` fields and the IETF `RateLimit` / `RateLimit-Policy` fields (draft 8 and later); past the limit,
 * 429 `RATE_LIMITED` in the envelope with `Retry-After`. A request counts once when it arrives, so an open SSE
 * stream is one request however long it lasts.
 */
export function createRateLimit(config: RateLimitConfig): ApiRateLimit {
  if (config.limit <= 0) return { middleware: (_req, _res, next) => next(), close: () => undefined };
  const store = new MemoryStore();
  const windowText = `${Math.ceil(config.windowMs / 1000)}s`;
  const middleware = rateLimit({
    windowMs: config.windowMs,
    limit: config.limit,
    store,
    standardHeaders: 'draft-8',
    legacyHeaders: true,
    identifier: 'kubefwd',
    keyGenerator: (req, res) => {
      const caller = callerOf(res);
      return caller ? `key:${caller.name}` : `addr:${ipKeyGenerator(req.socket.remoteAddress ?? '')}`;
    },
    handler: (_req, res) => {
      const caller = callerOf(res);
      sendError(
        res,
        'RATE_LIMITED',
        `rate limit of ${config.limit} requests per ${windowText} reached for ${caller ? `key "${caller.name}"` : 'this address'}; retry after ${String(res.getHeader('Retry-After') ?? '?')} s`,
      );
    },
    // Loopback only, no proxy in front: the socket's address is the client's.
    validate: { trustProxy: false, xForwardedForHeader: false },
  });
  return { middleware, close: () => store.shutdown() };
}
