import { RESOURCES, SUBRESOURCES, type ResourceDef } from './resources.ts';
import { TYPES } from './schema-table.ts';

/**
 * Aggregated discovery (`apidiscovery.k8s.io` v2 and v2beta1, the same shape): every group, version and resource in
 * one answer to `/api` or `/apis`, which kubectl 1.26+ asks for first. Generated from the RESOURCES table.
 */
const MEDIA = /application\/json;\s*g=apidiscovery\.k8s\.io;\s*v=(v2beta1|v2);\s*as=APIGroupDiscoveryList/;

/** The discovery version the Accept header asks for first, if any. */
export function aggregatedVersionWanted(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    const m = MEDIA.exec(part.replace(/\s+/g, ''));
    if (m) return m[1] as 'v2' | 'v2beta1';
  }
  return undefined;
}

export const aggregatedContentType = (v: string): string =>
  `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;

/** Resources `kubectl get all` lists, as in a real cluster. */
const CATEGORY_ALL = new Set([
  'pods',
  'services',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
]);

const EXTRA: ResourceDef[] = [
  {
    name: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    group: 'authorization.k8s.io',
    version: 'v1',
    namespaced: false,
    shortNames: [],
    verbs: ['create'],
  },
];

function resourceEntry(r: ResourceDef) {
  const subresources = (SUBRESOURCES[r.group] ?? [])
    .filter((s) => s.name.startsWith(`${r.name}/`))
    .map((s) => ({
      subresource: s.name.slice(r.name.length + 1),
      responseKind: TYPES[s.kind]?.gvk ?? {
        group: s.group ?? r.group,
        version: s.version ?? r.version,
        kind: s.kind,
      },
      verbs: s.verbs,
    }));
  return {
    resource: r.name,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.kind.toLowerCase(),
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(CATEGORY_ALL.has(r.name) ? { categories: ['all'] } : {}),
    ...(subresources.length ? { subresources } : {}),
  };
}

/** The list for `/api` (legacy: true, the core group) or `/apis` (every named group). */
export function aggregatedDiscovery(version: 'v2' | 'v2beta1', legacy: boolean) {
  const all = [...RESOURCES, ...EXTRA].filter((r) => (r.group === '') === legacy);
  const groups = [...new Set(all.map((r) => r.group))];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => {
      const inGroup = all.filter((r) => r.group === g);
      const versions = [...new Set(inGroup.map((r) => r.version))];
      return {
        metadata: g ? { name: g, creationTimestamp: null } : { creationTimestamp: null },
        versions: versions.map((v) => ({
          version: v,
          resources: inGroup.filter((r) => r.version === v).map(resourceEntry),
          freshness: 'Current',
        })),
      };
    }),
  };
}
