/**
 * Builds openapi.yaml from the operation table and the schemas, so every route gets the same envelope, error
 * responses and security. Regenerate with `node src/api/openapi/build.ts`; a unit test fails when the committed file
 * differs from what this builds.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ERROR_CODES } from '../../errors.ts';
import { OPERATIONS, type Operation } from './operations.ts';
import { SCHEMAS } from './schemas.ts';
import { obj, ref, str, type Schema } from './schema-kit.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../../../openapi.yaml', import.meta.url));

const RESPONSE_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Unprocessable',
  500: 'Internal',
  502: 'BadGateway',
  503: 'Unavailable',
  504: 'GatewayTimeout',
  507: 'InsufficientStorage',
};

/** Every operation can answer these: bad input, no token, Host/Origin refused, unknown key, a body where none
 * belongs (too large, not JSON), a bug, shutting down. */
const COMMON = [400, 401, 403, 404, 413, 415, 500, 503];

const LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const SUBDOMAIN = '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$';
const PATH_PARAMS: Record<string, Schema> = {
  key: str({
    minLength: 1,
    maxLength: 600,
    description: 'Service svc.ns.ctx, forward svc.ns.ctx.pod.port, namespace ns.ctx',
  }),
  namespace: str({ pattern: LABEL }),
  name: str({ pattern: LABEL }),
  serviceName: str({ pattern: LABEL }),
  podName: str({ pattern: SUBDOMAIN }),
};

function envelope(data: Schema, withCount: boolean): Schema {
  const meta = withCount ? { allOf: [ref('Meta'), obj({ count: { type: 'integer' } })] } : ref('Meta');
  return obj({ success: { const: true }, data, meta });
}

function responses(op: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (op.id === 'getHealth') {
    const health = { content: { 'application/json': { schema: ref('Health') } } };
    out['200'] = { description: 'Healthy', ...health };
    out['503'] = { description: 'First sync still running, or shutting down', ...health };
  } else if (op.raw) {
    out['200'] = { description: op.raw.description, content: { [op.raw.type]: { schema: str() } } };
  } else {
    const isList = op.data?.type === 'array' || op.params?.some((p) => p.name === 'limit') === true;
    out[String(op.status ?? 200)] = {
      description: op.status === 201 ? 'Created' : 'OK',
      content: { 'application/json': { schema: envelope(op.data ?? obj({}), isList) } },
    };
  }
  const statuses = new Set([...COMMON, ...(op.errors ?? [])]);
  if (op.open) statuses.delete(401);
  for (const s of [...statuses].sort((a, b) => a - b)) {
    if (op.id === 'getHealth' && s === 503) continue;
    out[String(s)] = { $ref: `#/components/responses/${RESPONSE_NAMES[s]}` };
  }
  return out;
}

function operation(op: Operation): Record<string, unknown> {
  const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: PATH_PARAMS[name as string] ?? str(),
  }));
  const params = [...pathParams, ...(op.params ?? []).map((p) => ({ ...p, required: p.required ?? false }))];
  return {
    operationId: op.id,
    summary: op.summary,
    tags: [op.tag],
    ...(op.description ? { description: op.description } : {}),
    ...(op.open ? { security: [] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } }
      : {}),
    responses: responses(op),
  };
}

function errorResponses(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, name] of Object.entries(RESPONSE_NAMES)) {
    const codes = Object.entries(ERROR_CODES)
      .filter(([, v]) => v.status === Number(status))
      .map(([k]) => k);
    out[name] = {
      description: `Error envelope (${codes.join(', ')})`,
      content: { 'application/json': { schema: ref('ErrorEnvelope') } },
    };
  }
  return out;
}

export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) (paths[op.path] ??= {})[op.method] = operation(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'kubefwd REST API',
      version,
      description:
        'Control plane of kubefwd: add and remove namespaces and services on the fly, read live metrics, history, ' +
        'diagnostics, logs and HTTP captures, follow events over SSE. Every route but /api/health, /openapi.yaml ' +
        'and /docs needs `Authorization: Bearer <key>` (KUBEFWD_API_KEY, or the key printed at start). The Host ' +
        'header must name kubefwd (DNS rebinding); state-changing requests from foreign origins are refused. JSON ' +
        'answers use the envelope {success, data, error: {code, message}, meta: {count?, timestamp, requestId}}, ' +
        'except /api/health which answers {status, timestamp} bare for probes.',
    },
    servers: [{ url: 'http://kubefwd.internal' }],
    security: [{ bearer: [] }],
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: SCHEMAS,
      responses: errorResponses(),
    },
  };
}

export function renderOpenApi(version: string): string {
  return YAML.stringify(buildOpenApi(version), { lineWidth: 0, aliasDuplicateObjects: false });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { packageVersion } = await import('../../cli/version.ts');
  writeFileSync(OPENAPI_FILE, renderOpenApi(packageVersion()));
}
