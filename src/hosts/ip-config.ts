/**
 * Pure parsers for the IP configuration the original accepts: `-r NAME:IP` (repeatable) and the `-z` YAML file
 * (`baseUnreservedIP`, `serviceConfigurations: [{name, ip}]`). Everything is validated up front, so a bad entry is a
 * clear CONFIG_INVALID at start instead of the original's skip-with-warning or fatal-at-first-allocation.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { KubefwdError, describeError } from '../errors.ts';

export interface Reservation {
  /** A name as the original matches it: `svc`, `svc.ns`, `svc.ns.ctx`, `pod.svc`, … (lowercase). */
  name: string;
  ip: string;
  /** Where it came from, for error messages: `--reserve` or `--fwd-conf`. */
  source: 'reserve' | 'fwd-conf';
}

export interface FwdConf {
  base: string | undefined;
  reservations: Reservation[];
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** A dotted IPv4 address written canonically (no leading zeros, four octets). */
export function isIpv4(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

export function isLoopbackV4(ip: string): boolean {
  return isIpv4(ip) && ip.startsWith('127.');
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

// Context names may hold `:` and `/` (EKS ARNs), so only what can never be a name is refused.
const NAME = /^[!-~]+$/;

function checkEntry(name: string, ip: string, where: string): void {
  if (!name || !NAME.test(name))
    throw new KubefwdError('CONFIG_INVALID', `${where}: "${name}" is not a service name`);
  if (!isIpv4(ip)) throw new KubefwdError('CONFIG_INVALID', `${where}: "${ip}" is not an IPv4 address`);
  if (!isLoopbackV4(ip))
    throw new KubefwdError('CONFIG_INVALID', `${where}: ${ip} is not in the loopback range 127.0.0.0/8`);
  if (ip === '127.0.0.1' || ip.endsWith('.0') || ip.endsWith('.255'))
    throw new KubefwdError(
      'CONFIG_INVALID',
      `${where}: ${ip} cannot be reserved (127.0.0.1, .0 and .255 are not used)`,
    );
}

/**
 * `-r NAME:IP`, split at the first colon as the original does (`svc.ns:127.1.27.9`). Invalid entries are errors, not
 * warnings: a reservation the user asked for and silently did not get is the bug users reported (#22).
 */
export function parseReservations(entries: readonly string[]): Reservation[] {
  return entries.map((entry) => {
    const at = entry.indexOf(':');
    const name = entry.slice(0, Math.max(at, 0)).trim().toLowerCase();
    const ip = entry.slice(at + 1).trim();
    if (at <= 0 || ip === '')
      throw new KubefwdError(
        'CONFIG_INVALID',
        `invalid --reserve "${entry}": expected NAME:IP, e.g. api.dev:127.1.27.9`,
      );
    checkEntry(name, ip, `invalid --reserve "${entry}"`);
    return { name, ip, source: 'reserve' as const };
  });
}

/** Parses the text of a `-z` file; `origin` names it in errors. */
export function parseFwdConfText(text: string, origin = '--fwd-conf'): FwdConf {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new KubefwdError('CONFIG_INVALID', `${origin}: not valid YAML: ${describeError(err)}`, {
      cause: err,
    });
  }
  if (doc === null || doc === undefined) return { base: undefined, reservations: [] };
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new KubefwdError(
      'CONFIG_INVALID',
      `${origin}: expected a mapping with baseUnreservedIP and serviceConfigurations`,
    );
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d))
    if (k !== 'baseUnreservedIP' && k !== 'serviceConfigurations')
      throw new KubefwdError('CONFIG_INVALID', `${origin}: unknown key "${k}"`);
  let base: string | undefined;
  if (d.baseUnreservedIP !== undefined && d.baseUnreservedIP !== null) {
    if (typeof d.baseUnreservedIP !== 'string')
      throw new KubefwdError(
        'CONFIG_INVALID',
        `${origin}: baseUnreservedIP must be a string like "127.1.27.1"`,
      );
    base = d.baseUnreservedIP.trim();
    if (!isLoopbackV4(base))
      throw new KubefwdError(
        'CONFIG_INVALID',
        `${origin}: baseUnreservedIP "${base}" is not a 127.x.y.z address`,
      );
    const last = Number(base.split('.')[3]);
    if (last === 0 || last === 255)
      throw new KubefwdError('CONFIG_INVALID', `${origin}: baseUnreservedIP cannot end in .0 or .255`);
  }
  const list = d.serviceConfigurations ?? [];
  if (!Array.isArray(list))
    throw new KubefwdError('CONFIG_INVALID', `${origin}: serviceConfigurations must be a list of {name, ip}`);
  const reservations = list.map((entry: unknown, i): Reservation => {
    const where = `${origin}: serviceConfigurations[${i}]`;
    if (typeof entry !== 'object' || entry === null)
      throw new KubefwdError('CONFIG_INVALID', `${where} must be a mapping with name and ip`);
    const e = entry as Record<string, unknown>;
    if (typeof e.name !== 'string' || typeof e.ip !== 'string')
      throw new KubefwdError('CONFIG_INVALID', `${where} needs a string name and a string ip`);
    const name = e.name.trim().toLowerCase();
    const ip = e.ip.trim();
    checkEntry(name, ip, where);
    return { name, ip, source: 'fwd-conf' };
  });
  return { base, reservations: checkUnique(reservations) };
}

/** Reads and parses a `-z` file. */
export function parseFwdConf(path: string): FwdConf {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KubefwdError('CONFIG_INVALID', `cannot read --fwd-conf ${path}: ${describeError(err)}`, {
      cause: err,
    });
  }
  return parseFwdConfText(text, `--fwd-conf ${path}`);
}

/** One IP per name and one name per IP; the original refused duplicate IPs too. */
function checkUnique(list: Reservation[]): Reservation[] {
  const byIp = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const r of list) {
    const other = byIp.get(r.ip);
    if (other !== undefined && other !== r.name)
      throw new KubefwdError('CONFIG_INVALID', `IP ${r.ip} is reserved for both ${other} and ${r.name}`);
    const ip = byName.get(r.name);
    if (ip !== undefined && ip !== r.ip)
      throw new KubefwdError('CONFIG_INVALID', `${r.name} is reserved twice (${ip} and ${r.ip})`);
    byIp.set(r.ip, r.name);
    byName.set(r.name, r.ip);
  }
  return list.filter((r, i) => list.findIndex((o) => o.name === r.name) === i);
}

/** `-r` entries override `-z` entries of the same name, as in the original; the result is checked for clashes. */
export function mergeReservations(cli: readonly Reservation[], conf: readonly Reservation[]): Reservation[] {
  return checkUnique([...cli, ...conf.filter((c) => !cli.some((r) => r.name === c.name))]);
}

export interface ReservationSubject {
  context: string;
  namespace: string;
  service: string;
  /** Headless per-pod forwards only. */
  pod?: string | undefined;
}

/**
 * The names a reservation may use for a forward, following the original's match lists: bare names only in the first
 * namespace of the first context, namespace-qualified names in the first context, context-qualified names always.
 * For a headless pod the forward name is `pod.svc` and the pod's own name also matches.
 */
export function reservationNames(
  s: ReservationSubject,
  slot: { contextIndex: number; namespaceIndex: number },
  clusterDomain = 'cluster.local',
): string[] {
  const names = s.pod ? [`${s.pod}.${s.service}`, s.pod] : [s.service];
  const n = s.namespace;
  const c = s.context;
  const out: string[] = [];
  for (const x of names) {
    if (slot.contextIndex === 0 && slot.namespaceIndex === 0) out.push(x, `${x}.svc`, `${x}.${c}`);
    if (slot.contextIndex > 0 && slot.namespaceIndex === 0) out.push(`${x}.${c}`);
    if (slot.contextIndex === 0)
      out.push(`${x}.${n}`, `${x}.${n}.svc`, `${x}.${n}.svc.${clusterDomain}`, `${x}.${n}.svc.cluster.local`);
    out.push(`${x}.${n}.${c}`, `${x}.${n}.svc.${c}`, `${x}.${n}.svc.cluster.${c}`);
  }
  return [...new Set(out.map((x) => x.toLowerCase()))];
}
