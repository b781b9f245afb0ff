/**
 * Hostname sets as the original kubefwd writes them (its section 3.2), validated so that nothing from the cluster or
 * the API can put anything but a DNS name into the hosts file. A name that fails validation is returned as a typed
 * rejection for the caller to warn about; it is never written.
 *
 * `S` is the forward name (`svc`, or `pod.svc` for a headless per-pod forward), `N` the namespace, `C` the context,
 * `D` the --domain. Port mappings (-m) change ports, never names.
 *   first namespace of the first context:  S, S.D
 *   later context, its first namespace:    S.C
 *   first context, any namespace:          S.N, S.N.svc, S.N.svc.<cluster domain>, S.N.svc.cluster.D
 *   always:                                S.N.C, S.N.svc.C, S.N.svc.cluster.C
 * and every name with a character outside [a-zA-Z0-9-] also gets a dashed twin (`api.dev` → `api-dev`).
 */
export interface HostnameOptions {
  /** Service name; for a headless per-pod forward either `pod.svc` or the bare name with `pod` set. */
  service: string;
  namespace: string;
  context: string;
  contextIndex: number;
  namespaceIndex: number;
  /** Headless per-pod forward: the pod's name. */
  pod?: string | undefined;
  domain?: string | undefined;
  /** `cluster.local` unless the cluster says otherwise. */
  clusterDomain?: string | undefined;
}

export type HostnameRejectionReason =
  'empty' | 'too-long' | 'label-empty' | 'label-too-long' | 'label-hyphen' | 'invalid-character';

export interface HostnameRejection {
  name: string;
  reason: HostnameRejectionReason;
}

export type HostnameCheck = { ok: true; name: string } | { ok: false; rejection: HostnameRejection };

export interface HostnameResult {
  hostnames: string[];
  /** Candidates refused as invalid (a warning for the caller), never written. */
  rejected: HostnameRejection[];
}

export const MAX_HOSTNAME_LENGTH = 253;
export const MAX_LABEL_LENGTH = 63;

/**
 * Lowercases ASCII and checks RFC 1123: labels of [a-z0-9-], 1–63 long, not starting or ending with `-`, at most 253
 * characters in all. Anything else (whitespace, CR/LF, `#`, unicode, `_`) is refused, never repaired silently.
 */
export function checkHostname(raw: string): HostnameCheck {
  const reject = (reason: HostnameRejectionReason): HostnameCheck => ({
    ok: false,
    rejection: { name: raw, reason },
  });
  if (raw.length === 0) return reject('empty');
  // Only ASCII letters are lowered: String#toLowerCase maps some non-ASCII letters onto ASCII ones (K → k).
  const name = /[A-Z]/.test(raw) ? raw.replace(/[A-Z]/g, (c) => c.toLowerCase()) : raw;
  if (/[^a-z0-9.-]/.test(name)) return reject('invalid-character');
  if (name.length > MAX_HOSTNAME_LENGTH) return reject('too-long');
  // Label by label without splitting: every name of every forward passes here (80,000 at 10,000 services).
  for (let start = 0; start <= name.length;) {
    const dot = name.indexOf('.', start);
    const end = dot === -1 ? name.length : dot;
    if (end === start) return reject('label-empty');
    if (end - start > MAX_LABEL_LENGTH) return reject('label-too-long');
    if (name.charCodeAt(start) === 45 || name.charCodeAt(end - 1) === 45) return reject('label-hyphen');
    start = end + 1;
  }
  return { ok: true, name };
}

export const isValidHostname = (name: string): boolean => {
  const c = checkHostname(name);
  return c.ok && c.name === name;
};

/** The original's `sanitizeHost`: anything outside [a-zA-Z0-9-] becomes `-`, leading/trailing `-` trimmed. */
export function sanitize(name: string): string {
  return name
    .replace(/[^a-zA-Z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

/** The candidate names for one forward, before validation, in the original's order. */
export function hostnameCandidates(o: HostnameOptions): string[] {
  const s = o.pod && !o.service.startsWith(`${o.pod}.`) ? `${o.pod}.${o.service}` : o.service;
  const n = o.namespace;
  const c = o.context;
  const local = o.clusterDomain ?? 'cluster.local';
  const out: string[] = [];
  if (o.contextIndex === 0 && o.namespaceIndex === 0) {
    out.push(s);
    if (o.domain) out.push(`${s}.${o.domain}`);
  }
  if (o.contextIndex > 0 && o.namespaceIndex === 0) out.push(`${s}.${c}`);
  if (o.contextIndex === 0) {
    out.push(`${s}.${n}`, `${s}.${n}.svc`, `${s}.${n}.svc.${local}`);
    if (o.domain) out.push(`${s}.${n}.svc.cluster.${o.domain}`);
  }
  out.push(`${s}.${n}.${c}`, `${s}.${n}.svc.${c}`, `${s}.${n}.svc.cluster.${c}`);
  return out;
}

/** Valid names first-seen order, each candidate followed by its dashed twin; invalid ones reported. */
export function buildHostnames(o: HostnameOptions): HostnameResult {
  const out = new Set<string>();
  const rejected: HostnameRejection[] = [];
  for (const raw of hostnameCandidates(o)) {
    const check = checkHostname(raw);
    if (check.ok) out.add(check.name);
    else rejected.push(check.rejection);
    if (check.ok && check.name === raw) {
      // Already lowercase and valid, the common case (80,000 names at 10,000 services): its twin is its labels
      // joined by dashes, one label, valid when it fits in one.
      if (raw.includes('.')) {
        const twin = raw.replaceAll('.', '-');
        if (twin.length <= MAX_LABEL_LENGTH) out.add(twin);
      }
    } else if (/[^a-zA-Z0-9-]/.test(raw)) {
      const twin = checkHostname(sanitize(raw));
      // A twin of a name that is itself rejected is still offered: the original writes EKS ARN contexts this way.
      if (twin.ok) out.add(twin.name);
    }
  }
  return { hostnames: [...out], rejected };
}

/** Splits a list into the names that may be written and the rejections; used on names that come from the API. */
export function partitionHostnames(names: readonly string[]): HostnameResult {
  const hostnames: string[] = [];
  const rejected: HostnameRejection[] = [];
  for (const raw of names) {
    const check = checkHostname(raw);
    if (check.ok) {
      if (!hostnames.includes(check.name)) hostnames.push(check.name);
    } else rejected.push(check.rejection);
  }
  return { hostnames, rejected };
}
