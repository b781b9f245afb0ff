import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WORKLOADS, scaleOf } from './apps-controller.ts';
import { apiGroupList, apiVersions, knownGroupVersions, resourceList, versionDoc } from './discovery-docs.ts';
import { decodeAccessReview, isKubernetesProtobuf } from './protobuf.ts';
import { decodeDeployment } from './protobuf-deployment.ts';
import { allowed, forbiddenMessage, type SimUser } from './rbac.ts';
import { apiVersionOf, resourceByName, type ResourceDef } from './resources.ts';
import { SelectorError, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { sendJson, sendStatus, statusObject } from './status.ts';
import { StoreError, type KObject } from './store.ts';
import type { SimClusterCore } from './cluster-core.ts';

interface Route {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

/** Splits an API path into resource, namespace, name and subresource; undefined when it is not a resource path. */
export function parseRoute(pathname: string): Route | undefined {
  const seg = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  if (seg[0] === 'api' && seg[1] === 'v1') rest = seg.slice(2);
  else if (seg[0] === 'apis' && seg.length >= 3 && knownGroupVersions.has(`${seg[1]}/${seg[2]}`))
    rest = seg.slice(3);
  else return undefined;
  const group = seg[0] === 'api' ? '' : seg[1];
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const def = resourceByName.get(rest[0] ?? '');
  if (!def || def.group !== group) return undefined;
  if (rest.length > 3) return undefined;
  return { def, namespace, name: rest[1], sub: rest[2] };
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new StoreError(400, 'BadRequest', 'the request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const verbOf = (method: string, route: Route, watch: boolean): string => {
  if (method === 'GET') return route.name ? 'get' : watch ? 'watch' : 'list';
  return (
    ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[method] ??
    method.toLowerCase()
  );
};

export function authenticate(core: SimClusterCore, header: string | undefined): SimUser | undefined {
  const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1];
  return token ? core.users.get(token) : undefined;
}

/** Serves one HTTP request like the API server would. */
export async function handleRequest(
  core: SimClusterCore,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://sim');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/version') return sendJson(res, 200, versionDoc(core.version));
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return;
  }
  const user = authenticate(core, req.headers.authorization);
  if (!user) return sendStatus(res, 401, 'Unauthorized');
  if (path === '/api') return sendJson(res, 200, apiVersions());
  if (path === '/apis') return sendJson(res, 200, apiGroupList());
  if (path === '/api/v1') return sendJson(res, 200, resourceList('v1'));
  const gv = /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
  if (gv && knownGroupVersions.has(gv)) return sendJson(res, 200, resourceList(gv));
  if (path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') {
    core.count('create', 'selfsubjectaccessreviews');
    let body: {
      spec?: {
        resourceAttributes?: { verb?: string; resource?: string; subresource?: string; namespace?: string };
      };
    };
    if (isKubernetesProtobuf(req.headers['content-type'])) {
      body = { spec: { resourceAttributes: decodeAccessReview(await readRaw(req)) } };
    } else {
      body = (await readBody(req)) as typeof body;
    }
    const a = body.spec?.resourceAttributes ?? {};
    const resource = a.subresource ? `${a.resource ?? ''}/${a.subresource}` : (a.resource ?? '');
    const ok = allowed(user, a.verb ?? '', resource, a.namespace || undefined);
    return sendJson(res, 201, {
      ...body,
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      status: { allowed: ok, ...(ok ? {} : { reason: '' }) },
    });
  }

  const route = parseRoute(path);
  if (!route) return sendStatus(res, 404, 'the server could not find the requested resource');
  const { def, namespace, name, sub } = route;
  const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const method = req.method ?? 'GET';
  const verb = verbOf(method, route, watch);
  const rbacResource = sub ? `${def.name}/${sub}` : def.name;
  core.count(verb, rbacResource);
  if (!allowed(user, verb, rbacResource, namespace)) {
    return sendStatus(
      res,
      403,
      forbiddenMessage(user.name, verb, rbacResource, def.group, namespace, name),
      'Forbidden',
      { name, kind: def.name },
    );
  }
  // Only SelfSubjectAccessReviews are read from protobuf; a typed client falls back to JSON on 415, as it does
  // against an API server that does not serve a kind in protobuf.
  const protobuf =
    (method === 'POST' || method === 'PUT') && isKubernetesProtobuf(req.headers['content-type']);
  if (protobuf && !(def.name === 'deployments' && method === 'POST'))
    return sendStatus(
      res,
      415,
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
      'UnsupportedMediaType',
    );
  const store = core.store;
  const notFound = (what: string, n: string): void =>
    sendStatus(res, 404, `${what} "${n}" not found`, 'NotFound', { name: n, kind: what });

  if (sub === 'portforward') return sendStatus(res, 400, 'Upgrade request required');
  if (sub === 'log' && def.name === 'pods' && name && namespace) {
    const pod = store.get('pods', namespace, name);
    if (!pod) return notFound('pods', name);
    const lines = core.podLogs(pod, Number(url.searchParams.get('tailLines') ?? 0) || undefined);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(lines.join('\n') + '\n');
    return;
  }
  if (sub === 'scale' && name && WORKLOADS.has(def.name))
    return serveScale(core, req, res, def, namespace, name);
  if (sub === 'status' && name) {
    if (method === 'GET') {
      const obj = store.get(def.name, namespace, name);
      return obj ? sendJson(res, 200, obj) : notFound(def.name, name);
    }
  } else if (sub) {
    return sendStatus(res, 404, 'the server could not find the requested resource');
  }
  if (
    def.namespaced &&
    namespace &&
    def.name !== 'events' &&
    method === 'POST' &&
    !store.get('namespaces', undefined, namespace)
  ) {
    return notFound('namespaces', namespace);
  }

  try {
    if (method === 'GET' && !name) {
      const filter = {
        resource: def.name,
        namespace,
        labels: parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined),
        fields: parseFieldSelector(url.searchParams.get('fieldSelector') ?? undefined),
      };
      if (watch) return core.serveWatch(req, res, filter, url.searchParams);
      const items = store.list(filter);
      return sendJson(res, 200, {
        kind: `${def.kind}List`,
        apiVersion: apiVersionOf(def),
        metadata: { resourceVersion: String(store.resourceVersion) },
        items,
      });
    }
    if (method === 'GET' && name) {
      const obj = store.get(def.name, namespace, name);
      return obj ? sendJson(res, 200, obj) : notFound(def.name, name);
    }
    if (method === 'POST' && !name) {
      const body = (protobuf ? decodeDeployment(await readRaw(req)) : await readBody(req)) as KObject;
      if (!body?.metadata?.name && !body?.metadata?.generateName)
        return sendStatus(
          res,
          422,
          `${def.kind} is invalid: metadata.name: Required value: name or generateName is required`,
          'Invalid',
        );
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(body.metadata.name ?? 'x') && body.metadata.name) {
        return sendStatus(
          res,
          422,
          `${def.kind} "${body.metadata.name}" is invalid: metadata.name: Invalid value: "${body.metadata.name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
          'Invalid',
        );
      }
      if (def.namespaced) body.metadata.namespace = namespace ?? body.metadata.namespace ?? 'default';
      const created = core.create(def, body);
      return sendJson(res, 201, created);
    }
    if ((method === 'PUT' || method === 'PATCH') && name) {
      const current = store.get(def.name, namespace, name);
      if (!current) return notFound(def.name, name);
      const body = (await readBody(req)) as KObject;
      const next = method === 'PUT' ? body : (mergePatch(current, body) as KObject);
      next.metadata = { ...next.metadata, name, ...(namespace ? { namespace } : {}) };
      if (method === 'PATCH') next.metadata.resourceVersion = current.metadata.resourceVersion;
      return sendJson(res, 200, core.update(def, next, method === 'PUT'));
    }
    if (method === 'DELETE' && name) {
      const body = (await readBody(req)) as { gracePeriodSeconds?: number };
      const query = url.searchParams.get('gracePeriodSeconds');
      const grace = query !== null ? Number(query) : body.gracePeriodSeconds;
      return sendJson(
        res,
        200,
        core.remove(def, namespace, name, { gracePeriodSeconds: Number.isFinite(grace) ? grace : undefined }),
      );
    }
    return sendStatus(
      res,
      405,
      `the server does not allow this method on the requested resource`,
      'MethodNotAllowed',
    );
  } catch (err) {
    if (err instanceof StoreError)
      return sendStatus(
        res,
        err.status,
        err.message,
        err.reason,
        name ? { name, kind: def.name } : undefined,
      );
    if (err instanceof SelectorError) return sendStatus(res, 400, err.message, 'BadRequest');
    throw err;
  }
}

/** GET, PUT and PATCH of a workload's `scale` subresource (what `kubectl scale` uses). */
async function serveScale(
  core: SimClusterCore,
  req: IncomingMessage,
  res: ServerResponse,
  def: ResourceDef,
  namespace: string | undefined,
  name: string,
): Promise<void> {
  const current = core.store.get(def.name, namespace, name);
  if (!current)
    return sendStatus(res, 404, `${def.name}.apps "${name}" not found`, 'NotFound', { name, kind: def.name });
  if (req.method === 'GET') return sendJson(res, 200, scaleOf(current));
  if (req.method !== 'PUT' && req.method !== 'PATCH')
    return sendStatus(
      res,
      405,
      'the server does not allow this method on the requested resource',
      'MethodNotAllowed',
    );
  const body = (await readBody(req)) as KObject;
  const next = req.method === 'PUT' ? body : (mergePatch(scaleOf(current), body) as KObject);
  const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    return sendStatus(
      res,
      422,
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value`,
      'Invalid',
    );
  try {
    const updated = core.update(
      def,
      {
        ...current,
        metadata: {
          ...current.metadata,
          resourceVersion: next.metadata?.resourceVersion ?? current.metadata.resourceVersion,
        },
        spec: { ...(current.spec as object), replicas },
      },
      req.method === 'PUT',
    );
    return sendJson(res, 200, scaleOf(updated));
  } catch (err) {
    if (err instanceof StoreError)
      return sendStatus(res, err.status, err.message, err.reason, { name, kind: def.name });
    throw err;
  }
}

/** Answers an upgrade request for pods/portforward: auth, RBAC (POST = create, GET = get), pod lookup, then hand-over. */
export function handleUpgrade(
  core: SimClusterCore,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const fail = (code: number, message: string, reason?: string): void => {
    const body = JSON.stringify(statusObject(code, message, reason));
    socket.end(
      `HTTP/1.1 ${code} ${reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  socket.on('error', () => undefined);
  const url = new URL(req.url ?? '/', 'https://sim');
  const route = parseRoute(url.pathname);
  if (!route || route.def.name !== 'pods' || route.sub !== 'portforward' || !route.namespace || !route.name)
    return fail(404, 'the server could not find the requested resource', 'NotFound');
  const user = authenticate(core, req.headers.authorization);
  if (!user) return fail(401, 'Unauthorized', 'Unauthorized');
  const verb = req.method === 'POST' ? 'create' : 'get';
  core.count(verb, 'pods/portforward');
  if (!allowed(user, verb, 'pods/portforward', route.namespace)) {
    return fail(
      403,
      forbiddenMessage(user.name, verb, 'pods/portforward', '', route.namespace, route.name),
      'Forbidden',
    );
  }
  // A proxy that strips SPDY upgrades forwards a plain request, which the API server cannot serve.
  if (!core.spdyUpgrade && req.headers.upgrade?.toLowerCase() !== 'websocket')
    return fail(400, 'Upgrade request required', 'BadRequest');
  const pod = core.store.get('pods', route.namespace, route.name);
  if (!pod) return fail(404, `pods "${route.name}" not found`, 'NotFound');
  if ((pod.status as { phase?: string } | undefined)?.phase !== 'Running') {
    return fail(400, `unable to upgrade connection: pod ${route.name} is not running`, 'BadRequest');
  }
  core.portForward(req, socket, head, pod);
}
