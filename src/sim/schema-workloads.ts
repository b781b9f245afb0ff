import type { TypeDef } from './schema-table.ts';

/** The workload kinds of the schema table (apps/v1 and the autoscaling/v1 Scale), in its notation. */
const CORE = 'io.k8s.api.core.v1.';
const APPS = 'io.k8s.api.apps.v1.';

/** A kind's entry: its type id and group-version-kind. */
export const kind = (
  group: string,
  version: string,
  k: string,
  prefix: string,
  fields: Record<string, string>,
): TypeDef => ({ id: `${prefix}${k}`, gvk: { group, version, kind: k }, fields });

export const WORKLOAD_TYPES: Record<string, TypeDef> = {
  PodTemplateSpec: { id: `${CORE}PodTemplateSpec`, fields: { metadata: 'ObjectMeta', spec: 'PodSpec' } },
  Deployment: kind('apps', 'v1', 'Deployment', APPS, { spec: 'DeploymentSpec', status: 'DeploymentStatus' }),
  DeploymentSpec: {
    id: `${APPS}DeploymentSpec`,
    required: ['selector', 'template'],
    fields: {
      replicas: 'i',
      selector: 'LabelSelector',
      template: 'PodTemplateSpec',
      strategy: 'DeploymentStrategy',
      minReadySeconds: 'i',
      revisionHistoryLimit: 'i',
      paused: 'b',
      progressDeadlineSeconds: 'i',
    },
  },
  DeploymentStrategy: {
    id: `${APPS}DeploymentStrategy`,
    fields: { type: 's', rollingUpdate: 'RollingUpdateDeployment' },
  },
  RollingUpdateDeployment: {
    id: `${APPS}RollingUpdateDeployment`,
    fields: { maxUnavailable: 'ios', maxSurge: 'ios' },
  },
  DeploymentStatus: {
    id: `${APPS}DeploymentStatus`,
    fields: {
      observedGeneration: 'l',
      replicas: 'i',
      updatedReplicas: 'i',
      readyReplicas: 'i',
      availableReplicas: 'i',
      unavailableReplicas: 'i',
      terminatingReplicas: 'i',
      conditions: '[any/type]',
      collisionCount: 'i',
    },
  },
  ReplicaSet: kind('apps', 'v1', 'ReplicaSet', APPS, { spec: 'ReplicaSetSpec', status: 'ReplicaSetStatus' }),
  ReplicaSetSpec: {
    id: `${APPS}ReplicaSetSpec`,
    required: ['selector'],
    fields: { replicas: 'i', minReadySeconds: 'i', selector: 'LabelSelector', template: 'PodTemplateSpec' },
  },
  ReplicaSetStatus: {
    id: `${APPS}ReplicaSetStatus`,
    fields: {
      replicas: 'i',
      fullyLabeledReplicas: 'i',
      readyReplicas: 'i',
      availableReplicas: 'i',
      terminatingReplicas: 'i',
      observedGeneration: 'l',
      conditions: '[any/type]',
    },
  },
  StatefulSet: kind('apps', 'v1', 'StatefulSet', APPS, {
    spec: 'StatefulSetSpec',
    status: 'StatefulSetStatus',
  }),
  StatefulSetSpec: {
    id: `${APPS}StatefulSetSpec`,
    required: ['selector', 'template'],
    fields: {
      replicas: 'i',
      selector: 'LabelSelector',
      template: 'PodTemplateSpec',
      volumeClaimTemplates: '[any]',
      serviceName: 's',
      podManagementPolicy: 's',
      updateStrategy: 'any',
      revisionHistoryLimit: 'i',
      minReadySeconds: 'i',
      persistentVolumeClaimRetentionPolicy: 'any',
      ordinals: 'any',
    },
  },
  StatefulSetStatus: {
    id: `${APPS}StatefulSetStatus`,
    fields: {
      observedGeneration: 'l',
      replicas: 'i',
      readyReplicas: 'i',
      currentReplicas: 'i',
      updatedReplicas: 'i',
      currentRevision: 's',
      updateRevision: 's',
      collisionCount: 'i',
      conditions: '[any/type]',
      availableReplicas: 'i',
    },
  },
  Scale: kind('autoscaling', 'v1', 'Scale', 'io.k8s.api.autoscaling.v1.', {
    spec: 'ScaleSpec',
    status: 'ScaleStatus',
  }),
  ScaleSpec: { id: 'io.k8s.api.autoscaling.v1.ScaleSpec', fields: { replicas: 'i' } },
  ScaleStatus: {
    id: 'io.k8s.api.autoscaling.v1.ScaleStatus',
    required: ['replicas'],
    fields: { replicas: 'i', selector: 's' },
  },
};
