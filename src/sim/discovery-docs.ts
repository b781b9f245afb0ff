import { RESOURCES, SUBRESOURCES } from './resources.ts';

/** Discovery documents as a real API server serves them (the legacy, non-aggregated form). */
export function versionDoc(version: string) {
  const [major, minor] = version.split('.');
  return {
    major: major ?? '1',
    minor: minor ?? '32',
    gitVersion: `v${version}.0`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export const apiVersions = () => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
});

const GROUPS = [
  { name: 'apps', version: 'v1' },
  { name: 'discovery.k8s.io', version: 'v1' },
  { name: 'authorization.k8s.io', version: 'v1' },
];

export const apiGroupList = () => ({
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: GROUPS.map((g) => ({
    name: g.name,
    versions: [{ groupVersion: `${g.name}/${g.version}`, version: g.version }],
    preferredVersion: { groupVersion: `${g.name}/${g.version}`, version: g.version },
  })),
});

export function resourceList(groupVersion: string) {
  if (groupVersion === 'authorization.k8s.io/v1') {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion,
      resources: [
        {
          name: 'selfsubjectaccessreviews',
          singularName: 'selfsubjectaccessreview',
          namespaced: false,
          kind: 'SelfSubjectAccessReview',
          verbs: ['create'],
        },
      ],
    };
  }
  const group = groupVersion === 'v1' ? '' : groupVersion.split('/')[0];
  const resources = RESOURCES.filter((r) => r.group === group).map((r) => ({
    name: r.name,
    singularName: r.kind.toLowerCase(),
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
  }));
  for (const s of SUBRESOURCES[group ?? ''] ?? [])
    resources.push({
      name: s.name,
      singularName: '',
      namespaced: true,
      kind: s.kind,
      verbs: s.verbs,
      ...(s.group ? { group: s.group, version: s.version } : {}),
    });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

export const knownGroupVersions = new Set(['v1', ...GROUPS.map((g) => `${g.name}/${g.version}`)]);
