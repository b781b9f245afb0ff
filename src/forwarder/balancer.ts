/** How new connections to a service are spread over its ready endpoints. */
export const LB_POLICIES = ['first', 'round-robin', 'least-conn'] as const;
export type LbPolicy = (typeof LB_POLICIES)[number];

export const isLbPolicy = (v: unknown): v is LbPolicy => LB_POLICIES.includes(v as LbPolicy);

/** One endpoint as the balancer sees it: a stable key and its connections in flight. */
export interface BalancerCandidate {
  key: string;
  active: number;
}

export interface BalancerOptions {
  policy: LbPolicy;
  /** sessionAffinity ClientIP: a client address keeps its endpoint while it lives, until this long unused. */
  affinityMs?: number | undefined;
  now?: () => number;
}

/** Affinity entries kept at most; past it, expired ones are swept (a client address is small, but not unbounded). */
const AFFINITY_SWEEP_AT = 10_000;

/**
 * Picks the endpoint of each new connection. `first` always takes the first candidate (the caller orders them, the
 * pod in use first); `round-robin` rotates over the candidates; `least-conn` takes the one with the fewest
 * connections in flight, rotating among ties. With ClientIP affinity a client's earlier choice wins while that
 * endpoint is a candidate and the entry has been used within the timeout, as kube-proxy does.
 */
export function createBalancer(options: BalancerOptions) {
  const now = options.now ?? Date.now;
  let policy = options.policy;
  let affinityMs = options.affinityMs;
  let turn = 0;
  const sticky = new Map<string, { key: string; at: number }>();

  function byPolicy<T extends BalancerCandidate>(candidates: readonly T[]): T | undefined {
    const n = candidates.length;
    if (n <= 1 || policy === 'first') return candidates[0];
    const start = turn++ % n;
    if (policy === 'round-robin') return candidates[start];
    let best: T | undefined;
    for (let i = 0; i < n; i++) {
      const c = candidates[(start + i) % n] as T;
      if (!best || c.active < best.active) best = c;
    }
    return best;
  }

  function sweep(t: number): void {
    if (sticky.size < AFFINITY_SWEEP_AT || affinityMs === undefined) return;
    for (const [client, e] of sticky) if (t - e.at >= affinityMs) sticky.delete(client);
  }

  return {
    pick<T extends BalancerCandidate>(candidates: readonly T[], client: string | undefined): T | undefined {
      if (affinityMs === undefined || client === undefined) return byPolicy(candidates);
      const t = now();
      const held = sticky.get(client);
      if (held && t - held.at < affinityMs) {
        const found = candidates.find((c) => c.key === held.key);
        if (found) {
          held.at = t;
          return found;
        }
      }
      const chosen = byPolicy(candidates);
      if (chosen) {
        sweep(t);
        sticky.set(client, { key: chosen.key, at: t });
      }
      return chosen;
    },

    get policy(): LbPolicy {
      return policy;
    },

    set policy(next: LbPolicy) {
      policy = next;
    },

    /** Sets (or with undefined, ends) ClientIP affinity; a change of timeout keeps the clients' current choices. */
    setAffinity(ms: number | undefined): void {
      if (ms === undefined) sticky.clear();
      affinityMs = ms;
    },

    get affinityMs(): number | undefined {
      return affinityMs;
    },
  };
}

export type Balancer = ReturnType<typeof createBalancer>;
