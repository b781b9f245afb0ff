import { Router } from 'express';
import { bodyObject, contextParam, keyParam, labelParam, notFound, page, selectorParam } from '../params.ts';
import type { RouteContext } from './context.ts';

const namespaceKey = (value: unknown): string => keyParam(value, 'namespace', 1);

export function namespacesRouter({ views, respond }: RouteContext): Router {
  const r = Router({ strict: true });
  const ns = views.namespaces;
  r.get('/api/v1/namespaces', async (req, res) => {
    const all = [...(await ns.list())].sort((a, b) => a.key.localeCompare(b.key));
    const { items, total } = page(all, req.query, (n) => `${n.namespace} ${n.context}`);
    respond.send(res, { namespaces: items }, { count: items.length, total });
  });
  r.post('/api/v1/namespaces', async (req, res) => {
    const body = bodyObject(req.body);
    const added = await ns.add({
      namespace: labelParam(body.namespace, 'namespace'),
      context: contextParam(body.context),
      selector: selectorParam(body.selector, 'selector'),
    });
    respond.send(res, added, { status: 201 });
  });
  r.get('/api/v1/namespaces/:key', async (req, res) => {
    const key = namespaceKey(req.params.key);
    const n = await ns.get(key);
    if (!n) throw notFound('Namespace', key);
    respond.send(res, n);
  });
  r.delete('/api/v1/namespaces/:key', async (req, res) => {
    const key = namespaceKey(req.params.key);
    if (!(await ns.remove(key))) throw notFound('Namespace', key);
    respond.send(res, { removed: true, key, message: 'Namespace watcher stopped and services removed' });
  });
  return r;
}
