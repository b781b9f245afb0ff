import { createHash } from 'node:crypto';
import { RESOURCES, SUBRESOURCES, resourceByName, type ResourceDef } from './resources.ts';
import { DELETE_OPTIONS, PATCH, STATUS, allSchemas, refTo, type OpenApiVersion } from './openapi-schemas.ts';
import { PATCH_TYPES } from './patch.ts';
import { TYPES } from './schema-table.ts';

/**
 * The OpenAPI documents of the simulated API server, generated from the RESOURCES table and the schema table: the v3
 * discovery index, one v3 document per group-version, and the v2 document. Every write operation declares the
 * `fieldValidation` parameter, which is how kubectl learns that the server validates fields itself.
 */
type Doc = Record<string, unknown>;

const groupWord = (group: string): string =>
  group === '' ? 'Core' : (group.split('.')[0] as string).replace(/^./, (c) => c.toUpperCase());

const pathPrefix = (r: { group: string; version: string }): string =>
  r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;

/** The group-version path as the v3 index names it: `api/v1`, `apis/apps/v1`. */
export const gvPath = (r: { group: string; version: string }): string => pathPrefix(r).slice(1);

function param(v: OpenApiVersion, name: string, where: 'path' | 'query', type = 'string'): Doc {
  const base = { name, in: where, ...(where === 'path' ? { required: true } : {}), uniqueItems: true };
  return v === 2 ? { ...base, type } : { ...base, schema: { type } };
}

interface OpSpec {
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';
  kindId: string | undefined;
  gvk: { group: string; version: string; kind: string };
  idStem: string;
  returns?: Doc;
}

const METHOD = {
  get: 'get',
  list: 'get',
  create: 'post',
  update: 'put',
  patch: 'patch',
  delete: 'delete',
} as const;
const ACTION = {
  get: 'get',
  list: 'list',
  create: 'post',
  update: 'put',
  patch: 'patch',
  delete: 'delete',
} as const;
const OP_WORD = {
  get: 'read',
  list: 'list',
  create: 'create',
  update: 'replace',
  patch: 'patch',
  delete: 'delete',
};

function operation(v: OpenApiVersion, op: OpSpec): Doc {
  const query: Doc[] = [];
  if (op.verb === 'list')
    for (const [n, t] of [
      ['allowWatchBookmarks', 'boolean'],
      ['continue', 'string'],
      ['fieldSelector', 'string'],
      ['labelSelector', 'string'],
      ['limit', 'integer'],
      ['resourceVersion', 'string'],
      ['timeoutSeconds', 'integer'],
      ['watch', 'boolean'],
    ] as const)
      query.push(param(v, n, 'query', t));
  if (op.verb === 'create' || op.verb === 'update' || op.verb === 'patch')
    for (const n of ['dryRun', 'fieldManager', 'fieldValidation']) query.push(param(v, n, 'query'));
  if (op.verb === 'patch') query.push(param(v, 'force', 'query', 'boolean'));
  const body = op.verb === 'patch' ? PATCH : op.verb === 'delete' ? DELETE_OPTIONS : op.kindId;
  const hasBody = ['create', 'update', 'patch', 'delete'].includes(op.verb) && body;
  const result =
    op.returns ??
    (op.kindId ? refTo(op.verb === 'list' ? `${op.kindId}List` : op.kindId, v) : refTo(STATUS, v));
  const consumes = op.verb === 'patch' ? [...PATCH_TYPES] : ['*/*'];
  const out: Doc = {
    operationId: `${OP_WORD[op.verb]}${op.idStem}`,
    parameters:
      v === 2 && hasBody
        ? [{ name: 'body', in: 'body', required: op.verb !== 'delete', schema: refTo(body, 2) }, ...query]
        : query,
    responses:
      v === 2
        ? { '200': { description: 'OK', schema: result } }
        : { '200': { description: 'OK', content: { 'application/json': { schema: result } } } },
    'x-kubernetes-action': ACTION[op.verb],
    'x-kubernetes-group-version-kind': op.gvk,
  };
  if (v === 2) Object.assign(out, { consumes, produces: ['application/json'] });
  else if (hasBody)
    out.requestBody = {
      content: Object.fromEntries(consumes.map((c) => [c, { schema: refTo(body, 3) }])),
      required: op.verb !== 'delete',
    };
  return out;
}

function addPaths(v: OpenApiVersion, r: ResourceDef, paths: Record<string, Doc>): void {
  const kindId = TYPES[r.kind]?.gvk?.group === r.group ? TYPES[r.kind]?.id : undefined;
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const stem = `${groupWord(r.group)}${r.version.replace(/^./, (c) => c.toUpperCase())}`;
  const scope = r.namespaced ? `Namespaced${r.kind}` : r.kind;
  const base = r.namespaced
    ? `${pathPrefix(r)}/namespaces/{namespace}/${r.name}`
    : `${pathPrefix(r)}/${r.name}`;
  const scopeParams = r.namespaced ? [param(v, 'namespace', 'path')] : [];
  const ops = (verbs: OpSpec['verb'][], idStem: string, k = kindId, g = gvk, returns?: Doc): Doc =>
    Object.fromEntries(
      verbs
        .filter((verb) => r.verbs.includes(verb))
        .map((verb) => [
          METHOD[verb],
          operation(v, { verb, kindId: k, gvk: g, idStem, ...(returns ? { returns } : {}) }),
        ]),
    );
  paths[base] = { ...ops(['list', 'create'], `${stem}${scope}`), parameters: scopeParams };
  paths[`${base}/{name}`] = {
    ...ops(['get', 'update', 'patch', 'delete'], `${stem}${scope}`),
    parameters: [param(v, 'name', 'path'), ...scopeParams],
  };
  if (r.namespaced) paths[`${pathPrefix(r)}/${r.name}`] = ops(['list'], `${stem}${r.kind}ForAllNamespaces`);
  for (const sub of SUBRESOURCES[r.group] ?? []) {
    const [parent, subName = ''] = sub.name.split('/');
    if (parent !== r.name || resourceByName.get(parent) !== r) continue;
    if (!['status', 'scale', 'log'].includes(subName)) continue;
    const subType = TYPES[sub.kind];
    const subGvk = subType?.gvk ?? gvk;
    const verbs = (['get', 'update', 'patch'] as const).filter((vb) => sub.verbs.includes(vb));
    const logText = subName === 'log' ? { type: 'string' } : undefined;
    paths[`${base}/{name}/${subName}`] = {
      ...Object.fromEntries(
        verbs.map((verb) => [
          METHOD[verb],
          operation(v, {
            verb,
            kindId: subType?.id,
            gvk: subGvk,
            idStem: `${stem}${scope}${subName.replace(/^./, (c) => c.toUpperCase())}`,
            ...(logText ? { returns: logText } : {}),
          }),
        ]),
      ),
      parameters: [param(v, 'name', 'path'), ...scopeParams],
    };
  }
}

/** The group-versions that have documents: every one in RESOURCES. */
export function documentedGroupVersions(): string[] {
  return [...new Set(RESOURCES.map((r) => gvPath(r)))];
}

const INFO = (version: string) => ({ title: 'Kubernetes', version: `v${version}.0` });

export function openApiV3Document(gv: string, version: string): Doc | undefined {
  const resources = RESOURCES.filter((r) => gvPath(r) === gv);
  if (resources.length === 0) return undefined;
  const paths: Record<string, Doc> = {};
  for (const r of resources) addPaths(3, r, paths);
  return { openapi: '3.0.0', info: INFO(version), paths, components: { schemas: allSchemas(3, RESOURCES) } };
}

export function openApiV2Document(version: string): Doc {
  const paths: Record<string, Doc> = {};
  for (const r of RESOURCES) addPaths(2, r, paths);
  return { swagger: '2.0', info: INFO(version), paths, definitions: allSchemas(2, RESOURCES) };
}

export const hashOf = (text: string): string => createHash('sha512').update(text).digest('hex').toUpperCase();

/** `/openapi/v3`: where each group-version's document is, with a content hash clients cache on. */
export function openApiV3Index(docText: (gv: string) => string): Doc {
  return {
    paths: Object.fromEntries(
      documentedGroupVersions().map((gv) => [
        gv,
        { serverRelativeURL: `/openapi/v3/${gv}?hash=${hashOf(docText(gv))}` },
      ]),
    ),
  };
}
