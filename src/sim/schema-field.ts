import { TYPES, type TypeDef } from './schema-table.ts';

/** A field type of the schema table, parsed (the notation is described in schema-table.ts). */
export type FieldType =
  | { t: 'prim'; name: 's' | 'i' | 'l' | 'b' | 'n' | 't' | 'ios' | 'q' }
  | { t: 'any' }
  | { t: 'ref'; name: string }
  | { t: 'map'; of: FieldType }
  | {
      t: 'list';
      of: FieldType;
      mergeKey?: string;
      listKeys?: string[];
      retainKeys?: boolean;
      mergeSet?: boolean;
    };

const PRIMS = new Set(['s', 'i', 'l', 'b', 'n', 't', 'ios', 'q']);
const cache = new Map<string, FieldType>();

export function parseField(spec: string): FieldType {
  const hit = cache.get(spec);
  if (hit) return hit;
  let out: FieldType;
  if (spec.startsWith('{')) out = { t: 'map', of: parseField(spec.slice(1, -1)) };
  else if (spec.startsWith('[')) {
    const [inner = '', keys] = spec.slice(1, -1).split('/') as [string, string | undefined];
    const of = parseField(inner);
    if (keys === undefined) out = { t: 'list', of };
    else if (keys === '') out = { t: 'list', of, mergeSet: true };
    else {
      const [list = '', retain] = keys.split('+');
      const listKeys = list.split(',');
      out = { t: 'list', of, mergeKey: listKeys[0] as string, listKeys, retainKeys: retain === 'retain' };
    }
  } else if (spec === 'any') out = { t: 'any' };
  else if (PRIMS.has(spec)) out = { t: 'prim', name: spec as 's' };
  else if (TYPES[spec]) out = { t: 'ref', name: spec };
  else throw new Error(`schema table: unknown type ${spec}`);
  cache.set(spec, out);
  return out;
}

/** The fields of a named type, with apiVersion, kind and metadata for the kinds. */
export function fieldsOf(def: TypeDef): Record<string, string> {
  return def.gvk ? { apiVersion: 's', kind: 's', metadata: 'ObjectMeta', ...def.fields } : def.fields;
}

/** The parsed type of field `key` of named type `typeName`; undefined when unknown. */
export function fieldType(typeName: string, key: string): FieldType | undefined {
  const def = TYPES[typeName];
  const spec = def ? fieldsOf(def)[key] : undefined;
  return spec === undefined ? undefined : parseField(spec);
}
