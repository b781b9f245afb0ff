import { COLUMNS, DEFAULT_COLUMNS } from './table-columns.ts';
import type { KObject } from './store.ts';

/**
 * Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), what `kubectl get` asks for: the server
 * computes the columns, each row carries the object's metadata (or the object, or nothing, per `includeObject`).
 */
/** The Table version the Accept header asks for first, if it asks for one. */
export function tableVersionWanted(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    const [type, ...rest] = part.split(';').map((x) => x.trim());
    const params = new Map(rest.map((p) => p.split('=') as [string, string]));
    const v = params.get('v');
    if (type === 'application/json' && params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io')
      if (v === 'v1' || v === 'v1beta1') return v;
  }
  return undefined;
}

export const tableContentType = (v: string): string => `application/json;as=Table;v=${v};g=meta.k8s.io`;

export function toTable(
  resource: string,
  objects: KObject[],
  options: { version: string; resourceVersion?: string; includeObject?: string | null; now?: number },
) {
  const columns = COLUMNS[resource] ?? DEFAULT_COLUMNS;
  const now = options.now ?? Date.now();
  const include = options.includeObject ?? 'PartialObjectMetadata';
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.resourceVersion ? { resourceVersion: options.resourceVersion } : {},
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: 'string',
      format: c.format ?? '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, now)),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? o
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: `meta.k8s.io/${options.version}`,
                    metadata: o.metadata,
                  },
          }),
    })),
  };
}
