import type { ClusterClient } from './cluster-client.ts';

/** Something the context may not do, said in Kubernetes' terms, for answers that are only partly possible. */
export interface Denial {
  context: string;
  namespace: string | null;
  verb: string;
  resource: string;
  reason: string;
}

/**
 * What forwarding a namespace needs besides listing and watching its services and pods (which the namespace watch
 * finds out itself, with the API server's own message): opening port-forwards to its pods. A context that may list
 * but not forward still gets names and IPs, and connections fail; the answer says so instead of hiding it.
 */
export async function forwardingDenials(client: ClusterClient, namespace: string): Promise<Denial[]> {
  const review = await client.accessReview('create', 'pods', namespace, 'portforward');
  if (review.allowed) return [];
  return [
    {
      context: client.context,
      namespace,
      verb: 'create',
      resource: 'pods/portforward',
      reason:
        review.reason ??
        `context "${client.context}" may not create pods/portforward in the namespace "${namespace}"`,
    },
  ];
}

/** A namespace watch Kubernetes refuses, as a denial: its message names the verb and resource. */
export function watchDenial(context: string, namespace: string, message: string): Denial {
  const m = /cannot (\w+) resource "([^"]+)"/.exec(message);
  return {
    context,
    namespace,
    verb: m?.[1] ?? 'list',
    resource: m?.[2] ?? 'services',
    reason: message,
  };
}
