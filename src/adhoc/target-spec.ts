import { parseDuration } from '../cli/flags.ts';
import { KubefwdError } from '../errors.ts';

/** What an ad-hoc forward points at, as kubectl names it: a pod, or a workload whose pods it follows. */
export type TargetKind = 'pod' | 'service' | 'deployment' | 'statefulset';

export interface TargetRef {
  kind: TargetKind;
  name: string;
}

/**
 * One `[LOCAL:]REMOTE` of kubectl: `local` 0 means any free port. `remote` is a number or a port name; for a
 * service it names the service's port (kubectl maps it to the pod's targetPort), for the rest a container port.
 */
export interface PortSpec {
  local: number;
  remote: number | string;
  /** `remote` is the pod's port even for a service (k13d's `podPort`), not one of the service's ports. */
  podPort?: boolean | undefined;
}

/** kubectl's resource names and short names for the kinds it port-forwards to. */
const KINDS: Record<string, TargetKind> = {
  pod: 'pod',
  pods: 'pod',
  po: 'pod',
  service: 'service',
  services: 'service',
  svc: 'service',
  deployment: 'deployment',
  deployments: 'deployment',
  deploy: 'deployment',
  statefulset: 'statefulset',
  statefulsets: 'statefulset',
  sts: 'statefulset',
};

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** IANA service names, as Kubernetes validates container port names. */
const PORT_NAME = /^(?=.{1,15}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const bad = (message: string): KubefwdError => new KubefwdError('BAD_REQUEST', message);

export function isTargetKind(kind: string): kind is TargetKind {
  return kind === 'pod' || kind === 'service' || kind === 'deployment' || kind === 'statefulset';
}

export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name))
    throw bad(`invalid ${what} name ${JSON.stringify(name)}: expected a lowercase RFC 1123 name`);
  return name;
}

/** `pod/x`, `svc/x`, `deploy/x`, `sts/x` (any of kubectl's spellings, `.apps` allowed), or a bare pod name. */
export function parseTarget(text: string): TargetRef {
  const slash = text.indexOf('/');
  if (slash === -1) return { kind: 'pod', name: checkName(text, 'pod') };
  const type = text
    .slice(0, slash)
    .toLowerCase()
    .replace(/\.apps$/, '');
  const kind = KINDS[type];
  if (!kind)
    throw bad(
      `invalid target "${text}": expected pod/NAME, svc/NAME, deploy/NAME or sts/NAME (or a bare pod name)`,
    );
  return { kind, name: checkName(text.slice(slash + 1), kind) };
}

export const formatTarget = (t: TargetRef): string => `${t.kind}/${t.name}`;

function portNumber(text: string, what: string, allowZero: boolean): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(`invalid ${what} port "${text}"`);
  const n = Number(text);
  if (n > 65535 || (n === 0 && !allowZero)) throw bad(`invalid ${what} port "${text}": out of range 1-65535`);
  return n;
}

function remotePort(text: string): number | string {
  if (/^\d+$/.test(text)) return portNumber(text, 'remote', false);
  if (!PORT_NAME.test(text)) throw bad(`invalid remote port "${text}": expected a number or a port name`);
  return text;
}

/** kubectl's port syntax: `8080:80`, `:80` (any local port), `80` (the same port locally), `8080:http`, `http`. */
export function parsePortSpec(text: string): PortSpec {
  const parts = text.split(':');
  if (parts.length > 2 || text === '' || parts.some((p, i) => p === '' && !(i === 0 && parts.length === 2)))
    throw bad(`invalid port "${text}": expected [LOCAL:]REMOTE, e.g. 8080:80, :80 or 80`);
  if (parts.length === 1) {
    const remote = remotePort(text);
    // A bare name has no local number to reuse: any free port, as kubectl gives it the pod's number.
    return { local: typeof remote === 'number' ? remote : 0, remote };
  }
  const [local = '', remote = ''] = parts;
  return { local: local === '' ? 0 : portNumber(local, 'local', true), remote: remotePort(remote) };
}

/** A TTL: seconds as a number, or a duration such as `90s`, `15m`, `1h30m`. */
export function parseTtl(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '' || value === 0) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > 7 * 86_400) throw bad('ttl must be 0-604800 seconds');
    return Math.round(value * 1000);
  }
  if (typeof value !== 'string') throw bad('ttl must be seconds or a duration such as 10m');
  let total: number;
  try {
    total = parseDuration(value);
  } catch {
    throw bad(`invalid ttl "${value.slice(0, 40)}": expected e.g. 90s, 15m, 1h`);
  }
  if (total > 7 * 86_400_000) throw bad('ttl must be at most 168h');
  return total > 0 ? Math.round(total) : undefined;
}
