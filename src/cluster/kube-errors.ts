import { KubefwdError } from '../errors.ts';

interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

function bodyOf(err: { body?: unknown }): StatusBody | undefined {
  const body = err.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? body : undefined;
}

/** Translates a client-node failure (ApiException, fetch error) into our error codes, once, where it is caught. */
export function fromKubeError(err: unknown, what: string): KubefwdError {
  if (err instanceof KubefwdError) return err;
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  // ApiException carries `code`; a refused watch (client-node's Watch) carries `statusCode`.
  const status =
    typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const body = bodyOf(e);
  const text = body?.message ?? (typeof e.message === 'string' ? e.message.split('\n')[0] : String(err));
  const message = `${what}: ${text}`;
  if (status === 401)
    return new KubefwdError('K8S_FORBIDDEN', `${what}: unauthorized (${text})`, { cause: err });
  if (status === 403) return new KubefwdError('K8S_FORBIDDEN', message, { cause: err });
  if (status === 404) return new KubefwdError('K8S_NOT_FOUND', message, { cause: err });
  if (status === 429 || (status !== undefined && status >= 500))
    return new KubefwdError('K8S_UNAVAILABLE', message, { cause: err });
  if (status !== undefined) return new KubefwdError('K8S_ERROR', message, { cause: err });
  return new KubefwdError('K8S_UNAVAILABLE', message, { cause: err });
}

export function isForbidden(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  const code = e?.code ?? e?.statusCode;
  return code === 403 || code === 401 || (err instanceof KubefwdError && err.code === 'K8S_FORBIDDEN');
}
