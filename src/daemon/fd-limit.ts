import { readFileSync } from 'node:fs';

/**
 * Open files: every forwarded port holds a listening socket and every connection through it one more. Node.js
 * itself raises the soft RLIMIT_NOFILE to the hard limit when it starts (on Linux and macOS), so a daemon started
 * from a shell with `ulimit -Sn 1024` already runs with its hard limit; what is left for us is to know that limit
 * and to say clearly when the forwards outgrow it.
 */
export interface FdLimits {
  soft: number;
  hard: number;
}

/** Parses the "Max open files" line of /proc/PID/limits; `Infinity` for unlimited. */
export function parseFdLimits(procLimits: string): FdLimits | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(procLimits);
  if (!m) return undefined;
  const num = (s: string): number => (s === 'unlimited' ? Infinity : Number(s));
  const soft = num(m[1] as string);
  const hard = num(m[2] as string);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

/** This process's limits where the platform shows them (Linux); undefined elsewhere. */
export function readFdLimits(
  read: () => string = () => readFileSync('/proc/self/limits', 'utf8'),
): FdLimits | undefined {
  try {
    return parseFdLimits(read());
  } catch {
    return undefined;
  }
}

/**
 * Descriptors kept free for client connections, the API and files: a tenth of the limit, at least 256. Connections
 * through a forward share its pod's session, so each costs one descriptor (its socket), not two.
 */
export const connectionHeadroom = (soft: number): number => Math.max(256, Math.floor(soft / 10));

/**
 * How many forwarded ports fit under a soft limit: each port holds its listener; `held` more are held besides
 * (pod sessions, watch connections) and the headroom stays free. With the limit of 20,000 of a common systemd or
 * container setup, 10,000 listeners and their sessions fit with 2,000 left for connections (the earlier rule, a
 * quarter of the limit for listeners, warned at 4,984).
 */
export const forwardCapacity = (soft: number, held = 0): number =>
  soft === Infinity ? Infinity : Math.max(0, soft - connectionHeadroom(soft) - held);

/** A warning when the forwarded ports (with `held` other descriptors: sessions, watches) outgrow the limit. */
export function checkFdCapacity(
  ports: number,
  limits: FdLimits | undefined,
  log: { warn(o: object, m: string): void },
  held = 0,
): boolean {
  if (!limits) return true;
  const capacity = forwardCapacity(limits.soft, held);
  if (ports <= capacity) return true;
  log.warn(
    { ports, held, softLimit: limits.soft, hardLimit: limits.hard, capacity },
    `${ports} forwarded ports with an open-file limit of ${limits.soft}: new connections may fail (EMFILE); ` +
      `room for about ${capacity}. Raise the limit (ulimit -n, or LimitNOFILE= in a systemd unit) and restart`,
  );
  return false;
}
