/**
 * Hostname sets as the original kubefwd writes them (its section 3.2), validated so that nothing from the cluster or
 * the API can put anything but a DNS name into the hosts file.
 */
export interface HostnameOptions {
  /** Service name, or `pod.svc` for a headless per-pod forward. */
  service: string;
  namespace: string;
  context: string;
  contextIndex: number;
  namespaceIndex: number;
  domain?: string | undefined;
  clusterDomain?: string | undefined;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** True when `name` is a lowercase DNS name of RFC 1123 labels, at most 253 characters. */
export function isValidHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/** The original's `sanitizeHost`: anything outside [a-zA-Z0-9-] becomes `-`, trimmed of leading/trailing `-`. */
export function sanitize(name: string): string {
  return name
    .replace(/[^a-zA-Z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

export interface HostnameResult {
  hostnames: string[];
  /** Candidates refused as invalid (a warning for the caller), never written. */
  rejected: string[];
}

export function buildHostnames(o: HostnameOptions): HostnameResult {
  const s = o.service;
  const n = o.namespace;
  const c = o.context;
  const local = o.clusterDomain ?? 'cluster.local';
  const candidates: string[] = [];
  if (o.contextIndex === 0 && o.namespaceIndex === 0) {
    candidates.push(s);
    if (o.domain) candidates.push(`${s}.${o.domain}`);
  }
  if (o.contextIndex > 0 && o.namespaceIndex === 0) candidates.push(`${s}.${c}`);
  if (o.contextIndex === 0) {
    candidates.push(`${s}.${n}`, `${s}.${n}.svc`, `${s}.${n}.svc.${local}`);
    if (o.domain) candidates.push(`${s}.${n}.svc.cluster.${o.domain}`);
  }
  candidates.push(`${s}.${n}.${c}`, `${s}.${n}.svc.${c}`, `${s}.${n}.svc.cluster.${c}`);

  const out = new Set<string>();
  const rejected: string[] = [];
  for (const raw of candidates) {
    const lower = raw.toLowerCase();
    if (isValidHostname(lower)) out.add(lower);
    else rejected.push(raw);
    // Names with characters outside [a-zA-Z0-9-] also get a dashed twin, as the original writes them.
    if (/[^a-zA-Z0-9-]/.test(raw)) {
      const twin = sanitize(raw);
      if (isValidHostname(twin)) out.add(twin);
    }
  }
  return { hostnames: [...out], rejected };
}
