/** Client-side codes beside the daemon's own (`ErrorCode` in openapi.yaml). */
export type ClientErrorCode = 'API_UNAVAILABLE' | 'BAD_RESPONSE';

/**
 * A failed call: the daemon's error envelope (`code`, `message`, HTTP `status`), or a client-side failure
 * (`API_UNAVAILABLE` when nothing answers, `BAD_RESPONSE` when the answer is not the envelope).
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;

  constructor(
    code: string,
    message: string,
    options: { status?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = options.status ?? 0;
    this.requestId = options.requestId;
  }
}
