/**
 * Pure functions over the hosts file text. Our lines live in marked blocks; everything else is kept byte for byte:
 * `renderHosts(parseHostsText(t)) === t` for any text, and removing our block gives back the bytes we started from.
 */
import { ipToInt } from './ip-config.ts';

export const BEGIN = '# kubefwd managed block begin';
export const END = '# kubefwd managed block end';

export interface BlockInfo {
  pid: number;
  run: string;
  /** Start time of the writing process (Linux clock ticks since boot), to tell a reused pid from the writer. */
  start?: string | undefined;
  /** Boot id of the machine the block was written on: a block from before a reboot is always dead. */
  boot?: string | undefined;
  /** We inserted a line break before the block because the file did not end with one. */
  addedNewline: boolean;
}

export interface HostsEntry {
  ip: string;
  hostnames: string[];
}

export type Segment =
  { kind: 'text'; text: string } | { kind: 'block'; info: BlockInfo; text: string; entries: HostsEntry[] };

const OUR_LINE = /^[0-9a-fA-F.:]+(?: [a-z0-9.-]+)+$/;

/** The file's line ending: CRLF if any line uses it, else LF; `fallback` for a file with no line break yet. */
export function eolOf(text: string, fallback: '\n' | '\r\n' = '\n'): '\n' | '\r\n' {
  if (text.includes('\r\n')) return '\r\n';
  return text.includes('\n') ? '\n' : fallback;
}

/** Lines with their terminators; joining them gives back the input. */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  for (let start = 0; start < text.length;) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl + 1;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

/** The entries of a block's lines (BEGIN and END lines skipped). */
function entriesOf(lines: readonly string[]): HostsEntry[] {
  return lines
    .filter((l) => !l.startsWith(BEGIN) && !l.startsWith(END))
    .map((l) => {
      const [ip, ...hostnames] = bare(l).split(' ');
      return { ip: ip as string, hostnames };
    });
}

const bare = (line: string): string => line.replace(/\r?\n$/, '');

function parseHeader(line: string): BlockInfo {
  return {
    pid: Number(/\bpid=(\d+)/.exec(line)?.[1] ?? 0),
    run: /\brun=([\w-]+)/.exec(line)?.[1] ?? '',
    start: /\bstart=(\d+)/.exec(line)?.[1],
    boot: /\bboot=([\w-]+)/.exec(line)?.[1],
    addedNewline: /\bnl=1\b/.test(line),
  };
}

/**
 * Splits the text into foreign text and our blocks. A block runs from a BEGIN line to its END line; one cut short
 * (an in-place write interrupted) ends at the first line that is not one of ours, so a foreign line is never eaten.
 */
export function parseHostsText(text: string): Segment[] {
  const lines = splitLines(text);
  const out: Segment[] = [];
  let foreign = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.startsWith(BEGIN)) {
      foreign += line;
      continue;
    }
    if (foreign) out.push({ kind: 'text', text: foreign });
    foreign = '';
    const first = i;
    while (i + 1 < lines.length) {
      const next = lines[i + 1] as string;
      if (next.startsWith(END)) {
        i++;
        break;
      }
      if (!OUR_LINE.test(bare(next))) break;
      i++;
    }
    const own = lines.slice(first, i + 1);
    // Entries are split out only when asked for: a rewrite strips the block (10,000 lines at 10,000 services) and
    // needs its text alone.
    let entries: HostsEntry[] | undefined;
    out.push({
      kind: 'block',
      info: parseHeader(line),
      text: own.join(''),
      get entries() {
        return (entries ??= entriesOf(own));
      },
    });
  }
  if (foreign) out.push({ kind: 'text', text: foreign });
  return out;
}

export function renderHosts(segments: readonly Segment[]): string {
  return segments.map((s) => s.text).join('');
}

/**
 * Removes the blocks `drop` selects. A line break we added before a block goes with it when no foreign text follows
 * (if another program appended after our block, that break now ends a line that is not ours); when other blocks
 * follow, the next one kept inherits the break and its `nl=1` mark, so removing it later restores the bytes too.
 */
export function stripBlocks(
  text: string,
  drop: (b: BlockInfo) => boolean,
): { text: string; blocks: BlockInfo[] } {
  const segments = parseHostsText(text);
  const blocks: BlockInfo[] = [];
  let out = '';
  let carried: string | undefined;
  segments.forEach((s, i) => {
    if (s.kind === 'text') {
      out += s.text;
      return;
    }
    blocks.push(s.info);
    if (!drop(s.info)) {
      if (carried !== undefined) {
        const nl = /\r?\n/.exec(s.text);
        const cut = nl?.index ?? s.text.length;
        const head = s.text.slice(0, cut);
        out += carried + (/\bnl=1\b/.test(head) ? head : `${head} nl=1`) + s.text.slice(cut);
        carried = undefined;
      } else out += s.text;
      return;
    }
    if (!s.info.addedNewline) return;
    const later = segments.slice(i + 1);
    if (later.some((x) => x.kind === 'text')) return;
    const eol = /\r?\n$/.exec(out)?.[0];
    if (eol === undefined) return;
    out = out.slice(0, -eol.length);
    if (later.some((x) => x.kind === 'block' && !drop(x.info))) carried = eol;
  });
  return { text: out, blocks };
}

export interface BlockHeader {
  pid: number;
  run: string;
  start?: string | undefined;
  boot?: string | undefined;
}

/** Our block as lines (without terminators); `maxPerLine` 0 puts all names of an IP on one line. */
export function blockLines(
  header: BlockHeader,
  entries: readonly HostsEntry[],
  maxPerLine = 0,
  addedNewline = false,
): string[] {
  const tags = [`pid=${header.pid}`, `run=${header.run}`];
  if (header.start) tags.push(`start=${header.start}`);
  if (header.boot) tags.push(`boot=${header.boot}`);
  if (addedNewline) tags.push('nl=1');
  const lines = [`${BEGIN} ${tags.join(' ')}`];
  for (const e of entries) {
    if (e.hostnames.length === 0) continue;
    const per = maxPerLine > 0 ? maxPerLine : e.hostnames.length;
    for (let i = 0; i < e.hostnames.length; i += per)
      lines.push(`${e.ip} ${e.hostnames.slice(i, i + per).join(' ')}`);
  }
  lines.push(`${END} run=${header.run}`);
  return lines;
}

/** Appends our block (if there are entries) to `base`, in the file's line-ending style. */
export function appendBlock(
  base: string,
  header: BlockHeader,
  entries: readonly HostsEntry[],
  maxPerLine = 0,
  defaultEol: '\n' | '\r\n' = '\n',
): string {
  if (!entries.some((e) => e.hostnames.length > 0)) return base;
  const eol = eolOf(base, defaultEol);
  const needsNl = base.length > 0 && !base.endsWith('\n');
  return `${base}${needsNl ? eol : ''}${blockLines(header, entries, maxPerLine, needsNl).join(eol)}${eol}`;
}

/** An inclusive IPv4 range; parse with `parseIpRange`. */
export interface IpRange {
  from: number;
  to: number;
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const isV4 = (ip: string): boolean => V4.test(ip) && ip.split('.').every((o) => Number(o) <= 255);

/** `A.B.C.D/len` or `A.B.C.D-E.F.G.H`; throws on anything else. */
export function parseIpRange(spec: string): IpRange {
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(spec.trim());
  if (cidr && isV4(cidr[1] as string) && Number(cidr[2]) <= 32) {
    const size = 2 ** (32 - Number(cidr[2]));
    const from = Math.floor(ipToInt(cidr[1] as string) / size) * size;
    return { from, to: from + size - 1 };
  }
  const [a, b] = spec.trim().split('-');
  if (a && b && isV4(a) && isV4(b) && ipToInt(a) <= ipToInt(b)) return { from: ipToInt(a), to: ipToInt(b) };
  throw new Error(`"${spec}" is not an IPv4 range (A.B.C.D/len or A.B.C.D-E.F.G.H)`);
}

/** The original's stale range: 127.1.27.0 and up to 127.255.255.255. */
export const KUBEFWD_RANGE = '127.1.27.0-127.255.255.255';

export function inRanges(ip: string, ranges: readonly IpRange[]): boolean {
  if (!isV4(ip)) return false;
  const n = ipToInt(ip);
  return ranges.some((r) => n >= r.from && n <= r.to);
}

/** True for an address in the original's stale range. */
export const isKubefwdRange = (ip: string): boolean => inRanges(ip, [parseIpRange(KUBEFWD_RANGE)]);

/** Drops whole foreign lines mapping an address in `ranges`; our blocks are left to `stripBlocks`. */
export function purgeRange(
  text: string,
  ranges: readonly IpRange[] = [parseIpRange(KUBEFWD_RANGE)],
): { text: string; removed: number } {
  let removed = 0;
  const out = parseHostsText(text).map((s) => {
    if (s.kind === 'block') return s.text;
    return splitLines(s.text)
      .filter((line) => {
        const ip = /^\s*([\d.]+)[ \t]/.exec(line)?.[1];
        if (ip && inRanges(ip, ranges)) {
          removed++;
          return false;
        }
        return true;
      })
      .join('');
  });
  return { text: out.join(''), removed };
}

/** Every address line in the text as (ip, names), comments dropped; for checks and tests. */
export function parseHosts(text: string): Array<{ ip: string; names: string[] }> {
  const out: Array<{ ip: string; names: string[] }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [ip, ...names] = line.split(/\s+/);
    if (ip) out.push({ ip, names });
  }
  return out;
}
