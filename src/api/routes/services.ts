import { Router } from 'express';
import { exchangeView, httpSummary, serviceSummary } from '../derive.ts';
import {
  bad,
  bodyObject,
  boolParam,
  contextParam,
  enumParam,
  intParam,
  keyParam,
  labelParam,
  notFound,
  optionalLabel,
  page,
} from '../params.ts';
import { SERVICE_STATUSES, type Service, type ServiceFilter } from '../views.ts';
import type { RouteContext } from './context.ts';

export const serviceKey = (value: unknown): string => keyParam(value, 'service', 2);

export function matchesService(s: Service, f: ServiceFilter): boolean {
  return (
    (!f.status || s.status === f.status) &&
    (!f.namespace || s.namespace === f.namespace) &&
    (!f.context || s.context === f.context)
  );
}

const byName = (a: Service, b: Service): number =>
  a.serviceName.localeCompare(b.serviceName) || a.key.localeCompare(b.key);

export function servicesRouter({ views, respond }: RouteContext): Router {
  const r = Router({ strict: true });
  const svc = views.services;

  r.get('/api/v1/services', async (req, res) => {
    const filter: ServiceFilter = {
      namespace: optionalLabel(req.query.namespace, 'namespace'),
      context: contextParam(req.query.context),
      status: enumParam(req.query.status, 'status', SERVICE_STATUSES),
    };
    const all = (await svc.list(filter)).filter((s) => matchesService(s, filter)).sort(byName);
    const { items, total } = page(all, req.query, (s) => `${s.serviceName} ${s.namespace} ${s.context}`);
    respond.send(res, { services: items, summary: serviceSummary(all) }, { count: items.length, total });
  });

  r.post('/api/v1/services', async (req, res) => {
    const body = bodyObject(req.body);
    if (
      body.service_name !== undefined &&
      body.serviceName !== undefined &&
      body.service_name !== body.serviceName
    )
      throw bad('service_name and serviceName differ');
    const added = await svc.add({
      namespace: labelParam(body.namespace, 'namespace'),
      serviceName: labelParam(body.service_name ?? body.serviceName, 'service_name'),
      context: contextParam(body.context),
    });
    respond.send(res, added, { status: 201 });
  });

  r.post('/api/v1/services/reconnect', async (req, res) => {
    const force = boolParam(req.query.force, 'force');
    const services = await svc.reconnectAll({ force });
    respond.send(res, { triggered: services.length, services, force });
  });

  r.get('/api/v1/services/:key', async (req, res) => {
    const key = serviceKey(req.params.key);
    const s = await svc.get(key);
    if (!s) throw notFound('Service', key);
    respond.send(res, s);
  });

  r.delete('/api/v1/services/:key', async (req, res) => {
    const key = serviceKey(req.params.key);
    if (!(await svc.remove(key))) throw notFound('Service', key);
    respond.send(res, { removed: true, key, message: 'Service forwarding stopped' });
  });

  r.post('/api/v1/services/:key/reconnect', async (req, res) => {
    const key = serviceKey(req.params.key);
    if (!(await svc.reconnect(key))) throw notFound('Service', key);
    respond.send(res, { triggered: 1, services: [key], force: true });
  });

  r.post('/api/v1/services/:key/sync', async (req, res) => {
    const key = serviceKey(req.params.key);
    const force = boolParam(req.query.force, 'force');
    if (!(await svc.sync(key, { force }))) throw notFound('Service', key);
    respond.send(res, { service: key, force });
  });

  r.get('/api/v1/services/:key/http', async (req, res) => {
    const key = serviceKey(req.params.key);
    const count = intParam(req.query.count, 'count', 50, 1, 500);
    const list = await views.captures.service(key, count);
    if (!list) throw notFound('Service', key);
    respond.send(res, { serviceKey: key, summary: httpSummary(list), logs: list.map(exchangeView) });
  });

  r.get('/api/v1/services/:key/history/reconnections', async (req, res) => {
    const key = serviceKey(req.params.key);
    const count = intParam(req.query.count, 'count', 20, 1, 200);
    if (!(await svc.get(key))) throw notFound('Service', key);
    respond.sendList(res, await views.history.reconnections(count, key));
  });
  return r;
}
