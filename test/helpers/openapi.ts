import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
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

/**
 * Answers are checked against openapi.yaml with Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1): the whole
 * spec is one schema document, so `$ref`s resolve as the spec writes them. `strict: false` because an OpenAPI
 * document carries keywords that are not JSON Schema (`paths`, `info`, `example`, …).
 */
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...SPEC, $id: 'openapi' });

const pointer = (...parts: string[]): string =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();

function validatorFor(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    compiled.set(ref, v);
  }
  return v;
}

function errorsOf(v: ValidateFunction, value: unknown): string[] {
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `$${e.instancePath.replaceAll('/', '.')}: ${e.message ?? e.keyword}`);
}

/** Validates `value` against a schema of the spec, e.g. `{ $ref: '#/components/schemas/Service' }`. */
export function validate(schema: Schema, value: unknown): string[] {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) return errorsOf(validatorFor(`openapi${ref}`), value);
  return errorsOf(ajv.compile(schema), value);
}

/** Finds the spec's response schema for (path template, method, status) and validates `body` against it. */
export function validateResponse(template: string, method: string, status: number, body: unknown): string[] {
  const op = SPEC.paths[template]?.[method.toLowerCase()];
  if (!op) return [`no operation ${method} ${template} in openapi.yaml`];
  let response = op.responses[String(status)] as Schema | undefined;
  let base = `openapi#/${pointer('paths', template, method.toLowerCase(), 'responses', String(status))}`;
  if (!response) {
    const fallback = status >= 500 ? 'Internal' : 'BadRequest';
    response = SPEC.components.responses[fallback] as Schema;
    base = `openapi#/components/responses/${fallback}`;
  }
  if (typeof response.$ref === 'string') {
    const name = response.$ref.split('/').pop() as string;
    response = SPEC.components.responses[name] as Schema;
    base = `openapi#/components/responses/${name}`;
  }
  const content = response.content as Record<string, unknown> | undefined;
  if (!content?.['application/json']) return [`no JSON schema for ${method} ${template} ${status}`];
  return errorsOf(validatorFor(`${base}/content/${pointer('application/json')}/schema`), body);
}
