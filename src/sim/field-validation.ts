import { fieldType, type FieldType } from './schema-field.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Finds the fields of `obj` that its kind does not have, in the order they appear, as paths like the API server's
 * strict decoder prints them (`spec.containers[0].foo`), and removes them from `obj` as decoding into the typed
 * object does (the server never stores a field it does not know). Kinds without a schema keep everything.
 */
export function dropUnknownFields(typeName: string | undefined, obj: unknown): string[] {
  const unknown: string[] = [];
  if (typeName) walk({ t: 'ref', name: typeName }, obj, '', unknown);
  return unknown;
}

function walk(type: FieldType, value: unknown, path: string, unknown: string[]): void {
  if (type.t === 'ref' && isObject(value)) {
    for (const key of Object.keys(value)) {
      const ft = fieldType(type.name, key);
      const p = path ? `${path}.${key}` : key;
      if (!ft) {
        unknown.push(p);
        delete value[key];
      } else walk(ft, value[key], p, unknown);
    }
  } else if (type.t === 'list' && Array.isArray(value)) {
    value.forEach((item, i) => walk(type.of, item, `${path}[${i}]`, unknown));
  } else if (type.t === 'map' && isObject(value)) {
    for (const [k, v] of Object.entries(value)) walk(type.of, v, `${path}[${k}]`, unknown);
  }
}

/** The strict decoding error text the API server puts after its prefix. */
export const strictDecodingError = (unknown: string[]): string =>
  `strict decoding error: ${unknown.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ')}`;

/** One Warning header value (RFC 7234 form, code 299) per unknown field, as the server sends with Warn. */
export const unknownFieldWarnings = (unknown: string[]): string[] =>
  unknown.map((p) => `299 - ${JSON.stringify(`unknown field ${JSON.stringify(p)}`)}`);
