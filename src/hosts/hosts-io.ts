/**
 * Writing the hosts file so that a reader (or a crash) never sees half of it: a temp file in the same directory,
 * fsync, rename over the original, fsync the directory. Where the file cannot be replaced (a bind mount in a
 * container or our tests' namespaces gives EBUSY, another filesystem EXDEV, some sandboxes EPERM/EACCES) it is
 * rewritten in place: overwrite from offset 0, truncate to the new length, fsync. The in-place path is the only one
 * a crash can tear; it is taken only when the file leaves no choice.
 */
import {
  closeSync,
  fchownSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type WriteMode = 'rename' | 'in-place';

const FALLBACK_CODES = new Set(['EBUSY', 'EXDEV', 'EPERM', 'EACCES', 'EROFS']);

const tempName = (path: string, pid: number, tag: string): string =>
  join(dirname(path), `.${basename(path)}.kubefwd-${pid}-${tag}.tmp`);

function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off, off);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) and filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeInPlace(path: string, text: string): void {
  const data = Buffer.from(text, 'utf8');
  const fd = openSync(path, 'r+');
  try {
    writeAll(fd, data);
    ftruncateSync(fd, data.length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces the file atomically, keeping its mode and owner; falls back to an in-place write. */
export function writeHostsText(
  path: string,
  text: string,
  options: { pid: number; tag: string; forceInPlace?: boolean },
): WriteMode {
  if (options.forceInPlace) {
    writeInPlace(path, text);
    return 'in-place';
  }
  const st = statSync(path);
  const tmp = tempName(path, options.pid, options.tag);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', st.mode & 0o7777);
    writeAll(fd, Buffer.from(text, 'utf8'));
    try {
      fchownSync(fd, st.uid, st.gid);
    } catch (err) {
      // Not allowed to give the copy the original's owner: replacing would change who owns the file.
      if (st.uid !== process.getuid?.() || st.gid !== process.getgid?.()) throw err;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    fsyncDir(dirname(path));
    return 'rename';
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    if (!FALLBACK_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    writeInPlace(path, text);
    return 'in-place';
  }
}

/** Removes temp files that writers killed between create and rename left beside the file. */
export function removeStaleTemps(path: string, isAlive: (pid: number) => boolean): number {
  const prefix = `.${basename(path)}.kubefwd-`;
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dirname(path), name));
      removed++;
    } catch {
      // someone else cleaned it
    }
  }
  return removed;
}
