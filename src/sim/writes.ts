import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { checkObject, strictDecodingError, unknownFieldWarnings } from './field-validation.ts';
import { applyPatch } from './patch.ts';
import { fieldValidationOf } from './query.ts';
import { apiVersionOf, type ResourceDef } from './resources.ts';
import { kindType } from './schema-table.ts';
import { StoreError, type KObject } from './store.ts';

/**
 * Field validation of writes as the API server does it (`fieldValidation=Strict|Warn|Ignore`, Warn when absent):
 * unknown fields are dropped from what is stored; Strict refuses them with the decoder's text, Warn answers with one
 * `Warning` header per field. Create and update fail as a decoding error (400), patch as an invalid patch (422).
 */
export interface Checked {
  obj: KObject;
  warnings: string[];
}

type Verb = 'create' | 'update' | 'patch';
const OPTIONS = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions' } as const;

/** Go's `%v` of a decoded JSON value, as the API server prints a patch in its error text. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (typeof v === 'object')
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goFormat((v as Record<string, unknown>)[k])}`)
      .join(' ')}]`;
  if (typeof v === 'number') {
    const x = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
    if (x < -4 || x >= 6) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function checkFields(
  def: ResourceDef,
  verb: Verb,
  params: URLSearchParams,
  obj: KObject,
  patch?: unknown,
): Checked {
  const directive = fieldValidationOf(params, OPTIONS[verb]);
  const { unknown, typeError } = checkObject(kindType(def.group, def.kind), obj);
  // A value of the wrong type fails decoding whatever the directive; unknown fields only under Strict.
  if (!typeError && (unknown.length === 0 || directive === 'Ignore')) return { obj, warnings: [] };
  if (!typeError && directive === 'Warn') return { obj, warnings: unknownFieldWarnings(unknown) };
  const why = typeError ?? strictDecodingError(unknown);
  if (verb !== 'patch')
    throw new StoreError(
      400,
      'BadRequest',
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${why}`,
    );
  const cause = `Invalid value: ${JSON.stringify(goFormat(patch))}: ${why}`;
  throw new StoreError(422, 'Invalid', ` "" is invalid: patch: ${cause}`, {
    causes: [{ reason: 'FieldValueInvalid', message: cause, field: 'patch' }],
  });
}

/** The object a PATCH makes of `current`, field-checked. */
export function patched(
  def: ResourceDef,
  req: IncomingMessage,
  params: URLSearchParams,
  current: KObject,
  body: unknown,
): Checked {
  const next = applyPatch(req.headers['content-type'], current, body, kindType(def.group, def.kind));
  if (next === null || typeof next !== 'object' || Array.isArray(next))
    throw new StoreError(422, 'Invalid', 'the patch does not leave an object');
  const type = (req.headers['content-type'] ?? '').split(';')[0];
  const shown = type === 'application/strategic-merge-patch+json' ? body : JSON.stringify(next);
  return checkFields(def, 'patch', params, next as KObject, shown);
}

/** What a dry-run create answers: the object as it would be stored, with no resourceVersion. */
export const dryRunCreated = (def: ResourceDef, obj: KObject): KObject => ({
  ...obj,
  apiVersion: apiVersionOf(def),
  kind: def.kind,
  metadata: {
    ...obj.metadata,
    name: obj.metadata.name || `${obj.metadata.generateName ?? ''}${randomUUID().slice(0, 5)}`,
    uid: randomUUID(),
    creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  },
});

/** Headers with one `Warning` per text (Node.js sends an array as repeated headers). */
export const warningHeaders = (warnings: string[]): Record<string, string[]> =>
  warnings.length ? { Warning: warnings } : {};
