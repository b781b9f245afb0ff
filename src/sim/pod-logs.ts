/**
 * What the simulated pods' containers print: lines with nanosecond wall-clock timestamps, kept per container (the
 * newest {@link PodLogs.retain} lines), with live followers for `follow=true`. Pods write a start line per container
 * and per port, and HTTP backends a line per request they serve.
 */
export interface LogLine {
  /** Nanoseconds since the epoch. */
  ns: bigint;
  text: string;
}

export interface LogFollower {
  line(l: LogLine): void;
  /** The pod went away: no more lines will come. */
  end(): void;
}

interface ContainerLog {
  lines: LogLine[];
  followers: Set<LogFollower>;
}

/** Go's RFC3339Nano: UTC, nanoseconds with trailing zeros trimmed. */
export function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${new Date(ms).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

export class PodLogs {
  readonly retain: number;
  #now: () => bigint;
  #last = 0n;
  #logs = new Map<string, ContainerLog>();

  /** `now` gives nanoseconds since the epoch (default: the wall clock with the monotonic clock's sub-millisecond part). */
  constructor(options: { retain?: number; now?: () => bigint } = {}) {
    this.retain = options.retain ?? 1000;
    this.#now =
      options.now ?? (() => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n));
  }

  #log(ns: string, pod: string, container: string): ContainerLog {
    const key = `${ns}/${pod}/${container}`;
    let log = this.#logs.get(key);
    if (!log) this.#logs.set(key, (log = { lines: [], followers: new Set() }));
    return log;
  }

  write(ns: string, pod: string, container: string, text: string): void {
    let t = this.#now();
    if (t <= this.#last) t = this.#last + 1n;
    this.#last = t;
    const log = this.#log(ns, pod, container);
    const line = { ns: t, text };
    log.lines.push(line);
    // Trimmed in batches so a busy pod pays an amortised O(1) per line, not a 1,000-element shift.
    if (log.lines.length >= 2 * this.retain) log.lines.splice(0, log.lines.length - this.retain);
    for (const f of log.followers) f.line(line);
  }

  lines(ns: string, pod: string, container: string): readonly LogLine[] {
    return this.#logs.get(`${ns}/${pod}/${container}`)?.lines.slice(-this.retain) ?? [];
  }

  /** Adds a follower; returns the function that removes it. */
  follow(ns: string, pod: string, container: string, follower: LogFollower): () => void {
    const log = this.#log(ns, pod, container);
    log.followers.add(follower);
    return () => log.followers.delete(follower);
  }

  /** How many followers a container's log has (open `follow=true` requests). */
  followers(ns: string, pod: string, container: string): number {
    return this.#logs.get(`${ns}/${pod}/${container}`)?.followers.size ?? 0;
  }

  /** The pod is gone: its followers end and its lines are dropped. */
  close(ns: string, pod: string): void {
    const prefix = `${ns}/${pod}/`;
    for (const [key, log] of this.#logs) {
      if (!key.startsWith(prefix)) continue;
      this.#logs.delete(key);
      for (const f of log.followers) f.end();
    }
  }

  closeAll(): void {
    for (const log of this.#logs.values()) for (const f of log.followers) f.end();
    this.#logs.clear();
  }
}
