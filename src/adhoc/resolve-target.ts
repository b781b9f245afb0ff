import type { V1LabelSelector, V1ServicePort } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/cluster-client.ts';
import { fromKubeError } from '../cluster/kube-errors.ts';
import { KubefwdError } from '../errors.ts';
import { formatTarget, type PortSpec, type TargetRef } from './target-spec.ts';

/** Where a target's pods are found and which pod port a forward reaches on them. */
export interface ResolvedTarget {
  /** Selects the pods to watch: a label selector (workloads) or `metadata.name=` (a pod). */
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  /** The pod's port, a number or a container port name resolved on each pod. */
  targetPort: number | string;
  /** The remote port as given, for display: a service port for services. */
  remote: number | string;
}

/** A LabelSelector as the `labelSelector` query text; an empty one selects nothing we would want. */
export function selectorText(selector: V1LabelSelector | undefined): string {
  const terms: string[] = [];
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) terms.push(`${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') terms.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') terms.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') terms.push(e.key);
    else if (e.operator === 'DoesNotExist') terms.push(`!${e.key}`);
  }
  return terms.join(',');
}

/** kubectl maps a service port (by number or name) to its targetPort, which may name a container port. */
export function servicePortTarget(
  ports: readonly V1ServicePort[],
  remote: number | string,
  service: string,
): number | string {
  const sp = ports.find((p) => (typeof remote === 'number' ? p.port === remote : p.name === remote));
  if (!sp)
    throw new KubefwdError(
      'BAD_REQUEST',
      `service ${service} has no port ${typeof remote === 'number' ? remote : `named "${remote}"`} (it has ${ports.map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ') || 'none'})`,
    );
  if ((sp.protocol ?? 'TCP').toUpperCase() !== 'TCP')
    throw new KubefwdError(
      'UNSUPPORTED',
      `port ${sp.port} of service ${service} is ${sp.protocol}: only TCP can be forwarded`,
    );
  const target = sp.targetPort;
  return target === undefined || target === '' || target === 0 ? sp.port : target;
}

/**
 * Reads the target once, as kubectl does, and says how to find its pods. A missing object is K8S_NOT_FOUND; a
 * service without a selector (no pods to reach) is UNSUPPORTED.
 */
export async function resolveTarget(
  client: ClusterClient,
  namespace: string,
  target: TargetRef,
  port: PortSpec,
): Promise<ResolvedTarget> {
  const what = `reading ${formatTarget(target)} in namespace "${namespace}" (context "${client.context}")`;
  const byLabels = (selector: V1LabelSelector | undefined): ResolvedTarget => {
    const text = selectorText(selector);
    if (!text)
      throw new KubefwdError(
        'UNSUPPORTED',
        `${formatTarget(target)} has an empty selector: no pods to forward to`,
      );
    return { labelSelector: text, fieldSelector: undefined, targetPort: port.remote, remote: port.remote };
  };
  try {
    switch (target.kind) {
      case 'pod':
        await client.core.readNamespacedPod({ namespace, name: target.name });
        return {
          labelSelector: undefined,
          fieldSelector: `metadata.name=${target.name}`,
          targetPort: port.remote,
          remote: port.remote,
        };
      case 'service': {
        const svc = await client.core.readNamespacedService({ namespace, name: target.name });
        if (
          svc.spec?.type === 'ExternalName' ||
          !svc.spec?.selector ||
          Object.keys(svc.spec.selector).length === 0
        )
          throw new KubefwdError(
            'UNSUPPORTED',
            `service ${target.name} has no selector: there are no pods to forward to`,
          );
        return {
          ...byLabels({ matchLabels: svc.spec.selector }),
          targetPort: port.podPort
            ? port.remote
            : servicePortTarget(svc.spec.ports ?? [], port.remote, target.name),
        };
      }
      case 'deployment': {
        return byLabels(
          (await client.core.readNamespacedDeployment({ namespace, name: target.name })).spec?.selector,
        );
      }
      case 'statefulset': {
        return byLabels(
          (await client.core.readNamespacedStatefulSet({ namespace, name: target.name })).spec?.selector,
        );
      }
    }
  } catch (err) {
    throw fromKubeError(err, what);
  }
}
