import { Router } from 'express';
import { intParam, levelParam, textParam } from '../params.ts';
import { lastEventId } from '../sse.ts';
import { LOG_LEVELS, type LogEntry, type LogFilter } from '../views.ts';
import type { RouteContext } from './context.ts';

/** Only the documented fields: log records may carry anything pino was given. */
const entry = (l: LogEntry) => ({
  id: l.id,
  timestamp: l.timestamp,
  level: l.level,
  message: l.message,
  service: l.service ?? null,
});

const RING_MAX = 100_000;

export function logsRouter({ views, respond, sse }: RouteContext): Router {
  const r = Router({ strict: true });
  const logs = views.logs;
  r.get('/api/v1/logs', async (req, res) => {
    const list = await logs.list({
      count: intParam(req.query.count, 'count', 100, 1, 1000),
      level: levelParam(req.query.level),
      service: textParam(req.query.service, 'service', 600),
    });
    respond.send(res, { logs: list.map(entry) }, { count: list.length });
  });
  r.get('/api/v1/logs/system', async (req, res) => {
    const count = intParam(req.query.count, 'count', 100, 1, 1000);
    const all = await logs.list({ count: RING_MAX, level: levelParam(req.query.level) });
    const newest = all.slice(-count).reverse().map(entry);
    respond.send(res, { logs: newest, totalCount: all.length }, { count: newest.length });
  });
  r.delete('/api/v1/logs/system', async (_req, res) => {
    await logs.clear();
    respond.send(res, { cleared: true, message: 'System log buffer cleared' });
  });
  r.get('/api/v1/logs/stream', async (req, res) => {
    const filter: Omit<LogFilter, 'count'> = {
      level: levelParam(req.query.level),
      service: textParam(req.query.service, 'service', 600),
    };
    const since = lastEventId(req);
    const min = filter.level ? LOG_LEVELS.indexOf(filter.level) : 0;
    const wanted = (l: LogEntry): boolean =>
      LOG_LEVELS.indexOf(l.level) >= min && (!filter.service || (l.service ?? '').includes(filter.service));
    // Missed records first (the ring is read before subscribing; the stream skips ids it already sent).
    const missed =
      since === undefined
        ? []
        : (await logs.list({ count: RING_MAX, ...filter })).filter((l) => l.id > since);
    const subscription: { off?: () => void } = {};
    const stream = sse.open(req, res, () => subscription.off?.());
    for (const l of missed) stream.send(l.id, 'log', entry(l));
    if (stream.closed) return;
    subscription.off = logs.subscribe((l) => {
      if (wanted(l)) stream.send(l.id, 'log', entry(l));
    });
  });
  return r;
}
