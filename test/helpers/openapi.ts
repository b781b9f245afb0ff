import { readFileSync } from 'node:fs';
import YAML from 'yaml';

type Schema = Record<string, unknown>;

export const SPEC = YAML.parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        parameters?: Array<{ name: string; in: string; required?: boolean; schema: Schema }>;
        responses: Record<string, unknown>;
      }
    >
  >;
  components: { schemas: Record<string, Schema>; responses: Record<string, unknown> };
};

function resolve(s: Schema): Schema {
  const ref = s.$ref as string | undefined;
  if (!ref) return s;
  const name = ref.split('/').pop() as string;
  const section = ref.includes('/responses/') ? SPEC.components.responses : SPEC.components.schemas;
  return resolve(section[name] as Schema);
}

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

/** Validates the JSON Schema subset our spec uses (type, enum, const, required, properties, items, $ref). */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const s = resolve(schema);
  const errors: string[] = [];
  if (s.const !== undefined && value !== s.const) errors.push(`${path}: expected ${JSON.stringify(s.const)}`);
  if (s.enum && !(s.enum as unknown[]).includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (s.type) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const t = typeOf(value);
    const ok = types.some((x) => x === t || (x === 'number' && t === 'integer'));
    if (!ok) return [...errors, `${path}: expected ${types.join('|')}, got ${t}`];
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const r of (s.required as string[] | undefined) ?? [])
      if (!(r in value)) errors.push(`${path}: missing ${r}`);
    for (const [k, sub] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {})) {
      if (k in value) errors.push(...validate(sub, (value as Record<string, unknown>)[k], `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && s.items)
    value.forEach((v, i) => errors.push(...validate(s.items as Schema, v, `${path}[${i}]`)));
  return errors;
}

/** Finds the spec's response schema for (path template, method, status) and validates `body` against it. */
export function validateResponse(template: string, method: string, status: number, body: unknown): string[] {
  const op = SPEC.paths[template]?.[method.toLowerCase()];
  if (!op) return [`no operation ${method} ${template} in openapi.yaml`];
  const resp = resolve(
    (op.responses[String(status)] ??
      SPEC.components.responses[status >= 500 ? 'Internal' : 'BadRequest']) as Schema,
  ) as { content?: Record<string, { schema: Schema }> };
  const schema = resp?.content?.['application/json']?.schema;
  if (!schema) return [`no JSON schema for ${method} ${template} ${status}`];
  return validate(schema, body);
}
