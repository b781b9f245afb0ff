import type { ForwardRow } from './model.ts';

/** The name a row is known by: its shortest hostname (the original's column), else the service name. */
export function primaryHost(f: ForwardRow): string {
  let best: string | undefined;
  for (const h of f.hostnames) if (best === undefined || h.length < best.length) best = h;
  return best ?? f.serviceName;
}

/** Sorted by primary hostname, then local port (the original's order); keys are precomputed once per list. */
export function sortForwards(list: readonly ForwardRow[]): ForwardRow[] {
  return list
    .map((f) => ({ f, host: primaryHost(f) }))
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.f.localPort - b.f.localPort))
    .map((x) => x.f);
}

/**
 * The `/` filter: every word must appear (case-insensitive) in the row's hostnames, service, namespace, context,
 * pod or status, so "alpha error" finds the errored forwards of namespace alpha.
 */
export function filterForwards(list: readonly ForwardRow[], query: string): readonly ForwardRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return list;
  return list.filter((f) => {
    const text =
      `${f.hostnames.join(' ')} ${f.serviceName} ${f.namespace} ${f.context} ${f.podName ?? ''} ${f.status}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** The first row to show so that `selected` stays inside a window of `height` rows, moving it as little as possible. */
export function windowStart(selected: number, previousStart: number, height: number, total: number): number {
  if (height <= 0 || total <= height) return 0;
  let start = Math.min(previousStart, total - height);
  if (selected < start) start = selected;
  if (selected >= start + height) start = selected - height + 1;
  return Math.max(0, start);
}

/** Namespace and context columns appear only when the rows span more than one. */
export function distinctScopes(list: readonly ForwardRow[]): { namespaces: boolean; contexts: boolean } {
  const ns = new Set<string>();
  const ctx = new Set<string>();
  for (const f of list) {
    ns.add(f.namespace);
    ctx.add(f.context);
    if (ns.size > 1 && ctx.size > 1) break;
  }
  return { namespaces: ns.size > 1, contexts: ctx.size > 1 };
}
