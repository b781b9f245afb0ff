import { Router, type Request } from 'express';
import { formatUptime, serviceSummary } from '../derive.ts';
import { DAY_MS, bad, durationParam, formatSpan, notFound } from '../params.ts';
import type { Service } from '../views.ts';
import { serviceKey } from './services.ts';
import type { RouteContext } from './context.ts';

export function serviceMetrics(s: Service) {
  return {
    key: s.key,
    serviceName: s.serviceName,
    namespace: s.namespace,
    context: s.context,
    totalBytesIn: s.totalBytesIn,
    totalBytesOut: s.totalBytesOut,
    rateIn: s.rateIn,
    rateOut: s.rateOut,
    portForwards: s.forwards.map((f) => ({
      key: f.key,
      podName: f.podName,
      localIP: f.localIP,
      localPort: f.localPort,
      podPort: f.podPort,
      bytesIn: f.bytesIn,
      bytesOut: f.bytesOut,
      rateIn: f.rateIn,
      rateOut: f.rateOut,
      connectionsActive: f.connectionsActive,
      lastActive: f.lastActive,
    })),
  };
}

const MAX_POINTS = 3600;

function span(req: Request) {
  const durationMs = durationParam(req.query.duration, 'duration', 5 * 60_000, 1000, DAY_MS);
  const intervalMs = durationParam(req.query.interval, 'interval', 1000, 1000, durationMs);
  if (durationMs / intervalMs > MAX_POINTS)
    throw bad(`duration/interval gives more than ${MAX_POINTS} points; use a larger interval`);
  return { durationMs, intervalMs };
}

export function metricsRouter({ views, respond, now }: RouteContext): Router {
  const r = Router({ strict: true });
  r.get('/api/v1/metrics', async (_req, res) => {
    const [services, totals, info] = await Promise.all([
      views.services.list({}),
      views.metrics.totals(),
      views.info(),
    ]);
    const s = serviceSummary(services);
    respond.send(res, {
      totalServices: s.totalServices,
      activeServices: s.activeServices,
      totalForwards: s.totalForwards,
      activeForwards: s.activeForwards,
      errorCount: s.errorCount,
      ...totals,
      uptime: formatUptime(now() - info.startedAt),
    });
  });
  r.get('/api/v1/metrics/services', async (_req, res) => {
    const list = [...(await views.services.list({}))].sort((a, b) => a.key.localeCompare(b.key));
    respond.sendList(res, list.map(serviceMetrics));
  });
  r.get('/api/v1/metrics/services/:key', async (req, res) => {
    const key = serviceKey(req.params.key);
    const s = await views.services.get(key);
    if (!s) throw notFound('Service', key);
    respond.send(res, serviceMetrics(s));
  });
  const history = async (key: string | undefined, req: Request) => {
    const q = span(req);
    const points = await views.metrics.history(key, q);
    if (!points) throw notFound('Service', key ?? '');
    return {
      key: key ?? null,
      duration: formatSpan(q.durationMs),
      interval: formatSpan(q.intervalMs),
      ...q,
      points,
    };
  };
  r.get('/api/v1/metrics/services/:key/history', async (req, res) =>
    respond.send(res, await history(serviceKey(req.params.key), req)),
  );
  r.get('/api/v1/metrics/history', async (req, res) => respond.send(res, await history(undefined, req)));
  return r;
}
