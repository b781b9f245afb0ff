import { STATUS_CODES } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { request, type Dispatcher } from 'undici';

export type Query = Record<string, string | number | boolean | undefined>;

/**
 * The URL, headers and dispatcher of one request to the context's API server: its authentication, TLS and proxy
 * through client-node's `applySecurityAuthentication` (so the connections SharedTlsKubeConfig keeps alive).
 */
export async function prepareKubeRequest(
  kc: KubeConfig,
  method: 'GET' | 'POST',
  path: string,
  query: Query,
  accept = 'application/json',
): Promise<{ url: URL; headers: Record<string, string>; dispatcher: Dispatcher | undefined }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('No currently active cluster');
  const url = new URL(server.replace(/\/$/, '') + path);
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) url.searchParams.set(key, String(value));
  const ctx = new RequestContext(url.toString(), method === 'GET' ? HttpMethod.GET : HttpMethod.POST);
  ctx.setHeaderParam('Accept', accept);
  await kc.applySecurityAuthentication(ctx);
  return { url, headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher() };
}

/**
 * One request to a context's API server, made as client-node's Watch makes its requests (the context's
 * authentication, TLS and proxy through `applySecurityAuthentication`, so the connections kept alive by
 * SharedTlsKubeConfig), answered as the server's own text. The generated clients would rebuild every object of an
 * answer through their ObjectSerializer (a typed copy, timestamps as Dates: at 10,000 services ~0.5 s of CPU at
 * start and as much again in collections of the garbage it left), and loading them costs more than the daemon's own
 * code (client-node-slim.ts). A refusal throws client-node's ApiException (status in `code`, the Status body
 * as text), which fromKubeError reads.
 */
export async function kubeRequest(
  kc: KubeConfig,
  method: 'GET' | 'POST',
  path: string,
  options: { query?: Query; body?: unknown; accept?: string } = {},
): Promise<string> {
  const prepared = await prepareKubeRequest(kc, method, path, options.query ?? {}, options.accept);
  if (options.body !== undefined) prepared.headers['Content-Type'] = 'application/json';
  // undici's request rather than its fetch: no WHATWG Request, Response and abort-signal plumbing per call (fetch
  // took ~0.7 ms of CPU per list, ~0.2 s of a start with 300 lists).
  const response = await request(prepared.url, {
    method,
    headers: prepared.headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    dispatcher: prepared.dispatcher,
  });
  const text = await response.body.text();
  // The connection goes back to its pool a moment after the body's end: one turn of the event loop lets the request
  // that follows (a reflector's watch) take it instead of opening another one.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const status = response.statusCode;
  if (status < 200 || status > 299) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    throw new ApiException(status, STATUS_CODES[status] ?? 'Unknown API Status Code!', text, headers);
  }
  return text;
}

/** kubeRequest's answer parsed: objects as the API server sends them (timestamps as strings, as a watch has them). */
export async function kubeJson<T>(
  kc: KubeConfig,
  method: 'GET' | 'POST',
  path: string,
  options: { query?: Query; body?: unknown } = {},
): Promise<T> {
  return JSON.parse(await kubeRequest(kc, method, path, options)) as T;
}
