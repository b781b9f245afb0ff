import { Router } from 'express';
import {
  bad,
  boolParam,
  contextParam,
  intParam,
  labelParam,
  optionalLabel,
  selectorParam,
  subdomainParam,
} from '../params.ts';
import type { RouteContext } from './context.ts';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

function timeParam(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value)))
    throw bad(`${name} must be an RFC 3339 time`);
  return value;
}

/** Read-only discovery; Kubernetes denials surface as K8S_FORBIDDEN from the view, never as empty lists. */
export function kubernetesRouter({ views, respond }: RouteContext): Router {
  const r = Router({ strict: true });
  const k = views.kubernetes;
  r.get('/api/v1/kubernetes/contexts', async (_req, res) => respond.send(res, await k.contexts()));
  r.get('/api/v1/kubernetes/namespaces', async (req, res) => {
    const namespaces = await k.namespaces(contextParam(req.query.context));
    respond.send(res, { namespaces }, { count: namespaces.length });
  });
  r.get('/api/v1/kubernetes/services', async (req, res) => {
    const namespace = labelParam(req.query.namespace, 'namespace');
    const services = await k.services(namespace, contextParam(req.query.context));
    respond.send(res, { services }, { count: services.length });
  });
  r.get('/api/v1/kubernetes/services/:namespace/:name', async (req, res) => {
    const namespace = labelParam(req.params.namespace, 'namespace');
    const name = labelParam(req.params.name, 'name');
    respond.send(res, await k.service(namespace, name, contextParam(req.query.context)));
  });
  r.get('/api/v1/kubernetes/pods/:namespace', async (req, res) => {
    const namespace = labelParam(req.params.namespace, 'namespace');
    const pods = await k.pods(namespace, contextParam(req.query.context), {
      labelSelector: selectorParam(req.query.label_selector, 'label_selector'),
      fieldSelector: selectorParam(req.query.field_selector, 'field_selector'),
      serviceName: optionalLabel(req.query.service_name, 'service_name'),
    });
    respond.sendList(res, pods);
  });
  r.get('/api/v1/kubernetes/pods/:namespace/:podName', async (req, res) => {
    const namespace = labelParam(req.params.namespace, 'namespace');
    const pod = subdomainParam(req.params.podName, 'pod name');
    respond.send(res, await k.pod(namespace, pod, contextParam(req.query.context)));
  });
  r.get('/api/v1/kubernetes/pods/:namespace/:podName/logs', async (req, res) => {
    const namespace = labelParam(req.params.namespace, 'namespace');
    const pod = subdomainParam(req.params.podName, 'pod name');
    const logs = await k.podLogs(namespace, pod, contextParam(req.query.context), {
      container: optionalLabel(req.query.container, 'container'),
      tailLines: intParam(req.query.tail_lines, 'tail_lines', 100, 1, 1000),
      sinceTime: timeParam(req.query.since_time, 'since_time'),
      previous: boolParam(req.query.previous, 'previous'),
      timestamps: boolParam(req.query.timestamps, 'timestamps'),
    });
    respond.send(res, logs);
  });
  r.get('/api/v1/kubernetes/events/:namespace', async (req, res) => {
    const namespace = labelParam(req.params.namespace, 'namespace');
    const kind = req.query.resource_kind;
    if (kind !== undefined && (typeof kind !== 'string' || !/^[A-Za-z]{1,63}$/.test(kind)))
      throw bad('resource_kind must be a kind name like Pod');
    const events = await k.events(namespace, contextParam(req.query.context), {
      kind: kind === '' ? undefined : kind,
      name:
        req.query.resource_name === undefined || req.query.resource_name === ''
          ? undefined
          : subdomainParam(req.query.resource_name, 'resource_name'),
      limit: intParam(req.query.limit, 'limit', 50, 1, 1000),
    });
    respond.sendList(res, events);
  });
  r.get('/api/v1/kubernetes/endpoints/:namespace/:serviceName', async (req, res) => {
    const namespace = labelParam(req.params.namespace, 'namespace');
    const name = labelParam(req.params.serviceName, 'service name');
    respond.send(res, await k.endpoints(namespace, name, contextParam(req.query.context)));
  });
  return r;
}
