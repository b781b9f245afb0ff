import http from 'node:http';
import { createApiApp, type ApiAppOptions, type ApiRequestObservation } from '../../src/api/app.ts';
import { createApiServer } from '../../src/api/server.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createFakeViews, type FakeOptions } from './api-fakes.ts';
import { templateOf, validateResponse } from './openapi.ts';

export const API_KEY = 'test-key-0123456789';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface CallOptions {
  body?: unknown;
  /** Raw body bytes (sent as is). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** false: no Authorization header. */
  token?: string | false;
}

/** The API app over fake views on a real 127.0.0.1 port-0 server; close() in afterEach. */
export async function startApi(options: Partial<ApiAppOptions> & { fake?: FakeOptions } = {}) {
  const fake = createFakeViews(options.fake);
  const observed: ApiRequestObservation[] = [];
  const app = createApiApp({
    views: fake.views,
    apiKey: API_KEY,
    allowedHosts: ['kubefwd.internal', '127.0.0.1', 'localhost', '127.2.27.1'],
    log: silentLogger(),
    now: fake.now,
    observeApiRequest: (o) => observed.push(o),
    ...options,
  });
  const server = createApiServer({ app, host: '127.0.0.1', port: 0, closeGraceMs: 200 });
  await server.start();
  const port = server.port;

  function call(method: string, path: string, o: CallOptions = {}): Promise<Answer> {
    const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    const headers: Record<string, string> = {
      ...(o.token === false ? {} : { Authorization: `Bearer ${o.token ?? API_KEY}` }),
      ...(o.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
      ...o.headers,
    };
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      });
      req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Calls and checks the answer against openapi.yaml (template found from the path). */
  async function checked(method: string, path: string, o: CallOptions = {}): Promise<Answer> {
    const a = await call(method, path, o);
    const template = templateOf(method, path);
    if (!template) throw new Error(`no template for ${method} ${path}`);
    const errors = validateResponse(template, method, a.status, a.json);
    if (errors.length)
      throw new Error(`${method} ${path} → ${a.status} ${a.text.slice(0, 300)}\n${errors.join('\n')}`);
    return a;
  }

  return { fake, app, server, port, base: server.url, observed, call, checked, close: () => server.close() };
}

export type ApiHarness = Awaited<ReturnType<typeof startApi>>;
