/** Tiny builders for the JSON Schema subset openapi.yaml uses (the test validator understands exactly these). */
export type Schema = Record<string, unknown>;

export const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
export const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
export const num = (extra: Schema = {}): Schema => ({ type: 'number', ...extra });
export const bool = (): Schema => ({ type: 'boolean' });
export const dateTime = (): Schema => ({ type: 'string', format: 'date-time' });
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const arr = (items: Schema): Schema => ({ type: 'array', items });
export const oneOfEnum = (values: readonly string[]): Schema => ({ type: 'string', enum: [...values] });
/** An object whose values all follow `values` (labels, counts by type). */
export const map = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });

/** `T | null`: a scalar type gains 'null'; anything else becomes oneOf [T, null]. */
export function nullable(s: Schema): Schema {
  if (typeof s.type === 'string' && s.enum === undefined) return { ...s, type: [s.type, 'null'] };
  return { oneOf: [s, { type: 'null' }] };
}

/**
 * An object: every property required unless named in `optional` (nullable fields stay required — they are sent as
 * null, never left out).
 */
export function obj(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: 'object', ...(required.length ? { required } : {}), properties };
}

/** Byte counts and rates. */
export const bytes: Schema = { type: 'number', minimum: 0 };
