/** Field names whose values never reach the audit file, whatever they hold. */
const SECRET_FIELD =
  /^(authorization|token|access[-_]?token|password|passwd|secret|api[-_]?key|bearer|cookie)$/i;

export const REDACTED = '[redacted]';

/** A copy of `value` with secret-named fields replaced, strings cut to `maxString`, depth and breadth bounded. */
export function redactFields(value: unknown, maxString = 256, depth = 0): unknown {
  if (typeof value === 'string') return value.length > maxString ? `${value.slice(0, maxString)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 4) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactFields(v, maxString, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, 50))
    out[k] = SECRET_FIELD.test(k) ? REDACTED : redactFields(v, maxString, depth + 1);
  return out;
}

/**
 * Removes every occurrence of each secret from a serialised entry. Applied to the whole line, so a key that arrives
 * in a path, a body field or a query string is caught wherever it ends up.
 */
export function scrubSecrets(line: string, secrets: Iterable<string>): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    const escaped = JSON.stringify(secret).slice(1, -1);
    out = out.split(escaped).join(REDACTED);
  }
  return out;
}
