import type { RequestHandler } from 'express';

/**
 * A handler whose module is imported at its first request instead of at start: the MCP endpoint (with the MCP SDK,
 * zod and the typed client) and Swagger UI cost ~0.3 s of CPU and ~25 MB to load, and a daemon forwarding services
 * may never serve them. `load` runs once; a load that fails answers that request with the error and is retried at
 * the next one.
 */
export function lazyHandler(load: () => Promise<RequestHandler>): RequestHandler {
  let loading: Promise<RequestHandler> | undefined;
  return (req, res, next) => {
    const pending = (loading ??= load());
    pending.then(
      (h) => h(req, res, next),
      (err: unknown) => {
        loading = undefined;
        next(err);
      },
    );
  };
}

/** `make()` on first use, then the same value. */
export function lazyValue<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
