import { fieldsOf, parseField, type FieldType } from './schema-field.ts';
import { TYPES } from './schema-table.ts';
import type { ResourceDef } from './resources.ts';

/** JSON schemas for the OpenAPI documents, from the schema table. v2 refers to `#/definitions/`, v3 to components. */
export type OpenApiVersion = 2 | 3;
type Schema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const TIME = `${META}Time`;
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const STATUS = `${META}Status`;
export const PATCH = `${META}Patch`;
export const DELETE_OPTIONS = `${META}DeleteOptions`;

export const refTo = (id: string, v: OpenApiVersion): Schema => ({
  $ref: v === 2 ? `#/definitions/${id}` : `#/components/schemas/${id}`,
});

const FREE_FORM: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

function schemaOf(ft: FieldType, v: OpenApiVersion): Schema {
  switch (ft.t) {
    case 'any':
      return FREE_FORM;
    case 'ref':
      return refTo((TYPES[ft.name] as { id: string }).id, v);
    case 'map':
      return { type: 'object', additionalProperties: schemaOf(ft.of, v) };
    case 'list': {
      const s: Schema = { type: 'array', items: schemaOf(ft.of, v) };
      if (ft.mergeSet)
        Object.assign(s, { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
      else if (ft.mergeKey)
        Object.assign(s, {
          'x-kubernetes-list-map-keys': ft.listKeys,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-patch-merge-key': ft.mergeKey,
          'x-kubernetes-patch-strategy': ft.retainKeys ? 'merge,retainKeys' : 'merge',
        });
      else s['x-kubernetes-list-type'] = 'atomic';
      return s;
    }
    case 'prim':
      switch (ft.name) {
        case 's':
          return { type: 'string' };
        case 'i':
          return { type: 'integer', format: 'int32' };
        case 'l':
          return { type: 'integer', format: 'int64' };
        case 'b':
          return { type: 'boolean' };
        case 'n':
          return { type: 'number', format: 'double' };
        case 't':
          return refTo(TIME, v);
        case 'ios':
          return refTo(INT_OR_STRING, v);
        case 'q':
          return refTo(QUANTITY, v);
      }
  }
}

const gvkExt = (group: string, version: string, kind: string) => ({
  'x-kubernetes-group-version-kind': [{ group, kind, version }],
});

/** Every schema of the table plus the shared meta types and a List type per served resource that has a schema. */
export function allSchemas(v: OpenApiVersion, resources: ResourceDef[]): Record<string, Schema> {
  const out: Record<string, Schema> = {
    [TIME]: { type: 'string', format: 'date-time' },
    [INT_OR_STRING]: {
      type: 'string',
      format: 'int-or-string',
      ...(v === 3 ? { 'x-kubernetes-int-or-string': true } : {}),
    },
    [QUANTITY]: { type: 'string' },
    [PATCH]: { type: 'object' },
    [DELETE_OPTIONS]: { ...FREE_FORM, ...gvkExt('', 'v1', 'DeleteOptions') },
    [STATUS]: {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: refTo(`${META}ListMeta`, v),
        status: { type: 'string' },
        message: { type: 'string' },
        reason: { type: 'string' },
        details: FREE_FORM,
        code: { type: 'integer', format: 'int32' },
      },
      ...gvkExt('', 'v1', 'Status'),
    },
  };
  for (const def of Object.values(TYPES)) {
    const properties = Object.fromEntries(
      Object.entries(fieldsOf(def)).map(([k, spec]) => [k, schemaOf(parseField(spec), v)]),
    );
    out[def.id] = {
      type: 'object',
      properties,
      ...(def.required ? { required: def.required } : {}),
      ...(def.gvk ? gvkExt(def.gvk.group, def.gvk.version, def.gvk.kind) : {}),
    };
  }
  for (const r of resources) {
    const item = TYPES[r.kind];
    if (!item?.gvk || item.gvk.group !== r.group) continue;
    out[`${item.id}List`] = {
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: refTo(`${META}ListMeta`, v),
        items: { type: 'array', items: refTo(item.id, v) },
      },
      ...gvkExt(r.group, r.version, `${r.kind}List`),
    };
  }
  return out;
}
