import type { ClusterClient } from '../cluster/cluster-client.ts';
import { dialPortForward } from '../portforward/dial.ts';
import type { PodDialer } from './pod-sessions.ts';
import type { TransportChooser } from './transport-chooser.ts';

/**
 * Dials a pod's port-forward through its context's API server, with the protocol the context was last seen to accept,
 * and fresh credentials per dial. The daemon and `kubefwd port-forward` both dial through this.
 */
export function createPodDialer(
  client: (context: string) => ClusterClient,
  transports: TransportChooser,
): PodDialer {
  return async (pod) => {
    const c = client(pod.context);
    const version = await c.serverVersion();
    return transports.dial(pod.context, version.minor, async (protocol) => {
      const opts = await c.dialOptions(pod.namespace, pod.name, [], protocol);
      return dialPortForward({ ...opts, pingIntervalMs: 10_000, timeoutMs: 15_000 });
    });
  };
}
