import { Router, type Request, type Response } from 'express';
import { parseSpan } from '../../metrics/metrics-store.ts';
import { LEVEL_ORDER } from '../../log/log-ring.ts';
import { bad, fromCache, intParam, listMeta, notFound, send, strParam } from '../envelope.ts';
import type { DaemonEvent } from '../../daemon/bus.ts';
import type { LogRecord } from '../../log/log-ring.ts';
import {
  eventPayload,
  frameOnce,
  lastEventId,
  openSse,
  parseTypeFilter,
  sseFrame,
  type SseOptions,
} from '../sse.ts';
import type { ApiViews } from '../views.ts';

/** Everything a history ring holds (its capacity bounds it). */
const ALL = Number.MAX_SAFE_INTEGER;

export function observeRouter(views: ApiViews, sse: SseOptions): Router {
  const r = Router();
  // Built once per event or log record, written to every client that takes it.
  const eventFrame = frameOnce((e: DaemonEvent) => sseFrame(e.id, e.type, eventPayload(e)));
  const logFrame = frameOnce((l: LogRecord) =>
    sseFrame(l.id, 'log', { timestamp: l.timestamp, level: l.level, message: l.message, service: l.service }),
  );
  // Metrics
  r.get('/api/v1/metrics', (_req, res) => send(res, 'getMetrics', views.metrics.summary()));
  r.get('/api/v1/metrics/services', (_req, res) => {
    const list = views.metrics.services();
    send(res, 'listServiceMetrics', list, listMeta(list.length, list.length, fromCache(views)));
  });
  r.get('/api/v1/metrics/services/:key', (req, res) => {
    const m = views.metrics.service(req.params.key);
    if (!m) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'getServiceMetrics', m);
  });
  const history = (key: string | undefined, q: Record<string, unknown>) => {
    const duration = parseSpan(typeof q.duration === 'string' ? q.duration : '5m', 'duration');
    const interval = parseSpan(typeof q.interval === 'string' ? q.interval : '1s', 'interval', duration);
    if (q.points !== undefined) intParam(q.points, 'points', 60, 1, 300);
    return views.metrics.history(key, duration, interval);
  };
  r.get('/api/v1/metrics/history', (req, res) =>
    send(res, 'getMetricsHistory', history(undefined, req.query)),
  );
  r.get('/api/v1/metrics/services/:key/history', (req, res) =>
    send(res, 'getServiceMetricsHistory', history(req.params.key, req.query)),
  );

  // Diagnostics and analysis
  r.get('/api/v1/diagnostics', (_req, res) => send(res, 'getDiagnostics', views.diagnostics.summary()));
  r.get('/api/v1/diagnostics/errors', (_req, res) => {
    const errors = views.diagnostics.errors();
    send(res, 'listDiagnosticErrors', errors, listMeta(errors.length));
  });
  r.get('/api/v1/diagnostics/network', (_req, res) =>
    send(res, 'getNetworkDiagnostics', views.diagnostics.network()),
  );
  r.get('/api/v1/diagnostics/services/:key', (req, res) => {
    const d = views.diagnostics.service(req.params.key);
    if (!d) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'getServiceDiagnostics', d);
  });
  r.get('/api/v1/diagnostics/forwards/:key', (req, res) => {
    const d = views.diagnostics.forward(req.params.key);
    if (!d) throw notFound(`Forward not found: ${req.params.key}`);
    send(res, 'getForwardDiagnostics', d);
  });
  r.get('/api/v1/status', (_req, res) =>
    send(res, 'getStatus', { ...views.health(), ...views.metrics.summary() }),
  );
  r.get('/api/v1/analyze', (_req, res) => send(res, 'analyze', views.diagnostics.summary()));

  // History
  r.get('/api/v1/history/events', (req, res) => {
    const all = views.history.events(ALL);
    const list = all.slice(-intParam(req.query.count, 'count', 50, 1, 1000));
    send(res, 'listHistoryEvents', list, listMeta(list.length, all.length));
  });
  r.get('/api/v1/history/errors', (req, res) => {
    const all = views.history.errors(ALL);
    const list = all.slice(-intParam(req.query.count, 'count', 50, 1, 1000));
    send(res, 'listHistoryErrors', list, listMeta(list.length, all.length));
  });
  r.get('/api/v1/history/reconnections', (req, res) => {
    const all = views.history.reconnections(ALL);
    const list = all.slice(-intParam(req.query.count, 'count', 50, 1, 1000));
    send(res, 'listReconnections', list, listMeta(list.length, all.length));
  });
  // The documented path, and the older one kept for existing clients (deprecated in the spec).
  const serviceReconnections = (req: Request<{ key: string }>, res: Response): void => {
    const all = views.history.reconnections(ALL, req.params.key);
    const list = all.slice(-intParam(req.query.count, 'count', 50, 1, 1000));
    send(res, 'listServiceReconnections', list, listMeta(list.length, all.length));
  };
  r.get('/api/v1/services/:key/history/reconnections', serviceReconnections);
  r.get('/api/v1/history/reconnections/:key', serviceReconnections);
  r.get('/api/v1/history/stats', (_req, res) => send(res, 'getHistoryStats', views.history.stats()));

  // Logs
  const logFilter = (q: Record<string, unknown>) => {
    const level = strParam(q.level, 'level');
    if (level && !LEVEL_ORDER.includes(level)) throw bad(`level must be one of ${LEVEL_ORDER.join(', ')}`);
    return {
      count: intParam(q.count, 'count', 100, 1, 1000),
      level,
      service: strParam(q.service, 'service'),
    };
  };
  const logsOf = (q: Record<string, unknown>) => {
    const filter = logFilter(q);
    const all = views.logs.list({ ...filter, count: ALL });
    const list = all.slice(-filter.count).map((l) => ({
      id: l.id,
      timestamp: l.timestamp,
      level: l.level,
      message: l.message,
      service: l.service,
    }));
    return { logs: list, total: all.length };
  };
  r.get('/api/v1/logs', (req, res) => {
    const { logs, total } = logsOf(req.query);
    send(res, 'listLogs', { logs }, listMeta(logs.length, total));
  });
  r.get('/api/v1/logs/system', (req, res) => {
    const { logs, total } = logsOf(req.query);
    send(res, 'listSystemLogs', { logs }, listMeta(logs.length, total));
  });
  r.delete('/api/v1/logs/system', (_req, res) => {
    views.logs.clear();
    send(res, 'clearSystemLogs', { cleared: true });
  });
  r.get('/api/v1/logs/stream', (req, res) => {
    const filter = logFilter(req.query);
    const min = filter.level ? LEVEL_ORDER.indexOf(filter.level) : 0;
    let off = (): void => undefined;
    const stream = openSse(req, res, sse, () => off());
    off = views.logs.subscribe((l) => {
      if (
        LEVEL_ORDER.indexOf(l.level) < min ||
        (filter.service && !(l.service ?? '').includes(filter.service))
      )
        return;
      stream.write(logFrame(l));
    });
  });

  // Events (SSE)
  r.get('/api/v1/events', (req, res) => {
    const types = parseTypeFilter(req.query.type);
    const since = lastEventId(req);
    let off = (): void => undefined;
    const stream = openSse(req, res, sse, () => off());
    const deliver = (e: DaemonEvent): void => {
      if (!types || types.has(e.type)) stream.write(eventFrame(e));
    };
    if (since !== undefined) for (const e of views.events.since(since)) deliver(e);
    off = views.events.subscribe(deliver);
  });
  return r;
}
