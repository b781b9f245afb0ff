/**
 * A small pflag-compatible parser: the original kubefwd is a cobra program, so its users type `-n a,b`, `-n a -n b`,
 * `--namespace=a`, `-a=false`, `-nfoo`. Unknown flags and missing values are errors with one clear line.
 */
export type FlagKind = 'string' | 'strings' | 'bool' | 'int' | 'duration';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  help: string;
  /** Shown in help; the parser does not apply defaults (the config layer does, knowing what was set). */
  defaultText?: string;
}

export type FlagValue = string | string[] | boolean | number;

export interface ParsedFlags {
  values: Map<string, FlagValue>;
  positionals: string[];
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses Go-style durations (`300ms`, `10s`, `5m`, `1h30m`) into milliseconds. */
export function parseDuration(text: string): number {
  let rest = text.trim();
  if (rest === '0') return 0;
  let total = 0;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m?.[1] || !m[2]) throw new FlagError(`invalid duration "${text}" (use e.g. 500ms, 10s, 5m, 1h)`);
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

function convert(spec: FlagSpec, raw: string, flagText: string): FlagValue {
  switch (spec.kind) {
    case 'string':
    case 'strings':
      return raw;
    case 'bool': {
      const v = raw.toLowerCase();
      if (['true', '1', 't'].includes(v)) return true;
      if (['false', '0', 'f'].includes(v)) return false;
      throw new FlagError(`invalid value "${raw}" for ${flagText}: expected true or false`);
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw))
        throw new FlagError(`invalid value "${raw}" for ${flagText}: expected an integer`);
      return Number(raw);
    }
    case 'duration':
      try {
        return parseDuration(raw);
      } catch {
        throw new FlagError(`invalid value "${raw}" for ${flagText}: expected a duration such as 10s or 5m`);
      }
  }
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];

  const set = (spec: FlagSpec, raw: string, flagText: string): void => {
    const value = convert(spec, raw, flagText);
    if (spec.kind === 'strings') {
      const parts = raw
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0);
      const prev = (values.get(spec.name) as string[] | undefined) ?? [];
      values.set(spec.name, [...prev, ...parts]);
    } else {
      values.set(spec.name, value);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const spec = byLong.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq !== -1) set(spec, arg.slice(eq + 1), `--${name}`);
      else if (spec.kind === 'bool') values.set(spec.name, true);
      else {
        const next = argv[++i];
        if (next === undefined) throw new FlagError(`flag needs an argument: --${name}`);
        set(spec, next, `--${name}`);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Short flags may be grouped (-vA) and take a value attached (-nfoo, -n=foo) or as the next argument.
      let j = 1;
      while (j < arg.length) {
        const letter = arg[j] as string;
        const spec = byShort.get(letter);
        if (!spec) throw new FlagError(`unknown shorthand flag: '${letter}' in ${arg}`);
        const rest = arg.slice(j + 1);
        if (spec.kind === 'bool') {
          if (rest.startsWith('=')) {
            set(spec, rest.slice(1), `-${letter}`);
            break;
          }
          values.set(spec.name, true);
          j++;
          continue;
        }
        if (rest.length > 0) set(spec, rest.startsWith('=') ? rest.slice(1) : rest, `-${letter}`);
        else {
          const next = argv[++i];
          if (next === undefined) throw new FlagError(`flag needs an argument: '${letter}' in -${letter}`);
          set(spec, next, `-${letter}`);
        }
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { values, positionals };
}

export function renderFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.kind === 'bool' ? '' : ` ${s.kind}`}`;
    const def = s.defaultText ? ` (default ${s.defaultText})` : '';
    return `  ${left.padEnd(34)} ${s.help}${def}`;
  });
  return rows.join('\n');
}
