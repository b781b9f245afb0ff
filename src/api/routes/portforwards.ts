import { Router } from 'express';
import { parseAdhocBody } from '../../adhoc/adhoc-request.ts';
import { bad, fromCache, listMeta, notFound, page, send, strParam } from '../envelope.ts';
import type { ApiViews } from '../views.ts';

const ID = /^pf-[0-9a-f]{8}$/;

function idParam(value: string): string {
  if (!ID.test(value)) throw bad('port-forward id must look like pf-0123abcd');
  return value;
}

export function portforwardsRouter(views: ApiViews): Router {
  const r = Router();
  const pf = views.portforwards;
  r.get('/api/v1/portforwards', (req, res) => {
    const ns = strParam(req.query.namespace, 'namespace');
    const ctx = strParam(req.query.context, 'context');
    const all = pf.list().filter((f) => (!ns || f.namespace === ns) && (!ctx || f.context === ctx));
    const { items, total } = page(all, req.query, (f) => `${f.id} ${f.target} ${f.pod ?? ''} ${f.namespace}`);
    send(res, 'listPortForwards', { portforwards: items }, listMeta(items.length, total, fromCache(views)));
  });
  r.post('/api/v1/portforwards', async (req, res) => {
    send(res, 'addPortForward', await pf.create(parseAdhocBody(req.body)), { status: 201 });
  });
  r.get('/api/v1/portforwards/:id', (req, res) => {
    const f = pf.get(idParam(req.params.id));
    if (!f) throw notFound(`Port-forward not found: ${req.params.id}`);
    send(res, 'getPortForward', f, fromCache(views));
  });
  r.delete('/api/v1/portforwards/:id', async (req, res) => {
    const f = await pf.remove(idParam(req.params.id));
    if (!f) throw notFound(`Port-forward not found: ${req.params.id}`);
    send(res, 'removePortForward', { removed: true, id: f.id, portforward: f });
  });
  return r;
}
