import { KubefwdError } from '../errors.ts';

/** Durations as the metrics' history queries take them: `30s`, `5m`, `1h`, `24h`, or milliseconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DAY = 86_400_000;

/** Parses `30s`, `5m`, `1h`, `24h` into milliseconds; anything else is a BAD_REQUEST naming the parameter. */
export function parseSpan(text: string, what: string, maxMs = DAY): number {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (UNITS[m[2] as string] ?? Number.NaN) : Number.NaN;
  if (!m) throw badSpan(what, `"${text}" is not a duration: use a number and a unit, e.g. 30s, 5m, 1h`);
  return checkSpan(ms, what, maxMs);
}

function checkSpan(ms: number, what: string, maxMs: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw badSpan(what, 'must be more than zero');
  if (ms > maxMs)
    throw badSpan(
      what,
      `must be at most ${maxMs >= 3_600_000 ? `${maxMs / 3_600_000}h` : `${maxMs / 1000}s`}`,
    );
  return ms;
}

const badSpan = (what: string, why: string): KubefwdError =>
  new KubefwdError('BAD_REQUEST', `invalid ${what}: ${why}`, { details: { parameter: what } });

export const spanOf = (
  v: string | number | undefined,
  fallback: number,
  what: string,
  maxMs: number,
): number =>
  v === undefined ? fallback : typeof v === 'number' ? checkSpan(v, what, maxMs) : parseSpan(v, what, maxMs);
