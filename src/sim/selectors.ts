/** Label and field selectors as the API server parses them. */
type LabelTerm =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export class SelectorError extends Error {}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  return parts.map((p) => p.trim()).filter(Boolean);
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

export function parseLabelSelector(text: string | undefined): LabelTerm[] {
  if (!text) return [];
  return splitTopLevel(text).map((term) => {
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      return {
        op: m[2] as 'in' | 'notin',
        key: m[1],
        values: m[3]
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      };
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m?.[1] && m[2]) {
      if (!KEY.test(m[1])) throw new SelectorError(`invalid label key "${m[1]}"`);
      return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1], value: m[3] ?? '' };
    }
    if (term.startsWith('!') && KEY.test(term.slice(1))) return { op: 'notexists', key: term.slice(1) };
    if (KEY.test(term)) return { op: 'exists', key: term };
    throw new SelectorError(`unable to parse requirement: "${term}"`);
  });
}

export function matchLabels(terms: LabelTerm[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return terms.every((t) => {
    const has = Object.hasOwn(l, t.key);
    switch (t.op) {
      case 'eq':
        return l[t.key] === t.value;
      case 'neq':
        return l[t.key] !== t.value;
      case 'in':
        return has && t.values.includes(l[t.key] as string);
      case 'notin':
        return !has || !t.values.includes(l[t.key] as string);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

const FIELDS: Record<string, (o: Record<string, unknown>) => unknown> = {
  'metadata.name': (o) => (o.metadata as { name?: string } | undefined)?.name,
  'metadata.namespace': (o) => (o.metadata as { namespace?: string } | undefined)?.namespace,
  'status.phase': (o) => (o.status as { phase?: string } | undefined)?.phase,
  'spec.nodeName': (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName,
  'involvedObject.name': (o) => (o.involvedObject as { name?: string } | undefined)?.name,
  'involvedObject.kind': (o) => (o.involvedObject as { kind?: string } | undefined)?.kind,
};

export type FieldTerm = { key: string; value: string; neq: boolean };

export function parseFieldSelector(text: string | undefined): FieldTerm[] {
  if (!text) return [];
  return text.split(',').map((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m?.[1] || !m[2]) throw new SelectorError(`invalid field selector: "${term}"`);
    if (!FIELDS[m[1]]) throw new SelectorError(`field label not supported: ${m[1]}`);
    return { key: m[1], value: m[3] ?? '', neq: m[2] === '!=' };
  });
}

export function matchFields(terms: FieldTerm[], obj: Record<string, unknown>): boolean {
  return terms.every((t) => {
    const v = (FIELDS[t.key]?.(obj) as string | undefined) ?? '';
    return t.neq ? v !== t.value : v === t.value;
  });
}
