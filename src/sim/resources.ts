/** The resources the simulated API server serves. */
export interface ResourceDef {
  name: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
}

const RW = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: ResourceDef[] = [
  {
    name: 'namespaces',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  },
  { name: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'], verbs: RW },
  {
    name: 'services',
    kind: 'Service',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['svc'],
    verbs: RW,
  },
  {
    name: 'endpoints',
    kind: 'Endpoints',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['ep'],
    verbs: RW,
  },
  {
    name: 'events',
    kind: 'Event',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['ev'],
    verbs: RW,
  },
  {
    name: 'endpointslices',
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    verbs: RW,
  },
  {
    name: 'deployments',
    kind: 'Deployment',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['deploy'],
    verbs: RW,
  },
  {
    name: 'replicasets',
    kind: 'ReplicaSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['rs'],
    verbs: RW,
  },
  {
    name: 'statefulsets',
    kind: 'StatefulSet',
    group: 'apps',
    version: 'v1',
    namespaced: true,
    shortNames: ['sts'],
    verbs: RW,
  },
];

export interface SubresourceDef {
  name: string;
  kind: string;
  verbs: string[];
  /** API group of the subresource's kind when it is not the parent's (`scale` answers autoscaling/v1 Scale). */
  group?: string;
  version?: string;
}

const STATUS_VERBS = ['get', 'patch', 'update'];

/** Subresources by the API group of their parent resource. */
export const SUBRESOURCES: Record<string, SubresourceDef[]> = {
  '': [
    { name: 'pods/log', kind: 'Pod', verbs: ['get'] },
    { name: 'pods/portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    { name: 'pods/status', kind: 'Pod', verbs: STATUS_VERBS },
    { name: 'services/status', kind: 'Service', verbs: STATUS_VERBS },
  ],
  apps: ['deployments', 'replicasets', 'statefulsets'].flatMap((r) => [
    { name: `${r}/scale`, kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS },
    {
      name: `${r}/status`,
      kind: r === 'deployments' ? 'Deployment' : r === 'replicasets' ? 'ReplicaSet' : 'StatefulSet',
      verbs: STATUS_VERBS,
    },
  ]),
};

export const resourceByName = new Map(RESOURCES.map((r) => [r.name, r]));

export const apiVersionOf = (r: ResourceDef): string => (r.group ? `${r.group}/${r.version}` : r.version);
