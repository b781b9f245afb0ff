/**
 * The one registry of error codes. Every error the daemon reports carries one of these codes; the HTTP status and
 * default message live here so the API's envelope, the OpenAPI spec and the CLI agree. Codes are never recycled.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, message: 'Invalid request' },
  UNAUTHORIZED: { status: 401, message: 'API key required. Pass it as Authorization: Bearer <key>' },
  FORBIDDEN: { status: 403, message: 'Forbidden' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  CONFLICT: { status: 409, message: 'Conflict with the current state' },
  ALREADY_EXISTS: { status: 409, message: 'Already exists' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  INTERNAL_ERROR: { status: 500, message: 'Internal error' },
  K8S_FORBIDDEN: { status: 403, message: 'Kubernetes denied the request' },
  K8S_NOT_FOUND: { status: 404, message: 'Kubernetes object not found' },
  K8S_UNAVAILABLE: { status: 502, message: 'Kubernetes API server unavailable' },
  K8S_ERROR: { status: 502, message: 'Kubernetes API server error' },
  NOT_READY: { status: 503, message: 'Not ready yet' },
  SHUTTING_DOWN: { status: 503, message: 'Shutting down' },
  TIMEOUT: { status: 504, message: 'Timed out' },
  UNSUPPORTED: { status: 422, message: 'Not supported' },
  CONFIG_INVALID: { status: 400, message: 'Invalid configuration' },
  HOSTS_FILE_ERROR: { status: 500, message: 'Hosts file error' },
  PORT_IN_USE: { status: 409, message: 'Local address already in use' },
  IP_EXHAUSTED: { status: 507, message: 'No loopback IP left to allocate' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class KubefwdError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(
      message ?? ERROR_CODES[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'KubefwdError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options?.details;
  }
}

export function isKubefwdError(err: unknown): err is KubefwdError {
  return err instanceof KubefwdError;
}

/** A one-line description of any thrown value, for logs and CLI output. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
