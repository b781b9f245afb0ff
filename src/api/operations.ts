/** The operations of openapi.yaml, found from a request's method and path (before Express has routed it). */
export interface Operation {
  operationId: string;
  method: string;
  /** The spec's path template, e.g. /api/v1/services/{key}. */
  template: string;
  tag: string | undefined;
  params: Record<string, string>;
}

export interface OperationIndex {
  match(method: string, path: string): Operation | undefined;
}

type SpecPaths = Record<string, Record<string, { operationId?: string; tags?: string[] }>>;

export function createOperationIndex(spec: { paths?: SpecPaths }): OperationIndex {
  const entries = Object.entries(spec.paths ?? {})
    .flatMap(([template, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const names: string[] = [];
        const pattern = template
          .split('/')
          .map((segment) => {
            const m = /^\{(\w+)\}$/.exec(segment);
            if (!m?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            names.push(m[1]);
            return '([^/]+)';
          })
          .join('/');
        return {
          regex: new RegExp(`^${pattern}$`),
          names,
          template,
          method: method.toUpperCase(),
          operationId: op.operationId ?? `${method} ${template}`,
          tag: op.tags?.[0],
        };
      }),
    )
    // Fixed segments win over parameters, as Express routes them (/services/reconnect before /services/{key}).
    .sort((a, b) => a.names.length - b.names.length);
  return {
    match(method, path) {
      for (const e of entries) {
        if (e.method !== method) continue;
        const m = e.regex.exec(path);
        if (!m) continue;
        const params: Record<string, string> = {};
        e.names.forEach((name, i) => {
          try {
            params[name] = decodeURIComponent(m[i + 1] ?? '');
          } catch {
            params[name] = m[i + 1] ?? '';
          }
        });
        return { operationId: e.operationId, method: e.method, template: e.template, tag: e.tag, params };
      }
      return undefined;
    },
  };
}
