import { Router } from 'express';
import { exchangeView, forwardSummary, httpSummary } from '../derive.ts';
import { enumParam, intParam, keyParam, notFound, optionalLabel, page, textParam } from '../params.ts';
import { FORWARD_STATUSES, type Forward, type ForwardFilter } from '../views.ts';
import type { RouteContext } from './context.ts';

export const forwardKey = (value: unknown): string => keyParam(value, 'forward', 4);

function matches(f: Forward, q: ForwardFilter): boolean {
  return (
    (!q.status || f.status === q.status) &&
    (!q.namespace || f.namespace === q.namespace) &&
    (!q.service || f.serviceName === q.service || f.serviceKey === q.service)
  );
}

// As the original: the shortest (primary) hostname first, then the local port.
const byHost = (a: Forward, b: Forward): number =>
  (a.hostnames[0] ?? a.serviceKey).localeCompare(b.hostnames[0] ?? b.serviceKey) ||
  a.localPort - b.localPort ||
  a.key.localeCompare(b.key);

export function forwardsRouter({ views, respond }: RouteContext): Router {
  const r = Router({ strict: true });
  r.get('/api/v1/forwards', async (req, res) => {
    const filter: ForwardFilter = {
      namespace: optionalLabel(req.query.namespace, 'namespace'),
      service: textParam(req.query.service, 'service', 600),
      status: enumParam(req.query.status, 'status', FORWARD_STATUSES),
    };
    const all = (await views.forwards.list(filter)).filter((f) => matches(f, filter)).sort(byHost);
    const { items, total } = page(
      all,
      req.query,
      (f) => `${f.serviceName} ${f.podName ?? ''} ${f.namespace} ${f.context}`,
    );
    respond.send(res, { forwards: items, summary: forwardSummary(all) }, { count: items.length, total });
  });
  r.get('/api/v1/forwards/:key', async (req, res) => {
    const key = forwardKey(req.params.key);
    const f = await views.forwards.get(key);
    if (!f) throw notFound('Forward', key);
    respond.send(res, f);
  });
  r.get('/api/v1/forwards/:key/http', async (req, res) => {
    const key = forwardKey(req.params.key);
    const count = intParam(req.query.count, 'count', 50, 1, 500);
    const f = await views.forwards.get(key);
    const list = f ? await views.captures.forward(key, count) : undefined;
    if (!f || !list) throw notFound('Forward', key);
    respond.send(res, {
      forwardKey: key,
      serviceKey: f.serviceKey,
      podName: f.podName,
      localIP: f.localIP,
      localPort: f.localPort,
      summary: httpSummary(list),
      logs: list.map(exchangeView),
    });
  });
  return r;
}
