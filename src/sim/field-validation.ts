import { fieldType, type FieldType } from './schema-field.ts';
import { TYPES } from './schema-table.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export interface FieldCheck {
  /** Fields the kind does not have, as the strict decoder prints them (`spec.containers[0].foo`), in order. */
  unknown: string[];
  /** The first value of the wrong JSON type, in Go's decoder text; the API server refuses the whole object. */
  typeError?: string;
}

/**
 * Checks `obj` against its kind's schema and removes the fields the kind does not have, as decoding into the typed
 * object does (the server never stores a field it does not know). Kinds without a schema keep everything.
 */
export function checkObject(typeName: string | undefined, obj: unknown): FieldCheck {
  const out: FieldCheck = { unknown: [] };
  if (typeName) walk({ t: 'ref', name: typeName }, obj, { path: '', goPath: '', struct: typeName }, out);
  return out;
}

interface At {
  path: string;
  /** The path as Go's decoder names it: field names only, no indexes. */
  goPath: string;
  /** The Go struct the current field belongs to. */
  struct: string;
}

const GO_PRIM: Record<string, string> = { s: 'string', i: 'int32', l: 'int64', b: 'bool', n: 'float64' };

/** The Go type a field decodes into, when we check it (not for timestamps, quantities, int-or-string, free-form). */
function goType(ft: FieldType): string | undefined {
  if (ft.t === 'prim') return GO_PRIM[ft.name];
  if (ft.t === 'ref') return (TYPES[ft.name]?.id ?? '').split('.').slice(-2).join('.');
  if (ft.t === 'list') return ft.of.t === 'any' ? undefined : `[]${goType(ft.of) ?? ''}`;
  if (ft.t === 'map') return ft.of.t === 'any' ? undefined : `map[string]${goType(ft.of) ?? ''}`;
  return undefined;
}

const jsonKind = (v: unknown): string =>
  Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v === 'object' ? 'object' : typeof v;

function mismatch(ft: FieldType, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (ft.t === 'ref' || ft.t === 'map') return isObject(v) ? undefined : jsonKind(v);
  if (ft.t === 'list') return Array.isArray(v) ? undefined : jsonKind(v);
  if (ft.t !== 'prim') return undefined;
  switch (ft.name) {
    case 's':
      return typeof v === 'string' ? undefined : jsonKind(v);
    case 'b':
      return typeof v === 'boolean' ? undefined : jsonKind(v);
    case 'n':
      return typeof v === 'number' ? undefined : jsonKind(v);
    case 'i':
    case 'l':
      if (typeof v !== 'number') return jsonKind(v);
      return Number.isInteger(v) ? undefined : `number ${v}`;
    default:
      return undefined;
  }
}

function walk(type: FieldType, value: unknown, at: At, out: FieldCheck): void {
  const wrong = out.typeError === undefined ? mismatch(type, value) : undefined;
  const go = wrong && goType(type);
  if (wrong && go) {
    out.typeError = `json: cannot unmarshal ${wrong} into Go struct field ${at.struct}.${at.goPath} of type ${go}`;
    return;
  }
  if (type.t === 'ref' && isObject(value)) {
    const struct = (TYPES[type.name]?.id ?? type.name).split('.').pop() as string;
    for (const key of Object.keys(value)) {
      const ft = fieldType(type.name, key);
      const next = {
        path: at.path ? `${at.path}.${key}` : key,
        goPath: at.goPath ? `${at.goPath}.${key}` : key,
        struct,
      };
      if (!ft) {
        out.unknown.push(next.path);
        delete value[key];
      } else walk(ft, value[key], next, out);
    }
  } else if (type.t === 'list' && Array.isArray(value)) {
    value.forEach((item, i) => walk(type.of, item, { ...at, path: `${at.path}[${i}]` }, out));
  } else if (type.t === 'map' && isObject(value)) {
    for (const [k, v] of Object.entries(value)) walk(type.of, v, { ...at, path: `${at.path}[${k}]` }, out);
  }
}

/** The strict decoding error text the API server puts after its prefix. */
export const strictDecodingError = (unknown: string[]): string =>
  `strict decoding error: ${unknown.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ')}`;

/** One Warning header value (RFC 7234 form, code 299) per unknown field, as the server sends with Warn. */
export const unknownFieldWarnings = (unknown: string[]): string[] =>
  unknown.map((p) => `299 - ${JSON.stringify(`unknown field ${JSON.stringify(p)}`)}`);
