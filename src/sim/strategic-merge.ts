import { fieldType, type FieldType } from './schema-field.ts';
import { StoreError } from './store.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch the way the API server does for built-in kinds: maps merge, lists with a patch merge
 * key in the schema table (containers by name, ports by containerPort, env by name, …) merge item by item, other
 * lists are replaced, `null` deletes; with the directives `kubectl apply` sends (`$patch: replace|delete|merge`,
 * `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`). Fields the table leaves free-form merge as maps
 * and replace lists, as a JSON merge patch would.
 */
export function strategicMerge(original: unknown, patch: unknown, typeName: string | undefined): unknown {
  return mergeMap(
    isObject(original) ? original : {},
    patch,
    typeName ? { t: 'ref', name: typeName } : undefined,
  );
}

function childType(type: FieldType | undefined, key: string): FieldType | undefined {
  if (type?.t === 'ref') return fieldType(type.name, key);
  if (type?.t === 'map') return type.of;
  return undefined;
}

function mergeMap(original: Obj, patch: unknown, type: FieldType | undefined): unknown {
  if (!isObject(patch)) return patch;
  const directive = patch.$patch;
  if (directive === 'replace') return stripDirectives(patch, type);
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge')
    throw new StoreError(422, 'Invalid', `Unknown patch type: ${JSON.stringify(directive)}`);
  const out: Obj = { ...original };
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(ORDER)) continue;
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      const drop = Array.isArray(value) ? value : [];
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((v) => !drop.includes(v));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const ft = childType(type, key);
    const merged =
      Array.isArray(value) && ft?.t === 'list'
        ? mergeList(Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value, ft)
        : isObject(value)
          ? mergeMap(isObject(out[key]) ? out[key] : {}, value, ft)
          : value;
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith(ORDER) || !Array.isArray(value)) continue;
    const field = key.slice(ORDER.length);
    const ft = childType(type, field);
    if (Array.isArray(out[field]) && ft?.t === 'list')
      out[field] = reorder(out[field] as unknown[], value, ft);
  }
  return out;
}

function stripDirectives(patch: Obj, type: FieldType | undefined): Obj {
  return mergeMap({}, { ...patch, $patch: undefined }, type) as Obj;
}

function mergeList(
  original: unknown[],
  patch: unknown[],
  type: Extract<FieldType, { t: 'list' }>,
): unknown[] {
  if (type.mergeSet) return [...original, ...patch.filter((v) => !original.includes(v))];
  const key = type.mergeKey;
  if (!key) return patch.map((v) => (isObject(v) ? mergeMap({}, v, type.of) : v));
  if (patch.some((p) => isObject(p) && p.$patch === 'replace'))
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map((p) => mergeMap({}, p, type.of));
  const out = [...original];
  for (const item of patch) {
    if (!isObject(item)) continue;
    const at = out.findIndex((o) => isObject(o) && o[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    const merged = mergeMap(at >= 0 ? (out[at] as Obj) : {}, item, type.of);
    if (at >= 0) out[at] = merged;
    else out.push(merged);
  }
  return out;
}

function reorder(list: unknown[], order: unknown[], type: Extract<FieldType, { t: 'list' }>): unknown[] {
  const id = (v: unknown): unknown => (type.mergeKey && isObject(v) ? v[type.mergeKey] : v);
  const wanted = order.map(id);
  const rank = (v: unknown): number => {
    const i = wanted.indexOf(id(v));
    return i < 0 ? wanted.length : i;
  };
  return list
    .map((v, i) => [v, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
    .map(([v]) => v);
}
