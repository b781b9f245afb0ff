import { readFileSync } from 'node:fs';
import YAML from 'yaml';

/** A validator for the JSON Schema subset openapi.yaml uses; the contract test checks the spec uses no other keyword. */
export type Schema = Record<string, unknown>;

export interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

export interface SpecOperation {
  operationId: string;
  summary?: string;
  security?: unknown[];
  parameters?: SpecParameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Schema>;
}

export const SPEC = YAML.parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, SpecOperation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Schema> };
};

/** Keywords the validator understands (annotations such as description/default/format are listed too). */
export const SUPPORTED_KEYWORDS = new Set([
  '$ref',
  'type',
  'const',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'allOf',
  'oneOf',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'description',
  'default',
]);

export function resolve(s: Schema): Schema {
  const ref = s.$ref as string | undefined;
  if (!ref) return s;
  const name = ref.split('/').pop() as string;
  const section = ref.includes('/responses/') ? SPEC.components.responses : SPEC.components.schemas;
  const target = section[name];
  if (!target) throw new Error(`dangling $ref ${ref}`);
  return resolve(target);
}

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const s = resolve(schema);
  const errors: string[] = [];
  if ('const' in s && value !== s.const) errors.push(`${path}: expected ${JSON.stringify(s.const)}`);
  if (s.enum && !(s.enum as unknown[]).includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (s.type) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const t = typeOf(value);
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer')))
      return [...errors, `${path}: expected ${types.join('|')}, got ${t}`];
  }
  for (const sub of (s.allOf as Schema[] | undefined) ?? []) errors.push(...validate(sub, value, path));
  if (s.oneOf) {
    const passing = (s.oneOf as Schema[]).filter((sub) => validate(sub, value, path).length === 0).length;
    if (passing !== 1) errors.push(`${path}: matches ${passing} of oneOf`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: above ${s.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) errors.push(`${path}: too short`);
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) errors.push(`${path}: too long`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value))
      errors.push(`${path}: does not match ${s.pattern}`);
    if (s.format === 'date-time' && !DATE_TIME.test(value)) errors.push(`${path}: not a date-time: ${value}`);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? [])
      if (!(r in obj)) errors.push(`${path}: missing ${r}`);
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(props[k], v, `${path}.${k}`));
      else if (s.additionalProperties && typeof s.additionalProperties === 'object')
        errors.push(...validate(s.additionalProperties as Schema, v, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && s.items)
    value.forEach((v, i) => errors.push(...validate(s.items as Schema, v, `${path}[${i}]`)));
  return errors;
}

/** Every keyword used anywhere in a schema of the spec, to prove the validator covers them. */
export function keywordsUsed(): Set<string> {
  const out = new Set<string>();
  const walk = (s: unknown): void => {
    if (Array.isArray(s)) return s.forEach(walk);
    if (!s || typeof s !== 'object') return;
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties') {
        for (const p of Object.values(v as Record<string, unknown>)) walk(p);
        continue;
      }
      out.add(k);
      if (k !== 'enum' && k !== 'required' && k !== 'const' && k !== 'default') walk(v);
    }
  };
  const schemas: unknown[] = [...Object.values(SPEC.components.schemas)];
  for (const ops of Object.values(SPEC.paths))
    for (const op of Object.values(ops)) {
      for (const p of op.parameters ?? []) schemas.push(p.schema);
      for (const c of Object.values(op.requestBody?.content ?? {})) schemas.push(c.schema);
      for (const r of Object.values(op.responses))
        for (const c of Object.values((resolve(r).content as Record<string, { schema: Schema }>) ?? {}))
          schemas.push(c.schema);
    }
  schemas.forEach(walk);
  return out;
}

/** The spec's response schema for (template, method, status); undefined when the status is not documented. */
export function responseSchema(template: string, method: string, status: number): Schema | undefined {
  const op = SPEC.paths[template]?.[method.toLowerCase()];
  const resp = op?.responses[String(status)];
  if (!resp) return undefined;
  const content = resolve(resp).content as Record<string, { schema: Schema }> | undefined;
  return content?.['application/json']?.schema;
}

/** Validates a JSON answer; an undocumented status is an error too. */
export function validateResponse(template: string, method: string, status: number, body: unknown): string[] {
  const op = SPEC.paths[template]?.[method.toLowerCase()];
  if (!op) return [`no operation ${method} ${template} in openapi.yaml`];
  if (!op.responses[String(status)]) return [`${method} ${template}: status ${status} not documented`];
  const schema = responseSchema(template, method, status);
  if (!schema) return [`no JSON schema for ${method} ${template} ${status}`];
  return validate(schema, body);
}

/** The path template a concrete path matches; literal segments win over parameters. */
export function templateOf(method: string, path: string): string | undefined {
  const segs = path.split('?')[0]?.split('/') ?? [];
  let best: { t: string; params: number } | undefined;
  for (const [t, ops] of Object.entries(SPEC.paths)) {
    if (!ops[method.toLowerCase()]) continue;
    const ts = t.split('/');
    if (ts.length !== segs.length) continue;
    let params = 0;
    const ok = ts.every((x, i) => {
      if (x.startsWith('{')) return (params++, (segs[i] ?? '') !== '');
      return x === segs[i];
    });
    if (ok && (!best || params < best.params)) best = { t, params };
  }
  return best?.t;
}
