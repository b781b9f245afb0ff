import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../contract/contract.ts';
import { ApiError } from './api-error.ts';
import { followEvents, type EventFollower, type FollowOptions } from './events.ts';
import { followLogs, type FollowLogsOptions } from './logs.ts';
import type { SseFollower } from './sse.ts';
import { followPodLog, type PodLogFollower, type PodLogFollowOptions } from './pod-logs.ts';

export interface KubefwdClientOptions {
  /** The daemon's API origin, e.g. `http://kubefwd.internal` or `http://127.2.27.1:80`. */
  baseUrl: string;
  /** Bearer key (admin, control or read scope). */
  apiKey?: string | undefined;
  /** Defaults to the global fetch. */
  fetch?: typeof globalThis.fetch | undefined;
}

/** What openapi-fetch resolves a call to. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Distributes over a union of answers (a route with JSON and text/plain ones unwraps only the envelope). */
type Unwrapped<B> = B extends { data: infer D } ? D : B;
type EnvelopeData<T> = Unwrapped<NonNullable<T>>;

export interface KubefwdClient {
  readonly baseUrl: string;
  /** The typed openapi-fetch client: `api.GET('/api/v1/services', { params: { query: { limit: 10 } } })`. */
  readonly api: Client<paths>;
  /** Awaits a call, returns the envelope's `data`; rejects with ApiError on an error envelope or no answer. */
  call<T>(request: Promise<FetchResult<T>>): Promise<EnvelopeData<T>>;
  /** Follows `/api/v1/events` (SSE), resuming with Last-Event-ID after a drop. */
  events(options: FollowOptions): EventFollower;
  /** Follows the daemon's log as it is written (`/api/v1/logs/stream`). */
  logs(options: FollowLogsOptions): SseFollower;
  /** Follows a pod's log (SSE): the last lines, then each new one. */
  podLog(options: PodLogFollowOptions): PodLogFollower;
}

/** The one typed way to talk to a daemon, used by the CLI faces, the MCP server, the console and the tests. */
export function createKubefwdClient(options: KubefwdClientOptions): KubefwdClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const authorized: typeof globalThis.fetch = (input, init) => {
    if (!options.apiKey) return fetchImpl(input, init);
    const request = new Request(input, init);
    request.headers.set('Authorization', `Bearer ${options.apiKey}`);
    return fetchImpl(request);
  };
  const api = createClient<paths>({ baseUrl, fetch: authorized });
  return {
    baseUrl,
    api,
    call: (request) => unwrap(request, baseUrl),
    events: (follow) => followEvents({ baseUrl, fetch: authorized, ...follow }),
    logs: (follow) => followLogs({ baseUrl, fetch: authorized, ...follow }),
    podLog: (follow) => followPodLog({ baseUrl, fetch: authorized, ...follow }),
  };
}

async function unwrap<T>(request: Promise<FetchResult<T>>, baseUrl: string): Promise<EnvelopeData<T>> {
  let result: FetchResult<T>;
  try {
    result = await request;
  } catch (err) {
    throw new ApiError('API_UNAVAILABLE', `kubefwd API at ${baseUrl} is not reachable: ${causeText(err)}`, {
      cause: err,
    });
  }
  const { response } = result;
  const requestId = response.headers.get('X-Request-Id') ?? undefined;
  if (result.error !== undefined || !response.ok) {
    const e = (result.error ?? {}) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof e.error?.code === 'string' ? e.error.code : 'BAD_RESPONSE';
    const message =
      typeof e.error?.message === 'string'
        ? e.error.message
        : `HTTP ${response.status} ${response.statusText}`;
    throw new ApiError(code, message, { status: response.status, ...(requestId ? { requestId } : {}) });
  }
  const body = result.data as unknown;
  if (body && typeof body === 'object' && 'success' in body) {
    return (body as { data?: unknown }).data as EnvelopeData<T>;
  }
  return body as EnvelopeData<T>;
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
