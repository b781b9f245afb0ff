import { strategicMerge } from './strategic-merge.ts';
import { StoreError } from './store.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

/** RFC 7386: objects merge, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Obj = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const invalid = (message: string): StoreError => new StoreError(422, 'Invalid', message);

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))
    throw new StoreError(400, 'BadRequest', `invalid JSON pointer: ${JSON.stringify(path)}`);
  return path === ''
    ? []
    : path
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container of the last token, or a 422 with the text of the JSON patch library the API server uses. */
function parentOf(doc: unknown, tokens: string[], path: string): [Obj | unknown[], string] {
  let node: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    if (node === undefined) throw invalid(`doc is missing path: "${path}": missing value`);
  }
  if (!isObject(node) && !Array.isArray(node)) throw invalid(`doc is missing path: "${path}": missing value`);
  return [node, tokens.at(-1) as string];
}

function get(doc: unknown, path: string): unknown {
  let node = doc;
  for (const t of pointer(path)) {
    node = Array.isArray(node) ? node[Number(t)] : isObject(node) ? node[t] : undefined;
    if (node === undefined) throw invalid(`doc is missing path: "${path}": missing value`);
  }
  return node;
}

function remove(doc: unknown, path: string): unknown {
  const [parent, key] = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw invalid(`doc is missing path: "${path}": missing value`);
    return parent.splice(i, 1)[0];
  }
  if (!(key in parent)) throw invalid(`doc is missing path: "${path}": missing value`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const [parent, key] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(i >= 0 && i <= parent.length) || (replace && i >= parent.length))
      throw invalid(`doc is missing path: "${path}": missing value`);
    parent.splice(i, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(key in parent)) throw invalid(`doc is missing key: ${path}: missing value`);
    parent[key] = structuredClone(value);
  }
  return doc;
}

/** RFC 6902 JSON patch over a copy of `doc`. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops))
    throw new StoreError(
      400,
      'BadRequest',
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  let out = structuredClone(doc);
  for (const op of ops as Obj[]) {
    const path = String(op.path);
    switch (op.op) {
      case 'add':
        out = add(out, path, op.value, false);
        break;
      case 'replace':
        out = add(out, path, op.value, true);
        break;
      case 'remove':
        remove(out, path);
        break;
      case 'move':
        out = add(out, path, remove(out, String(op.from)), false);
        break;
      case 'copy':
        out = add(out, path, get(out, String(op.from)), false);
        break;
      case 'test':
        if (JSON.stringify(get(out, path)) !== JSON.stringify(op.value))
          throw invalid(`testing value ${path} failed: test failed`);
        break;
      default:
        throw invalid(`Unexpected kind: ${String(op.op)}`);
    }
  }
  return out;
}

/** Applies a PATCH body of the given content type; 415 for a type the API server does not take. */
export function applyPatch(
  contentType: string | undefined,
  current: unknown,
  body: unknown,
  typeName: string | undefined,
): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim();
  if (type === 'application/merge-patch+json') return mergePatch(current, body);
  if (type === 'application/strategic-merge-patch+json') return strategicMerge(current, body, typeName);
  if (type === 'application/json-patch+json') return jsonPatch(current, body);
  throw new StoreError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
  );
}
