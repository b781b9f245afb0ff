/**
 * The allocator's memory across restarts: a small JSON file mapping service keys to their last IP. Written atomically
 * (temp file in the same directory, fsync, rename) so a crash leaves either the old or the new file, never half of one.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { isLoopbackV4 } from './ip-config.ts';

export const STATE_VERSION = 1;

export interface IpStateFile {
  version: number;
  /** key → IP, oldest first (the order is the eviction order when the file grows past its cap). */
  ips: Record<string, string>;
}

/** Reads the state; a missing file is empty, a corrupt one is reported and treated as empty. */
export function loadIpState(path: string, log?: Logger): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log?.warn({ path, err: describeError(err) }, 'cannot read the IP state file; starting without it');
    return new Map();
  }
  try {
    const doc = JSON.parse(text) as Partial<IpStateFile> | null;
    const ips = doc && typeof doc === 'object' && doc.ips && typeof doc.ips === 'object' ? doc.ips : {};
    const out = new Map<string, string>();
    const taken = new Set<string>();
    for (const [key, ip] of Object.entries(ips)) {
      // One IP per key and per IP: a hand-edited file must not make two services share an address.
      if (typeof ip === 'string' && isLoopbackV4(ip) && !taken.has(ip)) {
        out.set(key, ip);
        taken.add(ip);
      }
    }
    return out;
  } catch (err) {
    log?.warn({ path, err: describeError(err) }, 'the IP state file is corrupt; starting without it');
    return new Map();
  }
}

/** Writes the state atomically; throws on failure (the caller decides how loud to be). */
export function saveIpState(path: string, ips: ReadonlyMap<string, string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const body: IpStateFile = { version: STATE_VERSION, ips: Object.fromEntries(ips) };
  const fd = openSync(tmp, 'w', 0o644);
  try {
    try {
      writeSync(fd, `${JSON.stringify(body, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created
    }
    throw err;
  }
}
