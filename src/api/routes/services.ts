import { Router } from 'express';
import { LB_POLICIES, isLbPolicy } from '../../forwarder/balancer.ts';
import {
  bad,
  fromCache,
  intParam,
  listMeta,
  nameParam,
  notFound,
  page,
  pageParams,
  send,
  sendJson,
  strParam,
} from '../envelope.ts';
import type { OkData } from '../../contract/contract.ts';
import type { ApiViews, ForwardView, ServiceStatus } from '../views.ts';

const STATUSES: ReadonlySet<string> = new Set<ServiceStatus>(['active', 'error', 'partial', 'pending']);
const isStatus = (s: string): s is ServiceStatus => STATUSES.has(s);

function statusParam(value: unknown): ServiceStatus | undefined {
  const status = strParam(value, 'status');
  if (status === undefined || isStatus(status)) return status;
  throw bad('status must be one of active, error, partial, pending');
}

/** `{"services":[…],"summary":…,"denied":…}` from the services' JSON (the order send() writes), in parts. */
function listJson(services: Buffer[], rest: Omit<OkData<'listServices'>, 'services'>): Buffer[] {
  const parts: Buffer[] = [SERVICES_OPEN];
  for (let i = 0; i < services.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(services[i] as Buffer);
  }
  parts.push(Buffer.from(`],${JSON.stringify(rest).slice(1)}`));
  return parts;
}

const SERVICES_OPEN = Buffer.from('{"services":[');
const COMMA = Buffer.from(',');

export function servicesRouter(views: ApiViews): Router {
  const r = Router();
  r.get('/api/v1/services', (req, res) => {
    const status = statusParam(req.query.status);
    const namespace = strParam(req.query.namespace, 'namespace');
    const context = strParam(req.query.context, 'context');
    const { services, total, summary } = views.services.query({
      status,
      namespace,
      context,
      ...pageParams(req.query),
    });
    sendJson(
      res,
      listJson(services, { summary, denied: views.services.denied() }),
      listMeta(services.length, total, fromCache(views)),
    );
  });
  r.post('/api/v1/services', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const namespace = nameParam(body.namespace, 'namespace');
    const serviceName = nameParam(body.service_name ?? body.serviceName, 'service_name');
    const context = body.context === undefined ? undefined : strParam(body.context, 'context');
    send(res, 'addService', await views.services.add({ namespace, serviceName, context }), { status: 201 });
  });
  r.post('/api/v1/services/reconnect', (req, res) => {
    const force = req.query.force === 'true';
    send(res, 'reconnectServices', { triggered: views.services.reconnectAll(force), force });
  });
  r.get('/api/v1/services/:key', (req, res) => {
    const s = views.services.get(req.params.key);
    if (!s) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'getService', s, fromCache(views));
  });
  r.delete('/api/v1/services/:key', async (req, res) => {
    if (!(await views.services.remove(req.params.key)))
      throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'removeService', { removed: true, key: req.params.key, message: 'Service forwarding stopped' });
  });
  r.post('/api/v1/services/:key/reconnect', (req, res) => {
    if (!views.services.reconnect(req.params.key)) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'reconnectService', { triggered: 1, services: [req.params.key] });
  });
  r.post('/api/v1/services/:key/sync', (req, res) => {
    const force = req.query.force === 'true';
    if (!views.services.sync(req.params.key, force)) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'syncService', { service: req.params.key, force });
  });
  r.get('/api/v1/services/:key/endpoints', (req, res) => {
    const data = views.services.endpoints(req.params.key);
    if (!data) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'getServiceEndpoints', data);
  });
  r.put('/api/v1/services/:key/balancing', (req, res) => {
    const policy = ((req.body ?? {}) as Record<string, unknown>).policy;
    if (policy !== null && !isLbPolicy(policy))
      throw bad(`policy must be one of ${LB_POLICIES.join(', ')}, or null for the daemon's default`);
    const data = views.services.setPolicy(req.params.key, policy);
    if (!data) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'setServiceBalancing', data);
  });
  r.get('/api/v1/services/:key/http', (req, res) => {
    const count = intParam(req.query.count, 'count', 50, 1, 500);
    const data = views.captures.service(req.params.key, count);
    if (!data) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'getServiceHttp', data);
  });
  r.delete('/api/v1/services/:key/http', (req, res) => {
    const purged = views.captures.purge(req.params.key);
    if (purged === undefined) throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'purgeServiceHttp', { service: req.params.key, purged });
  });
  r.post('/api/v1/services/:key/http/detail', (req, res) => {
    const enabled = (req.body as { enabled?: unknown } | undefined)?.enabled;
    if (typeof enabled !== 'boolean') throw bad('enabled must be true or false');
    if (!views.captures.setDetail(req.params.key, enabled))
      throw notFound(`Service not found: ${req.params.key}`);
    send(res, 'setServiceHttpDetail', { service: req.params.key, enabled });
  });

  r.get('/api/v1/forwards', (req, res) => {
    const status = strParam(req.query.status, 'status')?.toLowerCase();
    const ns = strParam(req.query.namespace, 'namespace');
    const svc = strParam(req.query.service, 'service');
    const all = views.forwards
      .list()
      .filter(
        (f: ForwardView) =>
          (!status || f.status === status) &&
          (!ns || f.namespace === ns) &&
          (!svc || f.serviceName === svc || f.serviceKey === svc),
      );
    const { items, total } = page(
      all,
      req.query,
      (f) => `${f.serviceName} ${f.podName ?? ''} ${f.namespace} ${f.context}`,
    );
    send(
      res,
      'listForwards',
      {
        forwards: items,
        summary: {
          totalForwards: all.length,
          activeForwards: all.filter((f) => f.status === 'active').length,
        },
        denied: views.services.denied(),
      },
      listMeta(items.length, total, fromCache(views)),
    );
  });
  r.get('/api/v1/forwards/:key', (req, res) => {
    const f = views.forwards.get(req.params.key);
    if (!f) throw notFound(`Forward not found: ${req.params.key}`);
    send(res, 'getForward', f, fromCache(views));
  });
  r.get('/api/v1/forwards/:key/http', (req, res) => {
    const count = intParam(req.query.count, 'count', 50, 1, 500);
    const data = views.captures.forward(req.params.key, count);
    if (!data) throw notFound(`Forward not found: ${req.params.key}`);
    send(res, 'getForwardHttp', data);
  });
  return r;
}
