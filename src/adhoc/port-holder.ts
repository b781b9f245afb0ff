import { readFile, readdir, readlink } from 'node:fs/promises';
import net from 'node:net';

/** `/proc/net/tcp*` addresses: hex, IPv4 as one little-endian word, IPv6 as four. */
function decodeAddress(hex: string): string {
  const word = (h: string): Buffer => Buffer.from(h, 'hex').reverse();
  if (hex.length === 8) return [...word(hex)].join('.');
  const bytes = Buffer.concat([0, 8, 16, 24].map((i) => word(hex.slice(i, i + 8))));
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  const text = groups.join(':');
  // Normalise (::ffff:127.0.0.1, ::1, ::) through Node's parser of IPv6 text.
  const sock = new net.SocketAddress({ address: text, family: 'ipv6' });
  return sock.address;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Inodes of sockets listening on (address, port), or on a wildcard address of that port. */
async function listeningInodes(address: string, port: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const [addr = '', portHex = ''] = (f[1] ?? '').split(':');
      if (f[3] !== '0A' || Number.parseInt(portHex, 16) !== port) continue;
      const local = decodeAddress(addr);
      const mapped = local.startsWith('::ffff:') ? local.slice(7) : local;
      if (mapped === address || WILDCARDS.has(mapped) || WILDCARDS.has(address)) out.add(f[9] ?? '');
    }
  }
  out.delete('');
  out.delete('0');
  return out;
}

/**
 * Names the process listening on (address, port) from /proc (Linux): `pid 123 (python3)`. Undefined where there is
 * no /proc, or when the socket belongs to a process we may not look into (another user's, when not root).
 */
export async function findPortHolder(address: string, port: number): Promise<string | undefined> {
  const inodes = await listeningInodes(address, port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!wanted.has(link)) continue;
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      return Number(pid) === process.pid ? `this kubefwd (pid ${pid})` : `pid ${pid} (${comm})`;
    }
  }
  return undefined;
}
