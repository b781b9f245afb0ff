import { Router } from 'express';
import { lastEventId, parseTypeFilter } from '../sse.ts';
import type { ApiEvent } from '../views.ts';
import type { RouteContext } from './context.ts';

/** SSE `data:`: the event's type and time with its fields flat, as the seed shows (`{"key":…,"namespace":…}`). */
const payload = (e: ApiEvent) => ({ ...e.data, type: e.type, timestamp: e.timestamp });

export function eventsRouter({ views, sse }: RouteContext): Router {
  const r = Router({ strict: true });
  r.get('/api/v1/events', (req, res) => {
    const types = parseTypeFilter(req.query.type);
    const since = lastEventId(req);
    let unsubscribe: (() => void) | undefined;
    const stream = sse.open(req, res, () => unsubscribe?.());
    const deliver = (e: ApiEvent): void => {
      if (!types || types.has(e.type)) stream.send(e.id, e.type, payload(e));
    };
    // since() and subscribe() are synchronous, so nothing published can fall between replay and live delivery.
    if (since !== undefined) for (const e of views.events.since(since)) deliver(e);
    if (!stream.closed) unsubscribe = views.events.subscribe(deliver);
  });
  return r;
}
