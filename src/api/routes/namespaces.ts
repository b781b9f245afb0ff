import { Router } from 'express';
import {
  bad,
  fromCache,
  intParam,
  listMeta,
  LIVE,
  nameParam,
  notFound,
  page,
  send,
  strParam,
  subdomainParam,
} from '../envelope.ts';
import { openSse, type SseOptions } from '../sse.ts';
import type { ApiViews } from '../views.ts';

export function namespacesRouter(views: ApiViews): Router {
  const r = Router();
  r.get('/api/v1/namespaces', (req, res) => {
    const { items, total } = page(views.namespaces.list(), req.query, (n) => `${n.namespace} ${n.context}`);
    send(res, 'listNamespaces', { namespaces: items }, listMeta(items.length, total, fromCache(views)));
  });
  r.post('/api/v1/namespaces', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const namespace = nameParam(body.namespace, 'namespace');
    const context = body.context === undefined ? undefined : strParam(body.context, 'context');
    const selector =
      body.selector === undefined
        ? undefined
        : strParam(body.selector, 'selector', /^[A-Za-z0-9._/=!,()\s-]{1,500}$/);
    send(res, 'addNamespace', await views.namespaces.add({ namespace, context, selector }), { status: 201 });
  });
  r.get('/api/v1/namespaces/:key', (req, res) => {
    if (!req.params.key.includes('.')) throw bad('namespace key must be namespace.context');
    const n = views.namespaces.get(req.params.key);
    if (!n) throw notFound(`Namespace not found: ${req.params.key}`);
    send(res, 'getNamespace', n, fromCache(views));
  });
  r.delete('/api/v1/namespaces/:key', async (req, res) => {
    if (!req.params.key.includes('.')) throw bad('namespace key must be namespace.context');
    if (!(await views.namespaces.remove(req.params.key)))
      throw notFound(`Namespace not found: ${req.params.key}`);
    send(res, 'removeNamespace', {
      removed: true,
      key: req.params.key,
      message: 'Namespace watcher stopped and services removed',
    });
  });
  return r;
}

export function kubernetesRouter(views: ApiViews, sse: SseOptions): Router {
  const r = Router();
  const k = views.kubernetes;
  const ctx = (q: unknown): string | undefined => strParam(q, 'context');
  r.get('/api/v1/kubernetes/contexts', (_req, res) => send(res, 'listContexts', k.contexts()));
  r.get('/api/v1/kubernetes/namespaces', async (req, res) => {
    const data = await k.namespaces(ctx(req.query.context));
    send(res, 'listK8sNamespaces', data, listMeta(data.namespaces.length, data.namespaces.length, LIVE));
  });
  r.get('/api/v1/kubernetes/services', async (req, res) => {
    const namespace = nameParam(req.query.namespace, 'namespace');
    const data = await k.services(namespace, ctx(req.query.context));
    send(res, 'listK8sServices', data, listMeta(data.services.length, data.services.length, LIVE));
  });
  r.get('/api/v1/kubernetes/services/:namespace/:name', async (req, res) =>
    send(
      res,
      'getK8sService',
      await k.service(
        nameParam(req.params.namespace, 'namespace'),
        nameParam(req.params.name, 'name'),
        ctx(req.query.context),
      ),
      LIVE,
    ),
  );
  r.get('/api/v1/kubernetes/pods/:namespace', async (req, res) => {
    const pods = await k.pods(nameParam(req.params.namespace, 'namespace'), ctx(req.query.context), {
      labelSelector: strParam(req.query.label_selector, 'label_selector', /^[A-Za-z0-9._/=!,()\s-]{1,500}$/),
      fieldSelector: strParam(req.query.field_selector, 'field_selector', /^[A-Za-z0-9._/=!,-]{1,500}$/),
      serviceName:
        req.query.service_name === undefined ? undefined : nameParam(req.query.service_name, 'service_name'),
    });
    send(res, 'listK8sPods', pods, listMeta(pods.length, pods.length, LIVE));
  });
  r.get('/api/v1/kubernetes/pods/:namespace/:podName', async (req, res) =>
    send(
      res,
      'getK8sPod',
      await k.pod(
        nameParam(req.params.namespace, 'namespace'),
        subdomainParam(req.params.podName, 'pod name'),
        ctx(req.query.context),
      ),
      LIVE,
    ),
  );
  r.get('/api/v1/kubernetes/pods/:namespace/:podName/logs', async (req, res) => {
    const namespace = nameParam(req.params.namespace, 'namespace');
    const pod = subdomainParam(req.params.podName, 'pod name');
    const container =
      req.query.container === undefined ? undefined : nameParam(req.query.container, 'container');
    const query = {
      container,
      tailLines: intParam(req.query.tail_lines, 'tail_lines', 100, 1, 1000),
      previous: req.query.previous === 'true',
      timestamps: req.query.timestamps === 'true',
    };
    if (strParam(req.query.follow, 'follow', /^(true|false)$/) === 'true') {
      if (query.previous) throw bad('follow and previous cannot be combined');
      // Lines (and the end) that come before the stream is open wait for it; a refusal still answers in the envelope.
      const sink: { early: string[]; ended: boolean; stream?: ReturnType<typeof openSse> } = {
        early: [],
        ended: false,
      };
      const stop = await k.followPodLog(
        namespace,
        pod,
        ctx(req.query.context),
        query,
        (line) => (sink.stream ? sink.stream.send(undefined, 'log', { line }) : sink.early.push(line)),
        () => (sink.stream ? sink.stream.end() : (sink.ended = true)),
      );
      // The client may have left while the follow was being opened.
      if (res.closed) return void stop();
      const stream = openSse(req, res, sse, stop);
      for (const line of sink.early.splice(0)) stream.send(undefined, 'log', { line });
      sink.stream = stream;
      if (sink.ended) stream.end();
      return undefined;
    }
    const format = strParam(req.query.format, 'format', /^(json|text)$/);
    const text = format
      ? format === 'text'
      : req.accepts(['application/json', 'text/plain']) === 'text/plain';
    if (!text)
      return send(res, 'getK8sPodLogs', await k.podLogs(namespace, pod, ctx(req.query.context), query), LIVE);
    const body = await k.podLogText(namespace, pod, ctx(req.query.context), query);
    res
      .status(200)
      .attachment(`${namespace}_${pod}${container ? `_${container}` : ''}.log`)
      .type('text/plain; charset=utf-8')
      .send(body);
  });
  r.get('/api/v1/kubernetes/events/:namespace', async (req, res) => {
    const events = await k.events(nameParam(req.params.namespace, 'namespace'), ctx(req.query.context), {
      kind: strParam(req.query.resource_kind, 'resource_kind', /^[A-Za-z]{1,63}$/),
      name:
        req.query.resource_name === undefined
          ? undefined
          : subdomainParam(req.query.resource_name, 'resource_name'),
      limit: intParam(req.query.limit, 'limit', 50, 1, 1000),
    });
    send(res, 'listK8sEvents', events, listMeta(events.length, events.length, LIVE));
  });
  r.get('/api/v1/kubernetes/endpoints/:namespace/:serviceName', async (req, res) =>
    send(
      res,
      'getK8sEndpoints',
      await k.endpoints(
        nameParam(req.params.namespace, 'namespace'),
        nameParam(req.params.serviceName, 'service name'),
        ctx(req.query.context),
      ),
      LIVE,
    ),
  );
  return r;
}
