import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import express, { type Express } from 'express';
import YAML from 'yaml';
import type { AuditReader, AuditRecorder } from '../audit/types.ts';
import type { Logger } from '../log/logger.ts';
import { auditTrail } from './audit.ts';
import { errorHandler, send, sendError } from './envelope.ts';
import type { McpEndpoint } from '../mcp/http-endpoint.ts';
import { createKeyRing, type KeyRing } from './keys.ts';
import { lazyHandler, lazyValue } from './lazy.ts';
import { createOperationIndex, type OperationIndex } from './operations.ts';
import { DEFAULT_RATE_LIMIT, createRateLimit, type RateLimitConfig } from './rate-limit.ts';
import { auditRouter } from './routes/audit.ts';
import { kubernetesRouter, namespacesRouter } from './routes/namespaces.ts';
import { observeRouter } from './routes/observe.ts';
import { portforwardsRouter } from './routes/portforwards.ts';
import { servicesRouter } from './routes/services.ts';
import { checkHost, checkOrigin, identifyCaller, requireCaller, requireScope } from './security.ts';
import type { ApiViews } from './views.ts';
import { webConsoleRouter } from './web-console.ts';
import { WEB_DIST } from '../web/paths.ts';

export const OPENAPI_PATH = new URL('../../openapi.yaml', import.meta.url);

export interface ApiAppOptions {
  views: ApiViews;
  apiKey: string;
  /** Every key the API accepts (admin, read, named); a ring of the admin key alone when absent. */
  keys?: KeyRing;
  /** Where state changes are recorded and read back; nothing is recorded when absent. */
  audit?: AuditRecorder & AuditReader;
  rateLimit?: RateLimitConfig;
  allowedHosts: string[];
  log: Logger;
  bodyLimit?: string;
  heartbeatMs?: number;
  maxSseBufferBytes?: number;
  /** The console's built assets; the package's `dist/console` when absent. */
  webDir?: string;
}

export interface ApiApp {
  app: Express;
  /** Ends every SSE stream (shutdown). */
  closeStreams(): void;
  /** Late requests during shutdown get 503 SHUTTING_DOWN. */
  setClosing(): void;
  /** Releases the rate limiter's timer. */
  close(): void;
  readonly streamCount: number;
}

export function createApiApp(options: ApiAppOptions): ApiApp {
  const { views, log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const specText = readFileSync(OPENAPI_PATH, 'utf8');
  // Parsed when first needed (a state-changing call's audit record, /docs): 0.3-0.6 s of CPU at start otherwise.
  const spec = lazyValue(() => YAML.parse(specText) as Record<string, unknown>);
  const operations = lazyValue(() =>
    createOperationIndex(spec() as Parameters<typeof createOperationIndex>[0]),
  );
  const operationIndex: OperationIndex = { match: (method, path) => operations().match(method, path) };
  const streams = new Set<() => void>();
  const keys = options.keys ?? createKeyRing({ adminKey: options.apiKey, log });
  const audit = options.audit ?? {
    record: () => undefined,
    query: () => Promise.resolve({ items: [], total: 0 }),
  };
  const limiter = createRateLimit(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  let closing = false;

  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    res.setHeader(
      'X-Request-Id',
      typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID(),
    );
    if (closing) return sendError(res, 'SHUTTING_DOWN', 'kubefwd is shutting down');
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      views.prom.observe(req.method, route, res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  });
  app.use(identifyCaller(keys));
  app.use(limiter.middleware);
  app.use(auditTrail(audit, operationIndex));
  app.use(checkHost(options.allowedHosts));
  app.use(checkOrigin);
  app.get('/api/health', (_req, res) => {
    const h = views.health();
    res
      .status(h.status === 'healthy' ? 200 : 503)
      .json({ status: h.status, timestamp: new Date().toISOString() });
  });
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(specText);
  });
  app.use(webConsoleRouter(options.webDir ?? WEB_DIST));
  app.use(
    '/docs',
    lazyHandler(async () => {
      const { default: swaggerUi } = await import('swagger-ui-express');
      return express
        .Router()
        .use(swaggerUi.serve, swaggerUi.setup(spec(), { customSiteTitle: 'kubefwd API' }));
    }),
  );
  // MCP before the scope check: every request is a POST, and each tool call reaches the REST API with the caller's
  // key, where the scope check applies. A key is still required here.
  let mcp: McpEndpoint | undefined;
  const mcpHandler = lazyHandler(async () => {
    const { createMcpEndpoint } = await import('../mcp/http-endpoint.ts');
    const endpoint = (mcp ??= createMcpEndpoint({
      apiKey: options.apiKey,
      version: views.version,
      log,
      audit,
    }));
    return (req, res) => endpoint.handle(req, res);
  });
  app.use('/mcp', requireCaller, mcpHandler);
  app.use(requireScope);
  app.use(express.json({ limit: options.bodyLimit ?? '64kb', strict: true, type: () => true }));
  app.get('/metrics', async (_req, res) => {
    res.type(views.prom.contentType).send(await views.prom.text());
  });
  app.get('/api/info', (_req, res) => send(res, 'getInfo', views.info()));
  app.get('/api/v1/info', (_req, res) => send(res, 'getInfoV1', views.info()));
  const sse = {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxBufferedBytes: options.maxSseBufferBytes ?? 1 << 20,
    track: (close: () => void) => {
      streams.add(close);
      return () => streams.delete(close);
    },
  };
  app.use(servicesRouter(views));
  app.use(namespacesRouter(views));
  app.use(portforwardsRouter(views));
  app.use(kubernetesRouter(views, sse));
  app.use(observeRouter(views, sse));
  app.use(auditRouter(audit));
  app.use((req, res) => sendError(res, 'NOT_FOUND', `no route ${req.method} ${req.path.slice(0, 200)}`));
  app.use(errorHandler(log));
  return {
    app,
    closeStreams() {
      for (const close of [...streams]) close();
      void mcp?.close();
    },
    setClosing() {
      closing = true;
    },
    close() {
      limiter.close();
    },
    get streamCount() {
      return streams.size;
    },
  };
}

/** The HTTP server around the app; close() ends SSE streams and destroys idle keep-alive sockets. */
export function createApiServer(options: { api: ApiApp; host: string; port: number }) {
  const server = http.createServer(options.api.app);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let address: AddressInfo | undefined;
  let closing: Promise<void> | undefined;
  return {
    async start(): Promise<void> {
      server.listen(options.port, options.host);
      await Promise.race([
        once(server, 'listening'),
        once(server, 'error').then(([err]) => Promise.reject(err as Error)),
      ]);
      address = server.address() as AddressInfo;
    },
    get url(): string {
      return `http://${options.host}:${address?.port ?? options.port}`;
    },
    get port(): number {
      return address?.port ?? options.port;
    },
    close(): Promise<void> {
      closing ??= (async () => {
        options.api.setClosing();
        options.api.closeStreams();
        const done = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        const t = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 1000);
        t.unref();
        await done;
        clearTimeout(t);
        options.api.close();
      })();
      return closing;
    },
  };
}
