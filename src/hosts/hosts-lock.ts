/**
 * A lock file beside the hosts file against concurrent writers (another kubefwd, a second daemon). It is created with
 * O_EXCL and names its holder (pid, process start, boot id), so a holder killed with SIGKILL is recognised as dead
 * and its lock taken over at once instead of after a stale timeout. The lock is held for one read-merge-write, i.e.
 * milliseconds; a lock older than `staleMs` is broken whatever it says.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubefwdError } from '../errors.ts';

export interface LockOwner {
  pid: number;
  start?: string | undefined;
  boot?: string | undefined;
}

export interface HostsLockOptions {
  path: string;
  owner: LockOwner;
  isAlive: (owner: LockOwner) => boolean;
  now?: () => number;
  delay?: (ms: number) => Promise<void>;
  timeoutMs?: number;
  staleMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function parseOwner(text: string): LockOwner | undefined {
  const pid = Number(/\bpid=(\d+)/.exec(text)?.[1]);
  if (!pid) return undefined;
  return { pid, start: /\bstart=(\d+)/.exec(text)?.[1], boot: /\bboot=([\w-]+)/.exec(text)?.[1] };
}

export function createHostsLock(options: HostsLockOptions) {
  const now = options.now ?? Date.now;
  const delay = options.delay ?? sleep;
  const timeoutMs = options.timeoutMs ?? 5000;
  const staleMs = options.staleMs ?? 30_000;
  const o = options.owner;
  const body = `pid=${o.pid}${o.start ? ` start=${o.start}` : ''}${o.boot ? ` boot=${o.boot}` : ''}\n`;
  const beside = `${options.path}.kubefwd.lock`;
  const elsewhere = join(
    tmpdir(),
    `kubefwd-hosts-${createHash('sha256').update(options.path).digest('hex').slice(0, 16)}.lock`,
  );
  let lockPath = beside;

  function tryCreate(): boolean {
    try {
      const fd = openSync(lockPath, 'wx', 0o644);
      try {
        writeSync(fd, body);
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (lockPath === beside && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) {
        // The hosts file's directory is not ours to write (a bind-mounted file): lock beside a temp path instead.
        lockPath = elsewhere;
        return tryCreate();
      }
      throw err;
    }
  }

  /** Breaks the current lock if its holder is dead or it is stale; true when something was removed. */
  function breakIfDead(): boolean {
    let text: string;
    let age: number;
    try {
      age = now() - statSync(lockPath).mtimeMs;
      text = readFileSync(lockPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      // EISDIR: a lock directory left by an older writer; only its age can tell.
      if (code !== 'EISDIR') return false;
      text = '';
      age = now() - (statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? now());
    }
    const holder = parseOwner(text);
    // A lock without a readable holder was cut short between its creation and its first write (a SIGKILL there):
    // the write follows the creation within microseconds, so half a second without it means its writer is gone.
    const dead = holder ? holder.pid !== o.pid && !options.isAlive(holder) : age > Math.min(staleMs, 500);
    if (!dead && age <= staleMs) return false;
    // Move it aside first, then check it is still the one judged dead: a plain unlink could remove a lock another
    // waiter has just taken over.
    const aside = `${lockPath}.${o.pid}.broken`;
    try {
      renameSync(lockPath, aside);
    } catch {
      return true;
    }
    let moved = '';
    try {
      moved = readFileSync(aside, 'utf8');
    } catch {
      // a directory: fine, it was judged by age
    }
    if (moved && moved !== text) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // a third writer got in; it holds the lock now
      }
    }
    rmSync(aside, { recursive: true, force: true });
    return true;
  }

  return {
    /** Runs `fn` holding the lock; throws HOSTS_FILE_ERROR if the lock cannot be had within the timeout. */
    async withLock<T>(fn: () => T): Promise<T> {
      const deadline = now() + timeoutMs;
      for (let attempt = 0; !tryCreate(); attempt++) {
        if (breakIfDead()) continue;
        if (now() > deadline)
          throw new KubefwdError(
            'HOSTS_FILE_ERROR',
            `the hosts file lock ${lockPath} is held by another writer`,
          );
        // Short, jittered polls: holders keep the lock for milliseconds, and a long poll would starve us.
        await delay(Math.min(10, 1 + attempt) + Math.random() * 3);
      }
      try {
        return fn();
      } finally {
        try {
          unlinkSync(lockPath);
        } catch {
          // broken by someone who judged us stale; nothing to release
        }
      }
    },
    /** Synchronous variant for the emergency path: one attempt, then proceeds without the lock. */
    tryWithLockSync<T>(fn: () => T): T {
      let held: boolean;
      try {
        held = tryCreate() || (breakIfDead() && tryCreate());
      } catch {
        held = false;
      }
      try {
        return fn();
      } finally {
        if (held) {
          try {
            unlinkSync(lockPath);
          } catch {
            // already gone
          }
        }
      }
    },
    get path(): string {
      return lockPath;
    },
  };
}

export type HostsLock = ReturnType<typeof createHostsLock>;
