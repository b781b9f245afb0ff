import type { LbPolicy } from '../forwarder/balancer.ts';
import type { EndpointView } from '../forwarder/endpoint-set.ts';
import type { ServiceRegistry } from './service-registry.ts';

export interface ServiceEndpointsView {
  key: string;
  balancing: {
    policy: LbPolicy;
    /** The policy chosen for this service through the API; null when it follows --lb. */
    override: LbPolicy | null;
    /** ClientIP affinity timeout from the Service; null without affinity. */
    affinitySeconds: number | null;
    maxSessions: number;
  };
  endpoints: EndpointView[];
}

/** The endpoints of forwarded services and their balancing, for the API: a view over the registry. */
export function createEndpointViews(registry: Pick<ServiceRegistry, 'get'>) {
  function view(key: string): ServiceEndpointsView | undefined {
    const r = registry.get(key);
    if (!r) return undefined;
    const b = r.forward.balancing();
    return {
      key,
      balancing: {
        policy: b.policy,
        override: b.override ?? null,
        affinitySeconds: b.affinityMs === undefined ? null : b.affinityMs / 1000,
        maxSessions: b.maxSessions,
      },
      endpoints: r.forward.endpoints(),
    };
  }
  return {
    endpoints: view,
    /** Sets (or with null, clears) the service's own policy; undefined when the service is not forwarded. */
    setPolicy(key: string, policy: LbPolicy | null): ServiceEndpointsView | undefined {
      const r = registry.get(key);
      if (!r) return undefined;
      r.forward.setPolicy(policy ?? undefined);
      return view(key);
    },
  };
}
