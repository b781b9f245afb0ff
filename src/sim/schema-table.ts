/**
 * The object schemas the simulator knows, in one table: the OpenAPI v2 and v3 documents, server-side field
 * validation and strategic merge patch all read it. Field names and types follow the Kubernetes API; areas few
 * manifests use (affinity, security contexts, volume source details, …) are free-form objects that accept any content.
 *
 * A field type is one of:
 * - `s` string, `i` int32, `l` int64, `b` boolean, `n` number, `t` timestamp, `ios` int-or-string, `q` quantity,
 *   `any` a free-form object;
 * - a type name of this table;
 * - `{T}` a map of T;
 * - `[T]` an atomic list of T; `[T/key]` a list merged by `key` (`[T/key,k2]`: more list-map keys; `/key+retain`:
 *   patch strategy `merge,retainKeys`); `[s/]` a set of strings merged on patch.
 */
import { WORKLOAD_TYPES, kind } from './schema-workloads.ts';

export interface TypeDef {
  id: string;
  fields: Record<string, string>;
  required?: string[];
  /** Set on the kinds clients send (gets apiVersion, kind and metadata). */
  gvk?: { group: string; version: string; kind: string };
}

const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

const PROBE = {
  exec: 'ExecAction',
  httpGet: 'HTTPGetAction',
  tcpSocket: 'TCPSocketAction',
  grpc: 'any',
  initialDelaySeconds: 'i',
  timeoutSeconds: 'i',
  periodSeconds: 'i',
  successThreshold: 'i',
  failureThreshold: 'i',
  terminationGracePeriodSeconds: 'l',
};

const CONTAINER = {
  name: 's',
  image: 's',
  command: '[s]',
  args: '[s]',
  workingDir: 's',
  ports: '[ContainerPort/containerPort,protocol]',
  envFrom: '[EnvFromSource]',
  env: '[EnvVar/name]',
  resources: 'ResourceRequirements',
  resizePolicy: '[any]',
  restartPolicy: 's',
  volumeMounts: '[VolumeMount/mountPath]',
  volumeDevices: '[any/devicePath]',
  livenessProbe: 'Probe',
  readinessProbe: 'Probe',
  startupProbe: 'Probe',
  lifecycle: 'any',
  terminationMessagePath: 's',
  terminationMessagePolicy: 's',
  imagePullPolicy: 's',
  securityContext: 'any',
  stdin: 'b',
  stdinOnce: 'b',
  tty: 'b',
};

const VOLUME_SOURCES = [
  'awsElasticBlockStore cephfs cinder configMap csi downwardAPI emptyDir ephemeral fc flexVolume flocker',
  'gcePersistentDisk gitRepo glusterfs hostPath image iscsi nfs persistentVolumeClaim photonPersistentDisk',
  'portworxVolume projected quobyte rbd scaleIO secret storageos vsphereVolume azureDisk azureFile',
].flatMap((l) => l.split(' '));

export const TYPES: Record<string, TypeDef> = {
  ObjectMeta: {
    id: `${META}ObjectMeta`,
    fields: {
      name: 's',
      generateName: 's',
      namespace: 's',
      selfLink: 's',
      uid: 's',
      resourceVersion: 's',
      generation: 'l',
      creationTimestamp: 't',
      deletionTimestamp: 't',
      deletionGracePeriodSeconds: 'l',
      labels: '{s}',
      annotations: '{s}',
      ownerReferences: '[OwnerReference/uid]',
      finalizers: '[s/]',
      managedFields: '[any]',
    },
  },
  ListMeta: {
    id: `${META}ListMeta`,
    fields: { selfLink: 's', resourceVersion: 's', continue: 's', remainingItemCount: 'l' },
  },
  OwnerReference: {
    id: `${META}OwnerReference`,
    fields: { apiVersion: 's', kind: 's', name: 's', uid: 's', controller: 'b', blockOwnerDeletion: 'b' },
    required: ['apiVersion', 'kind', 'name', 'uid'],
  },
  LabelSelector: {
    id: `${META}LabelSelector`,
    fields: { matchLabels: '{s}', matchExpressions: '[LabelSelectorRequirement]' },
  },
  LabelSelectorRequirement: {
    id: `${META}LabelSelectorRequirement`,
    fields: { key: 's', operator: 's', values: '[s]' },
    required: ['key', 'operator'],
  },
  ObjectReference: {
    id: `${CORE}ObjectReference`,
    fields: {
      kind: 's',
      namespace: 's',
      name: 's',
      uid: 's',
      apiVersion: 's',
      resourceVersion: 's',
      fieldPath: 's',
    },
  },
  LocalObjectReference: { id: `${CORE}LocalObjectReference`, fields: { name: 's' } },

  Namespace: kind('', 'v1', 'Namespace', CORE, { spec: 'NamespaceSpec', status: 'NamespaceStatus' }),
  NamespaceSpec: { id: `${CORE}NamespaceSpec`, fields: { finalizers: '[s]' } },
  NamespaceStatus: { id: `${CORE}NamespaceStatus`, fields: { phase: 's', conditions: '[any/type]' } },

  Pod: kind('', 'v1', 'Pod', CORE, { spec: 'PodSpec', status: 'PodStatus' }),
  PodSpec: {
    id: `${CORE}PodSpec`,
    required: ['containers'],
    fields: {
      volumes: '[Volume/name+retain]',
      initContainers: '[Container/name]',
      containers: '[Container/name]',
      ephemeralContainers: '[any/name]',
      restartPolicy: 's',
      terminationGracePeriodSeconds: 'l',
      activeDeadlineSeconds: 'l',
      dnsPolicy: 's',
      nodeSelector: '{s}',
      serviceAccountName: 's',
      serviceAccount: 's',
      automountServiceAccountToken: 'b',
      nodeName: 's',
      hostNetwork: 'b',
      hostPID: 'b',
      hostIPC: 'b',
      shareProcessNamespace: 'b',
      securityContext: 'any',
      imagePullSecrets: '[LocalObjectReference/name]',
      hostname: 's',
      subdomain: 's',
      affinity: 'any',
      schedulerName: 's',
      tolerations: '[Toleration]',
      hostAliases: '[HostAlias/ip]',
      priorityClassName: 's',
      priority: 'i',
      dnsConfig: 'any',
      readinessGates: '[any]',
      runtimeClassName: 's',
      enableServiceLinks: 'b',
      preemptionPolicy: 's',
      overhead: '{q}',
      topologySpreadConstraints: '[any/topologyKey,whenUnsatisfiable]',
      setHostnameAsFQDN: 'b',
      os: 'any',
      hostUsers: 'b',
      schedulingGates: '[any/name]',
      resourceClaims: '[any/name+retain]',
      resources: 'ResourceRequirements',
    },
  },
  Container: { id: `${CORE}Container`, required: ['name'], fields: CONTAINER },
  ContainerPort: {
    id: `${CORE}ContainerPort`,
    required: ['containerPort'],
    fields: { name: 's', hostPort: 'i', containerPort: 'i', protocol: 's', hostIP: 's' },
  },
  EnvVar: { id: `${CORE}EnvVar`, required: ['name'], fields: { name: 's', value: 's', valueFrom: 'any' } },
  EnvFromSource: {
    id: `${CORE}EnvFromSource`,
    fields: { prefix: 's', configMapRef: 'any', secretRef: 'any' },
  },
  ResourceRequirements: {
    id: `${CORE}ResourceRequirements`,
    fields: { limits: '{q}', requests: '{q}', claims: '[any/name]' },
  },
  VolumeMount: {
    id: `${CORE}VolumeMount`,
    required: ['name', 'mountPath'],
    fields: {
      name: 's',
      readOnly: 'b',
      recursiveReadOnly: 's',
      mountPath: 's',
      subPath: 's',
      mountPropagation: 's',
      subPathExpr: 's',
    },
  },
  Probe: { id: `${CORE}Probe`, fields: PROBE },
  ExecAction: { id: `${CORE}ExecAction`, fields: { command: '[s]' } },
  HTTPGetAction: {
    id: `${CORE}HTTPGetAction`,
    required: ['port'],
    fields: { path: 's', port: 'ios', host: 's', scheme: 's', httpHeaders: '[any]' },
  },
  TCPSocketAction: { id: `${CORE}TCPSocketAction`, required: ['port'], fields: { port: 'ios', host: 's' } },
  Volume: {
    id: `${CORE}Volume`,
    required: ['name'],
    fields: { name: 's', ...Object.fromEntries(VOLUME_SOURCES.map((s) => [s, 'any'])) },
  },
  Toleration: {
    id: `${CORE}Toleration`,
    fields: { key: 's', operator: 's', value: 's', effect: 's', tolerationSeconds: 'l' },
  },
  HostAlias: { id: `${CORE}HostAlias`, required: ['ip'], fields: { ip: 's', hostnames: '[s]' } },
  PodStatus: {
    id: `${CORE}PodStatus`,
    fields: {
      observedGeneration: 'l',
      phase: 's',
      conditions: '[any/type]',
      message: 's',
      reason: 's',
      nominatedNodeName: 's',
      hostIP: 's',
      hostIPs: '[any/ip]',
      podIP: 's',
      podIPs: '[any/ip]',
      startTime: 't',
      initContainerStatuses: '[any]',
      containerStatuses: '[any]',
      qosClass: 's',
      ephemeralContainerStatuses: '[any]',
      resize: 's',
      resourceClaimStatuses: '[any/name]',
    },
  },

  Service: kind('', 'v1', 'Service', CORE, { spec: 'ServiceSpec', status: 'ServiceStatus' }),
  ServiceSpec: {
    id: `${CORE}ServiceSpec`,
    fields: {
      ports: '[ServicePort/port,protocol]',
      selector: '{s}',
      clusterIP: 's',
      clusterIPs: '[s]',
      type: 's',
      externalIPs: '[s]',
      sessionAffinity: 's',
      loadBalancerIP: 's',
      loadBalancerSourceRanges: '[s]',
      externalName: 's',
      externalTrafficPolicy: 's',
      healthCheckNodePort: 'i',
      publishNotReadyAddresses: 'b',
      sessionAffinityConfig: 'any',
      ipFamilies: '[s]',
      ipFamilyPolicy: 's',
      allocateLoadBalancerNodePorts: 'b',
      loadBalancerClass: 's',
      internalTrafficPolicy: 's',
      trafficDistribution: 's',
    },
  },
  ServicePort: {
    id: `${CORE}ServicePort`,
    required: ['port'],
    fields: { name: 's', protocol: 's', appProtocol: 's', port: 'i', targetPort: 'ios', nodePort: 'i' },
  },
  ServiceStatus: { id: `${CORE}ServiceStatus`, fields: { loadBalancer: 'any', conditions: '[any/type]' } },

  Endpoints: kind('', 'v1', 'Endpoints', CORE, { subsets: '[EndpointSubset]' }),
  EndpointSubset: {
    id: `${CORE}EndpointSubset`,
    fields: {
      addresses: '[EndpointAddress]',
      notReadyAddresses: '[EndpointAddress]',
      ports: '[EndpointPort]',
    },
  },
  EndpointAddress: {
    id: `${CORE}EndpointAddress`,
    required: ['ip'],
    fields: { ip: 's', hostname: 's', nodeName: 's', targetRef: 'ObjectReference' },
  },
  EndpointPort: {
    id: `${CORE}EndpointPort`,
    required: ['port'],
    fields: { name: 's', port: 'i', protocol: 's', appProtocol: 's' },
  },

  Event: kind('', 'v1', 'Event', CORE, {
    involvedObject: 'ObjectReference',
    reason: 's',
    message: 's',
    source: 'any',
    firstTimestamp: 't',
    lastTimestamp: 't',
    count: 'i',
    type: 's',
    eventTime: 's',
    series: 'any',
    action: 's',
    related: 'ObjectReference',
    reportingComponent: 's',
    reportingInstance: 's',
  }),

  EndpointSlice: kind('discovery.k8s.io', 'v1', 'EndpointSlice', 'io.k8s.api.discovery.v1.', {
    addressType: 's',
    endpoints: '[SliceEndpoint]',
    ports: '[SlicePort]',
  }),
  SliceEndpoint: {
    id: 'io.k8s.api.discovery.v1.Endpoint',
    required: ['addresses'],
    fields: {
      addresses: '[s]',
      conditions: 'any',
      hostname: 's',
      targetRef: 'ObjectReference',
      deprecatedTopology: '{s}',
      nodeName: 's',
      zone: 's',
      hints: 'any',
    },
  },
  SlicePort: {
    id: 'io.k8s.api.discovery.v1.EndpointPort',
    fields: { name: 's', protocol: 's', port: 'i', appProtocol: 's' },
  },

  ...WORKLOAD_TYPES,
};

/** The named type of a kind served in group `group`, if the table has one. */
export function kindType(group: string, kindName: string): string | undefined {
  const t = TYPES[kindName];
  return t?.gvk?.group === group ? kindName : undefined;
}
