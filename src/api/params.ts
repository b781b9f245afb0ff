/** Validation of every input the API takes: bad input is a 400 with a message naming the parameter. */
import { KubefwdError } from '../errors.ts';
import { LOG_LEVELS, type LogLevel } from './views/observe.ts';

export const bad = (message: string): KubefwdError => new KubefwdError('BAD_REQUEST', message);
export const notFound = (what: string, key: string): KubefwdError =>
  new KubefwdError('NOT_FOUND', `${what} not found: ${key.slice(0, 300)}`);

const absent = (v: unknown): v is undefined => v === undefined || v === '';

function single(value: unknown, name: string): string {
  if (typeof value !== 'string') throw bad(`${name} must be given once, as a string`);
  return value;
}

/** Bounded integer; absent → default. */
export function intParam(value: unknown, name: string, def: number, min: number, max: number): number {
  if (absent(value)) return def;
  const s = single(value, name);
  if (!/^-?\d{1,12}$/.test(s)) throw bad(`${name} must be an integer`);
  const n = Number(s);
  if (n < min || n > max) throw bad(`${name} must be between ${min} and ${max}`);
  return n;
}

export function boolParam(value: unknown, name: string): boolean {
  if (absent(value)) return false;
  const s = single(value, name);
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw bad(`${name} must be true or false`);
}

export function enumParam<T extends string>(
  value: unknown,
  name: string,
  allowed: readonly T[],
): T | undefined {
  if (absent(value)) return undefined;
  const s = single(value, name).toLowerCase();
  if (!(allowed as readonly string[]).includes(s)) throw bad(`${name} must be one of ${allowed.join(', ')}`);
  return s as T;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespaces, service and container names: RFC 1123 labels. */
export function labelParam(value: unknown, name: string): string {
  if (absent(value)) throw bad(`${name} is required`);
  const s = single(value, name);
  if (!LABEL.test(s)) throw bad(`${name} must be an RFC 1123 label (lowercase a-z, 0-9, '-', at most 63)`);
  return s;
}

export function optionalLabel(value: unknown, name: string): string | undefined {
  return absent(value) ? undefined : labelParam(value, name);
}

/** Pod and other object names: RFC 1123 subdomains. */
export function subdomainParam(value: unknown, name: string): string {
  if (absent(value)) throw bad(`${name} is required`);
  const s = single(value, name);
  if (!SUBDOMAIN.test(s)) throw bad(`${name} must be an RFC 1123 subdomain`);
  return s;
}

// Contexts are kubeconfig names: anything printable (EKS ARNs have ':' and '/'), but bounded and no controls.
const PRINTABLE = /^[\x21-\x7e]+$/;

export function contextParam(value: unknown): string | undefined {
  if (absent(value)) return undefined;
  const s = single(value, 'context');
  if (s.length > 253 || !PRINTABLE.test(s)) throw bad('context must be 1-253 printable characters');
  return s;
}

/** Path keys (svc.ns.ctx, svc.ns.ctx.pod.port, ns.ctx): printable, bounded, with the dots they need. */
export function keyParam(value: unknown, what: string, minDots: number): string {
  const s = single(value, 'key');
  if (s.length === 0 || s.length > 600 || !PRINTABLE.test(s))
    throw bad(`${what} key must be 1-600 printable characters`);
  if (s.split('.').length - 1 < minDots)
    throw bad(
      `${what} key must look like ${minDots === 1 ? 'namespace.context' : 'service.namespace.context'}`,
    );
  return s;
}

/** Free text used for matching only (search, service filters). */
export function textParam(value: unknown, name: string, max: number): string | undefined {
  if (absent(value)) return undefined;
  const s = single(value, name);
  if (s.length > max || [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw bad(`${name} must be at most ${max} printable characters`);
  return s;
}

const SELECTOR = /^[A-Za-z0-9._/=!,()\s-]{1,500}$/;

export function selectorParam(value: unknown, name: string): string | undefined {
  if (absent(value)) return undefined;
  const s = single(value, name);
  if (!SELECTOR.test(s)) throw bad(`${name} is not a valid selector`);
  return s;
}

export function levelParam(value: unknown): LogLevel | undefined {
  const l = enumParam(value, 'level', [...LOG_LEVELS, 'warning'] as const);
  return l === 'warning' ? 'warn' : l;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DAY_MS = UNITS.d as number;

/** Durations like 500ms, 30s, 5m, 1h, 1d; bounded to [min, max] ms. */
export function durationParam(value: unknown, name: string, def: number, min: number, max: number): number {
  if (absent(value)) return def;
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(single(value, name));
  if (!m) throw bad(`${name} must be a duration like 30s, 5m, 1h`);
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  if (ms < min || ms > max) throw bad(`${name} must be between ${formatSpan(min)} and ${formatSpan(max)}`);
  return ms;
}

export function formatSpan(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** Paging as the original: limit (1..1000, default 100), offset, search (case-insensitive substring). */
export function page<T>(items: T[], query: Record<string, unknown>, text: (item: T) => string) {
  const limit = intParam(query.limit, 'limit', 100, 1, 1000);
  const offset = intParam(query.offset, 'offset', 0, 0, 1_000_000_000);
  const search = textParam(query.search, 'search', 200)?.toLowerCase();
  const filtered = search ? items.filter((i) => text(i).toLowerCase().includes(search)) : items;
  return { items: filtered.slice(offset, offset + limit), total: filtered.length };
}

/** JSON bodies must be objects. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('request body must be a JSON object');
  return body as Record<string, unknown>;
}
