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

/** A client address's endpoint and when it was last used. */
interface Held {
  key: string;
  at: number;
}

/**
 * Picks the endpoint of each new connection. `first` always takes the first candidate (the caller orders them, the
 * pod in use first); `round-robin` rotates over the candidates; `least-conn` takes the one with the fewest
 * connections in flight, rotating among ties. With ClientIP affinity a client's earlier choice wins while that
 * endpoint is a candidate and the entry has been used within the timeout, as kube-proxy does.
 *
 * A class, not a factory closure: one per service forward, and 10,000 forwards each paid for their own copies of
 * every method. The affinity map is made at the first pick under affinity, since most services have none.
 */
export class Balancer {
  #now: () => number;
  #policy: LbPolicy;
  #affinityMs: number | undefined;
  #turn = 0;
  #sticky: Map<string, Held> | undefined;

  constructor(options: BalancerOptions) {
    this.#now = options.now ?? Date.now;
    this.#policy = options.policy;
    this.#affinityMs = options.affinityMs;
  }

  pick<T extends BalancerCandidate>(candidates: readonly T[], client: string | undefined): T | undefined {
    const affinityMs = this.#affinityMs;
    if (affinityMs === undefined || client === undefined) return this.#byPolicy(candidates);
    const t = this.#now();
    const sticky = (this.#sticky ??= new Map<string, Held>());
    const held = sticky.get(client);
    if (held && t - held.at < affinityMs) {
      const found = candidates.find((c) => c.key === held.key);
      if (found) {
        held.at = t;
        return found;
      }
    }
    const chosen = this.#byPolicy(candidates);
    if (chosen) {
      this.#sweep(sticky, affinityMs, t);
      sticky.set(client, { key: chosen.key, at: t });
    }
    return chosen;
  }

  /** Whether pick() uses the client's address (ClientIP affinity): without it, callers need not look it up. */
  get usesClient(): boolean {
    return this.#affinityMs !== undefined;
  }

  get policy(): LbPolicy {
    return this.#policy;
  }

  set policy(next: LbPolicy) {
    this.#policy = next;
  }

  /** Sets (or with undefined, ends) ClientIP affinity; a change of timeout keeps the clients' current choices. */
  setAffinity(ms: number | undefined): void {
    if (ms === undefined) this.#sticky = undefined;
    this.#affinityMs = ms;
  }

  get affinityMs(): number | undefined {
    return this.#affinityMs;
  }

  #byPolicy<T extends BalancerCandidate>(candidates: readonly T[]): T | undefined {
    const n = candidates.length;
    if (n <= 1 || this.#policy === 'first') return candidates[0];
    const start = this.#turn++ % n;
    if (this.#policy === 'round-robin') return candidates[start];
    let best: T | undefined;
    for (let i = 0; i < n; i++) {
      const c = candidates[(start + i) % n] as T;
      if (!best || c.active < best.active) best = c;
    }
    return best;
  }

  #sweep(sticky: Map<string, Held>, affinityMs: number, t: number): void {
    if (sticky.size < AFFINITY_SWEEP_AT) return;
    for (const [client, e] of sticky) if (t - e.at >= affinityMs) sticky.delete(client);
  }
}

/** The balancer of one service forward (callers keep a factory to call). */
export function createBalancer(options: BalancerOptions): Balancer {
  return new Balancer(options);
}
