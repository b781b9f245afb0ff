import { Router } from 'express';
import { intParam } from '../params.ts';
import { parseTypeFilter } from '../sse.ts';
import type { RouteContext } from './context.ts';

export function historyRouter({ views, respond }: RouteContext): Router {
  const r = Router({ strict: true });
  const h = views.history;
  r.get('/api/v1/history/events', async (req, res) => {
    const count = intParam(req.query.count, 'count', 50, 1, 1000);
    const types = parseTypeFilter(req.query.type);
    if (!types) return respond.sendList(res, await h.events(count));
    // Ask for the whole ring, then keep the newest `count` of the asked types.
    const list = (await h.events(1000)).filter((e) => types.has(e.type));
    respond.sendList(res, list.slice(-count));
  });
  r.get('/api/v1/history/errors', async (req, res) =>
    respond.sendList(res, await h.errors(intParam(req.query.count, 'count', 50, 1, 500))),
  );
  r.get('/api/v1/history/reconnections', async (req, res) =>
    respond.sendList(res, await h.reconnections(intParam(req.query.count, 'count', 50, 1, 200))),
  );
  r.get('/api/v1/history/stats', async (_req, res) => respond.send(res, await h.stats()));
  return r;
}
