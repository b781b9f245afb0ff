import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Simulator } from '../../src/sim/index.ts';

/**
 * Deletes a pod through the simulated API server with a grace period of 0, as `kubectl delete --now --grace-period=0`
 * would: the pod is gone at once rather than terminating.
 */
export async function deletePodNow(sim: Simulator, namespace: string, name: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
}
