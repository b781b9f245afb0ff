import { ApiError } from '../client/api-error.ts';

/**
 * The MCP server's error codes: the original kubefwd's, so prompts and clients written for it keep working. A tool
 * answers them as tool errors (`isError: true`) the model reads and can act on, never as protocol errors.
 */
export const TOOL_ERROR_CODES = [
  'connection_refused',
  'timeout',
  'pod_not_found',
  'service_not_found',
  'namespace_not_found',
  'permission_denied',
  'api_unavailable',
  'invalid_input',
  'provider_unavailable',
  'network_error',
  'already_exists',
  'not_forwarding',
  'internal_error',
] as const;

export type ToolErrorCode = (typeof TOOL_ERROR_CODES)[number];

export interface SuggestedAction {
  /** A tool to call, when one helps. */
  action?: string;
  params?: Record<string, unknown>;
  hint: string;
}

/** A failure a tool reports: the code, what happened, and what to do about it. */
export class ToolError extends Error {
  readonly code: ToolErrorCode;
  readonly hint: string | undefined;
  readonly retryRecommended: boolean;
  readonly suggestedActions: SuggestedAction[];

  constructor(
    code: ToolErrorCode,
    message: string,
    options: { hint?: string; retry?: boolean; actions?: SuggestedAction[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.hint = options.hint;
    this.retryRecommended = options.retry ?? false;
    this.suggestedActions = options.actions ?? [];
  }
}

export const invalidInput = (field: string, requirement: string): ToolError =>
  new ToolError('invalid_input', `invalid value for '${field}': ${requirement}`, {
    hint: `Call again with a valid '${field}'.`,
  });

/** What a tool does when the daemon says "not found": which code, and how to find the right name. */
export interface NotFoundAs {
  code: Extract<
    ToolErrorCode,
    'service_not_found' | 'namespace_not_found' | 'pod_not_found' | 'not_forwarding'
  >;
  actions?: SuggestedAction[];
}

/** The usual meanings of "not found", with the tool that finds the right name. */
export const SERVICE_NOT_FOUND: NotFoundAs = {
  code: 'service_not_found',
  actions: [
    { action: 'list_services', hint: 'List the forwarded services and their keys' },
    { action: 'find_services', hint: 'Search forwarded services by name' },
  ],
};
export const NAMESPACE_NOT_FOUND: NotFoundAs = {
  code: 'namespace_not_found',
  actions: [{ action: 'list_k8s_namespaces', hint: 'List the namespaces of the cluster' }],
};
export const POD_NOT_FOUND: NotFoundAs = {
  code: 'pod_not_found',
  actions: [{ action: 'list_pods', hint: 'List the pods of the namespace' }],
};

export const notFoundError = (as: NotFoundAs, message: string): ToolError =>
  new ToolError(as.code, message, { actions: as.actions ?? [] });

/** Where the key came from and where the daemon is, for messages that say how to fix a connection. */
export interface ConnectionHints {
  baseUrl: string;
  keySource: string;
}

/** Translates a failed API call into the tool error a model can act on. */
export function toToolError(
  err: unknown,
  notFound: NotFoundAs | undefined,
  conn: ConnectionHints,
): ToolError {
  if (err instanceof ToolError) return err;
  if (!(err instanceof ApiError)) {
    return new ToolError('internal_error', err instanceof Error ? err.message : String(err), { retry: true });
  }
  switch (err.code) {
    case 'API_UNAVAILABLE':
      return new ToolError('api_unavailable', err.message, {
        retry: true,
        hint:
          `No kubefwd daemon answers at ${conn.baseUrl}. Start one in another terminal with: sudo -E kubefwd ` +
          `(idle mode, REST API on), or point this server at it with --api-url.`,
        actions: [{ hint: 'Start kubefwd: sudo -E kubefwd' }, { action: 'get_health', hint: 'Check again' }],
      });
    case 'UNAUTHORIZED':
      return new ToolError(
        'permission_denied',
        `the kubefwd API refused the key (${describeKey(conn)}): ${err.message}`,
        {
          hint:
            'Pass the daemon key with --api-key or KUBEFWD_API_KEY; the daemon keeps a generated key in ' +
            'STATE_DIR/api-key (default /var/lib/kubefwd/api-key, readable by root).',
        },
      );
    case 'FORBIDDEN':
    case 'K8S_FORBIDDEN':
      return new ToolError('permission_denied', err.message, {
        hint: 'The key or the Kubernetes credentials lack the permission for this call.',
        actions: [{ action: 'list_contexts', hint: 'Check that the right context is used' }],
      });
    case 'NOT_FOUND':
    case 'K8S_NOT_FOUND':
      return new ToolError(notFound?.code ?? 'service_not_found', err.message, {
        actions: notFound?.actions ?? [{ action: 'list_services', hint: 'List the forwarded services' }],
      });
    case 'ALREADY_EXISTS':
    case 'CONFLICT':
    case 'PORT_IN_USE':
      return new ToolError('already_exists', err.message, {
        actions: [{ action: 'list_services', hint: 'List the existing forwards' }],
      });
    case 'BAD_REQUEST':
    case 'CONFIG_INVALID':
    case 'UNSUPPORTED':
    case 'PAYLOAD_TOO_LARGE':
      return new ToolError('invalid_input', err.message);
    case 'TIMEOUT':
      return new ToolError('timeout', err.message, { retry: true });
    case 'K8S_UNAVAILABLE':
    case 'K8S_ERROR':
      return new ToolError('network_error', err.message, {
        retry: true,
        hint: 'The Kubernetes API server did not answer as expected.',
      });
    case 'NOT_READY':
    case 'SHUTTING_DOWN':
      return new ToolError('provider_unavailable', err.message, { retry: true });
    default:
      return new ToolError('internal_error', `${err.code}: ${err.message}`, { retry: true });
  }
}

const describeKey = (conn: ConnectionHints): string =>
  conn.keySource === 'none' ? 'no key was found' : `key from ${conn.keySource}`;

/** The tool result for a failure: `code: message` first, so a model and a test read the code at once. */
export function toolErrorResult(error: ToolError) {
  const lines = [`${error.code}: ${error.message}`];
  if (error.hint) lines.push(error.hint);
  return {
    isError: true as const,
    content: [{ type: 'text' as const, text: lines.join('\n') }],
    structuredContent: {
      error: {
        code: error.code,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
        retry_recommended: error.retryRecommended,
        suggested_actions: error.suggestedActions,
      },
    },
  };
}
