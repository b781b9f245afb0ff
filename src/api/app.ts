import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import YAML from 'yaml';
import { KubefwdError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { createResponder, errorHandler } from './envelope.ts';
import { formatUptime } from './derive.ts';
import { bad } from './params.ts';
import type { RouteContext } from './routes/context.ts';
import { diagnosticsRouter } from './routes/diagnostics.ts';
import { eventsRouter } from './routes/events.ts';
import { forwardsRouter } from './routes/forwards.ts';
import { historyRouter } from './routes/history.ts';
import { kubernetesRouter } from './routes/kubernetes.ts';
import { logsRouter } from './routes/logs.ts';
import { metricsRouter } from './routes/metrics.ts';
import { namespacesRouter } from './routes/namespaces.ts';
import { servicesRouter } from './routes/services.ts';
import { checkHost, checkOrigin, requireToken } from './security.ts';
import { createSseHub } from './sse.ts';
import type { ApiViews, PromView } from './views.ts';

export const OPENAPI_URL = new URL('../../openapi.yaml', import.meta.url);

export interface ApiRequestObservation {
  method: string;
  /** The route pattern (`/api/v1/services/:key`), never the raw path: Prometheus labels stay bounded. */
  route: string;
  status: number;
  seconds: number;
}

export interface ApiAppOptions {
  views: ApiViews;
  apiKey: string;
  /** Names the Host header may carry (kubefwd.internal, the listen IP, localhost, 127.0.0.1), port ignored. */
  allowedHosts: readonly string[];
  log: Logger;
  now?: () => number;
  /** Overrides views.prom for /metrics. */
  prom?: PromView | undefined;
  observeApiRequest?: ((o: ApiRequestObservation) => void) | undefined;
  /** JSON body limit, bytes or a size string; 64 KiB by default. */
  bodyLimit?: number | string;
  heartbeatMs?: number;
  /** Unsent bytes after which an SSE client is dropped. */
  sseMaxBufferedBytes?: number;
}

/** Shutdown hooks createApiServer uses. */
export interface ApiControl {
  /** From now on every request gets 503 SHUTTING_DOWN. */
  setClosing(): void;
  readonly closing: boolean;
  /** Ends every SSE stream and releases its subscriptions. */
  closeStreams(): void;
  readonly streamCount: number;
}

export type ApiApp = Express & { readonly kubefwd: ApiControl };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApiApp(options: ApiAppOptions): ApiApp {
  const { views, log } = options;
  const now = options.now ?? Date.now;
  const respond = createResponder(now);
  const sse = createSseHub({
    heartbeatMs: options.heartbeatMs ?? 15_000,
    maxBufferedBytes: options.sseMaxBufferedBytes ?? 1 << 20,
  });
  const specText = readFileSync(OPENAPI_URL, 'utf8');
  const spec = YAML.parse(specText) as Record<string, unknown>;
  let closing = false;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // One URL per resource: /api/v1/services/ is not /api/v1/services (and not a service with an empty key).
  app.set('strict routing', true);
  // Repeated keys become arrays, which the validators refuse: no nested-object query surprises.
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.headers['x-request-id'];
    res.setHeader(
      'X-Request-Id',
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID(),
    );
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (closing) {
      res.setHeader('Connection', 'close');
      return respond.sendError(res, 'SHUTTING_DOWN', 'kubefwd is shutting down');
    }
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      options.observeApiRequest?.({
        method: req.method,
        route: typeof pattern === 'string' ? pattern : 'unmatched',
        status: res.statusCode,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    });
    next();
  });
  app.use(checkHost(options.allowedHosts, respond));
  app.use(checkOrigin(options.allowedHosts, respond));

  app.get('/api/health', (_req, res) => {
    const status = views.health();
    res.status(status === 'healthy' ? 200 : 503).json({ status, timestamp: new Date(now()).toISOString() });
  });
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(specText);
  });
  app.get('/', (_req, res) => res.redirect(302, '/docs/'));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(spec, { customSiteTitle: 'kubefwd API' }));

  app.use(requireToken(options.apiKey, respond));
  app.use(requireJsonBody);
  app.use(express.json({ limit: options.bodyLimit ?? '64kb', strict: true }));

  const prom = options.prom ?? views.prom;
  app.get('/metrics', async (_req, res) => {
    if (!prom) throw new KubefwdError('NOT_FOUND', 'Prometheus metrics are not enabled');
    const text = await prom.text();
    res.type(prom.contentType).send(text);
  });
  app.get('/api/info', async (_req, res) => {
    const info = await views.info();
    respond.send(res, {
      version: info.version,
      nodeVersion: process.version,
      platform: `${process.platform}/${process.arch}`,
      startTime: new Date(info.startedAt).toISOString(),
      uptime: formatUptime(now() - info.startedAt),
      uptimeSeconds: Math.max(0, (now() - info.startedAt) / 1000),
      contexts: info.contexts,
      namespaces: info.namespaces,
      apiEnabled: true,
      idle: info.idle,
    });
  });

  const ctx: RouteContext = { views, respond, now, sse };
  for (const router of [
    servicesRouter,
    forwardsRouter,
    namespacesRouter,
    kubernetesRouter,
    metricsRouter,
    diagnosticsRouter,
    historyRouter,
    logsRouter,
    eventsRouter,
  ])
    app.use(router(ctx));

  app.use((req, res) =>
    respond.sendError(res, 'NOT_FOUND', `No route ${req.method} ${req.path.slice(0, 200)}`),
  );
  app.use(errorHandler(log, respond));

  const control: ApiControl = {
    setClosing() {
      closing = true;
    },
    get closing() {
      return closing;
    },
    closeStreams: () => sse.closeAll(),
    get streamCount() {
      return sse.size;
    },
  };
  return Object.defineProperty(app, 'kubefwd', { value: control, enumerable: false }) as ApiApp;
}

/** A body is read only as JSON: anything else could be a cross-site form post. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return next();
  if (!req.is('application/json'))
    return next(new KubefwdError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json'));
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity')
    return next(new KubefwdError('UNSUPPORTED_MEDIA_TYPE', 'compressed request bodies are not accepted'));
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE')
    return next(bad(`${req.method} takes no body`));
  next();
}
