import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  chownSync,
  unlinkSync,
  mkdirSync,
  rmSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import lockfile from 'proper-lockfile';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { appendBlock, purgeRange, stripBlocks, type HostsEntry } from './hosts-text.ts';
import { isValidHostname } from './hostnames.ts';

export interface HostsFileOptions {
  path: string;
  backupPath?: string | undefined;
  refreshBackup?: boolean;
  purgeStale?: boolean;
  platform?: NodeJS.Platform;
  debounceMs?: number;
  log?: Logger;
  now?: () => number;
  /** Runs a platform command (DNS cache flush); injected so tests never run one. */
  run?: (cmd: string, args: string[]) => void;
  pid?: number;
  /** Checks whether the pid of a block's writer is still alive. */
  isAlive?: (pid: number) => boolean;
}

export interface HostsStatus {
  path: string;
  entries: number;
  hostnames: number;
  writes: number;
  lastWriteAt: string | undefined;
  lastError: string | undefined;
  backupPath: string | undefined;
  inPlaceWrites: number;
}

const defaultIsAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The one writer of the hosts file: our entries in a marked block, batched, written under a lock by re-reading the
 * file (so lines others added meanwhile survive), atomically by rename or in place where the file is a bind mount.
 */
export function createHostsFile(options: HostsFileOptions) {
  const { path, log } = options;
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  const run = randomBytes(4).toString('hex');
  const isAlive = options.isAlive ?? defaultIsAlive;
  const maxPerLine = (options.platform ?? process.platform) === 'win32' ? 9 : 0;
  const entries = new Map<string, HostsEntry>();
  const debounceMs = options.debounceMs ?? 25;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;
  let writes = 0;
  let inPlaceWrites = 0;
  let lastWriteAt: string | undefined;
  let lastError: string | undefined;
  let closed = false;

  const mine = (b: { pid: number; run: string }): boolean => b.pid === pid && b.run === run;

  function writeText(text: string): void {
    const st = statSync(path);
    const tmp = `${path}.kubefwd-${run}.tmp`;
    try {
      writeFileSync(tmp, text, { mode: st.mode & 0o777 });
      try {
        chownSync(tmp, st.uid, st.gid);
      } catch {
        /* not root: the file stays ours, as it was */
      }
      renameSync(tmp, path);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* nothing to clean */
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EBUSY' && code !== 'EXDEV' && code !== 'EPERM' && code !== 'EACCES') throw err;
      // A bind-mounted file (containers, our tests' namespaces) cannot be replaced: rewrite it in place.
      writeFileSync(path, text);
      inPlaceWrites++;
    }
    writes++;
    lastWriteAt = new Date(now()).toISOString();
  }

  function render(current: string): string {
    const base = stripBlocks(current, mine).text;
    const list = [...entries.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
    return appendBlock(base, { pid, run }, list, maxPerLine);
  }

  const lockPath = `${path}.kubefwd.lock`;

  const ownerPath = `${lockPath}.owner`;

  /**
   * A lock left by a writer that died (SIGKILL) is taken over at once: each holder records its pid beside the lock.
   * An owner record older than the lock belongs to an earlier holder; then only the lock's age can tell.
   */
  function breakDeadLock(): boolean {
    try {
      const lockTime = statSync(lockPath).mtimeMs;
      let owner = 0;
      let ownerTime = 0;
      try {
        owner = Number(readFileSync(ownerPath, 'utf8'));
        ownerTime = statSync(ownerPath).mtimeMs;
      } catch {
        owner = 0;
      }
      const recorded = owner > 0 && ownerTime >= lockTime;
      const dead = recorded ? owner !== pid && !isAlive(owner) : now() - lockTime > 500;
      if (dead) {
        rmSync(lockPath, { recursive: true, force: true });
        return true;
      }
      return false;
    } catch {
      return true;
    }
  }

  async function withLock<T>(fn: () => T): Promise<T> {
    let release: (() => Promise<void>) | undefined;
    for (let attempt = 0; !release; attempt++) {
      try {
        release = await lockfile.lock(path, {
          realpath: false,
          lockfilePath: lockPath,
          stale: 10_000,
          retries: { retries: 20, minTimeout: 5, maxTimeout: 50 },
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOCKED' || attempt >= 50 || !breakDeadLock()) {
          if ((err as NodeJS.ErrnoException).code === 'ELOCKED' && attempt < 50) continue;
          throw err;
        }
      }
    }
    try {
      writeFileSync(ownerPath, String(pid));
    } catch {
      /* the lock works without it; only takeover after a crash is slower */
    }
    try {
      return fn();
    } finally {
      await release().catch(() => undefined);
    }
  }

  async function writeNow(): Promise<void> {
    dirty = false;
    try {
      await withLock(() => {
        const current = readFileSync(path, 'utf8');
        const next = render(current);
        if (next !== current) writeText(next);
      });
      lastError = undefined;
      flushDns();
    } catch (err) {
      lastError = describeError(err);
      log?.error({ err: lastError, path }, 'cannot write the hosts file');
    }
  }

  function flushDns(): void {
    const platform = options.platform ?? process.platform;
    try {
      if (platform === 'darwin') {
        options.run?.('dscacheutil', ['-flushcache']);
        options.run?.('killall', ['-HUP', 'mDNSResponder']);
      } else if (platform === 'win32') options.run?.('ipconfig', ['/flushdns']);
    } catch (err) {
      log?.debug({ err: describeError(err) }, 'DNS cache flush failed');
    }
  }

  function schedule(): void {
    dirty = true;
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      writing = writing.then(writeNow);
    }, debounceMs);
  }

  return {
    /** Validates the file, backs it up once, removes what dead runs left (and with -p the whole kubefwd range). */
    async start(): Promise<void> {
      if (!existsSync(path)) throw new KubefwdError('HOSTS_FILE_ERROR', `hosts file ${path} does not exist`);
      try {
        accessSync(path, constants.R_OK | constants.W_OK);
      } catch (err) {
        throw new KubefwdError('HOSTS_FILE_ERROR', `cannot write ${path}: ${describeError(err)}`);
      }
      if (options.backupPath && (options.refreshBackup || !existsSync(options.backupPath))) {
        try {
          mkdirSync(dirname(options.backupPath), { recursive: true });
          copyFileSync(path, options.backupPath);
        } catch (err) {
          log?.warn({ err: describeError(err) }, `cannot back up ${path} to ${options.backupPath}`);
        }
      }
      await withLock(() => {
        const current = readFileSync(path, 'utf8');
        const stripped = stripBlocks(current, (b) => !isAlive(b.pid) || b.pid === pid);
        let next = stripped.text;
        const dead = stripped.blocks.filter((b) => !isAlive(b.pid) || b.pid === pid).length;
        if (dead > 0) log?.info({ blocks: dead }, `removed ${dead} hosts block(s) left by a previous run`);
        if (options.purgeStale) {
          const purged = purgeRange(next);
          next = purged.text;
          if (purged.removed > 0)
            log?.info(
              { lines: purged.removed },
              `purged ${purged.removed} stale kubefwd-range hosts line(s)`,
            );
        }
        if (next !== current) writeText(next);
      }).catch((err: unknown) => {
        throw err instanceof KubefwdError
          ? err
          : new KubefwdError('HOSTS_FILE_ERROR', `cannot update ${path}: ${describeError(err)}`, {
              cause: err,
            });
      });
    },
    set(owner: string, ip: string, hostnames: string[]): void {
      const valid = hostnames.filter(isValidHostname);
      if (valid.length !== hostnames.length)
        log?.warn(
          { owner, refused: hostnames.filter((h) => !isValidHostname(h)) },
          'refusing invalid hostnames',
        );
      if (valid.length === 0) return;
      entries.set(owner, { ip, hostnames: valid });
      schedule();
    },
    remove(owner: string): void {
      if (entries.delete(owner)) schedule();
    },
    /** Resolves once every change made so far is in the file. */
    async flush(): Promise<void> {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        writing = writing.then(writeNow);
      } else if (dirty) writing = writing.then(writeNow);
      await writing;
    },
    entries: (): Array<HostsEntry & { owner: string }> => [...entries].map(([owner, e]) => ({ owner, ...e })),
    status(): HostsStatus {
      return {
        path,
        entries: entries.size,
        hostnames: [...entries.values()].reduce((n, e) => n + e.hostnames.length, 0),
        writes,
        lastWriteAt,
        lastError,
        backupPath: options.backupPath,
        inPlaceWrites,
      };
    },
    /** Removes our block; the file is then byte-identical to before the run. */
    async close(): Promise<void> {
      if (closed) return writing;
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      entries.clear();
      writing = writing.then(writeNow);
      await writing;
    },
    /** Emergency path (second signal): synchronous, no lock. */
    removeBlockSync(): void {
      try {
        const current = readFileSync(path, 'utf8');
        const next = stripBlocks(current, mine).text;
        if (next !== current) writeText(next);
      } catch (err) {
        log?.error({ err: describeError(err) }, 'emergency hosts cleanup failed');
      }
    },
  };
}

export type HostsFile = ReturnType<typeof createHostsFile>;
