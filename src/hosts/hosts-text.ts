/**
 * Pure functions over the hosts file text. Our lines live in one marked block; everything else is kept byte for byte.
 */
export const BEGIN = '# kubefwd managed block begin';
export const END = '# kubefwd managed block end';

export interface BlockInfo {
  pid: number;
  run: string;
  /** We inserted a line break before the block because the file did not end with one. */
  addedNewline: boolean;
}

export interface HostsEntry {
  ip: string;
  hostnames: string[];
}

const eolOf = (text: string): string => (text.includes('\r\n') ? '\r\n' : '\n');

/** Removes the blocks `drop` selects; returns the remaining text and the blocks found. */
export function stripBlocks(
  text: string,
  drop: (b: BlockInfo) => boolean,
): { text: string; blocks: BlockInfo[] } {
  const blocks: BlockInfo[] = [];
  let out = text;
  let from = 0;
  for (;;) {
    const start = out.indexOf(BEGIN, from);
    if (start === -1 || (start > 0 && out[start - 1] !== '\n')) {
      if (start === -1) break;
      from = start + BEGIN.length;
      continue;
    }
    const endMarker = out.indexOf(END, start);
    const lineEnd = endMarker === -1 ? -1 : out.indexOf('\n', endMarker);
    const stop = endMarker === -1 ? out.length : lineEnd === -1 ? out.length : lineEnd + 1;
    const header = out.slice(start, out.indexOf('\n', start) === -1 ? out.length : out.indexOf('\n', start));
    const info: BlockInfo = {
      pid: Number(/pid=(\d+)/.exec(header)?.[1] ?? 0),
      run: /run=([\w-]+)/.exec(header)?.[1] ?? '',
      addedNewline: /\bnl=1\b/.test(header),
    };
    blocks.push(info);
    if (!drop(info)) {
      from = stop;
      continue;
    }
    let cut = start;
    if (info.addedNewline) {
      if (out.slice(0, cut).endsWith('\r\n')) cut -= 2;
      else if (out.slice(0, cut).endsWith('\n')) cut -= 1;
    }
    out = out.slice(0, cut) + out.slice(stop);
    from = cut;
  }
  return { text: out, blocks };
}

/** Appends our block (if there are entries) to `base`, in the file's line-ending style. */
export function appendBlock(
  base: string,
  info: Omit<BlockInfo, 'addedNewline'>,
  entries: HostsEntry[],
  maxPerLine = 0,
): string {
  if (entries.length === 0) return base;
  const eol = eolOf(base);
  const needsNl = base.length > 0 && !base.endsWith('\n');
  const lines = [`${BEGIN} pid=${info.pid} run=${info.run}${needsNl ? ' nl=1' : ''}`];
  for (const e of entries) {
    const per = maxPerLine > 0 ? maxPerLine : e.hostnames.length || 1;
    for (let i = 0; i < e.hostnames.length; i += per)
      lines.push(`${e.ip} ${e.hostnames.slice(i, i + per).join(' ')}`);
  }
  lines.push(END);
  return `${base}${needsNl ? eol : ''}${lines.join(eol)}${eol}`;
}

/** The original's stale range: 127.1.27.0 and above, 127.2.0.0 – 127.255.255.255. */
export function isKubefwdRange(ip: string): boolean {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p[0] !== 127) return false;
  return (p[1] ?? 0) > 1 || (p[1] === 1 && (p[2] ?? 0) >= 27);
}

/** Drops whole lines mapping an address in the kubefwd range (outside our blocks); returns the count. */
export function purgeRange(text: string): { text: string; removed: number } {
  let removed = 0;
  const kept = text.split(/(?<=\n)/).filter((line) => {
    const ip = /^\s*(\d+\.\d+\.\d+\.\d+)\s/.exec(line)?.[1];
    if (ip && isKubefwdRange(ip) && !line.startsWith(BEGIN)) {
      removed++;
      return false;
    }
    return true;
  });
  return { text: kept.join(''), removed };
}

/** Every (ip, name) pair in the text, for checks and tests. */
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
