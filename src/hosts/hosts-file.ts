/**
 * The one writer of the hosts file. Our entries live in one marked block at the end of the file; every other byte is
 * kept. Changes are batched (a debounce, so 1,000 services starting together are a handful of writes) and each
 * write re-reads the file under a lock and merges, so lines other programs added meanwhile survive. Writes replace
 * the file atomically, or rewrite it in place where it is a bind mount. A block whose writer is dead is removed at
 * start; `close()` removes ours, leaving the file byte-identical to what it was.
 */
import { accessSync, chownSync, constants, copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { partitionHostnames, type HostnameRejection } from './hostnames.ts';
import { ipToInt } from './ip-config.ts';
import { removeStaleTemps, writeHostsText } from './hosts-io.ts';
import { createHostsLock } from './hosts-lock.ts';
import {
  defaultEolFor,
  dnsFlushCommands,
  isWriterAlive,
  maxNamesPerLine,
  processIdentity,
  type CommandRunner,
} from './hosts-platform.ts';
import {
  KUBEFWD_RANGE,
  appendBlock,
  parseIpRange,
  purgeRange,
  stripBlocks,
  type BlockHeader,
  type BlockInfo,
  type HostsEntry,
  type IpRange,
} from './hosts-text.ts';

export interface HostsFileOptions {
  path: string;
  /** `~/hosts.original` of the invoking user; written once, or again with `refreshBackup` (-b). */
  backupPath?: string | undefined;
  refreshBackup?: boolean | undefined;
  /** Under sudo the backup belongs to the invoking user. */
  backupOwner?: { uid: number; gid: number } | undefined;
  /** -p: at start, drop every foreign line mapping an IP in these ranges (`A.B.C.D/len` or `A-B`). */
  purgeRanges?: readonly string[] | undefined;
  /** -p with the original's range (127.1.27.0 – 127.255.255.255). */
  purgeStale?: boolean | undefined;
  platform?: NodeJS.Platform;
  debounceMs?: number;
  /** Retry delay after a failed write. */
  retryMs?: number;
  /** Runs the DNS cache flush commands; without it nothing is run. */
  run?: CommandRunner | undefined;
  log?: Logger | undefined;
  now?: () => number;
  pid?: number;
  /** Is the writer of a block alive? Defaults to pid + process start time + boot id checks. */
  isAlive?: (pid: number, block?: BlockInfo) => boolean;
  /** We are the only kubefwd on this machine: every block found at start is a leftover. */
  soleWriter?: boolean;
  /** Always write in place (for files known to be bind mounts). */
  forceInPlace?: boolean;
  lockTimeoutMs?: number;
}

export interface HostsStatus {
  path: string;
  entries: number;
  hostnames: number;
  writes: number;
  inPlaceWrites: number;
  lastWriteAt: string | undefined;
  lastError: string | undefined;
  backupPath: string | undefined;
  lockPath: string;
  run: string;
}

export interface SetResult {
  hostnames: string[];
  rejected: HostnameRejection[];
}

const ipOrder = (ip: string): number => (isIP(ip) === 4 ? ipToInt(ip) : Infinity);

/** An entry and the place of its IP in the block: IPv4 numerically first, then the rest as text. */
interface OrderedEntry extends HostsEntry {
  order: number;
}

const byIp = (a: OrderedEntry, b: OrderedEntry): number =>
  a.order - b.order || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);

export function createHostsFile(options: HostsFileOptions) {
  const { path, log } = options;
  const now = options.now ?? Date.now;
  const platform = options.platform ?? process.platform;
  const pid = options.pid ?? process.pid;
  const identity = pid === process.pid ? processIdentity() : { start: undefined, boot: undefined };
  const header: BlockHeader = { pid, run: randomBytes(4).toString('hex'), ...identity };
  const isAlive =
    options.isAlive ??
    ((p: number, b?: BlockInfo): boolean => isWriterAlive({ pid: p, start: b?.start, boot: b?.boot }));
  const perLine = maxNamesPerLine(platform);
  const eol = defaultEolFor(platform);
  const debounceMs = options.debounceMs ?? 25;
  const retryMs = options.retryMs ?? 1000;
  const ranges: IpRange[] = [
    ...(options.purgeStale ? [parseIpRange(KUBEFWD_RANGE)] : []),
    ...(options.purgeRanges ?? []).map((r) => {
      try {
        return parseIpRange(r);
      } catch (err) {
        throw new KubefwdError('CONFIG_INVALID', `purge range: ${describeError(err)}`);
      }
    }),
  ];
  const lock = createHostsLock({
    path,
    owner: header,
    isAlive: (o) =>
      isAlive(o.pid, { pid: o.pid, run: '', start: o.start, boot: o.boot, addedNewline: false }),
    now,
    ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
  });
  const entries = new Map<string, OrderedEntry>();
  /** How many entries carry each name, and how many names more than one does: none, as a rule. */
  const uses = new Map<string, number>();
  let shared = 0;
  const count = (names: readonly string[], by: 1 | -1): void => {
    for (const name of names) {
      const before = uses.get(name) ?? 0;
      const after = before + by;
      if (after === 0) uses.delete(name);
      else uses.set(name, after);
      if (before === 1 && after === 2) shared++;
      else if (before === 2 && after === 1) shared--;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;
  let writes = 0;
  let inPlaceWrites = 0;
  let lastWriteAt: string | undefined;
  let lastError: string | undefined;
  let started = false;
  let closing: Promise<void> | undefined;

  const mine = (b: BlockInfo): boolean => b.pid === pid && b.run === header.run;

  function render(current: string): string {
    const base = stripBlocks(current, mine).text;
    const sorted = [...entries.values()].sort(byIp);
    if (shared === 0) return appendBlock(base, header, sorted, perLine, eol);
    const seen = new Set<string>();
    const list: HostsEntry[] = [];
    for (const e of sorted) {
      // One name, one address: the first (lowest IP) wins, as a resolver would pick it anyway.
      const names = e.hostnames.filter((h) => !seen.has(h));
      names.forEach((h) => seen.add(h));
      if (names.length > 0) list.push({ ip: e.ip, hostnames: names });
    }
    return appendBlock(base, header, list, perLine, eol);
  }

  function put(text: string): void {
    const mode = writeHostsText(path, text, {
      pid,
      tag: header.run,
      forceInPlace: options.forceInPlace ?? false,
    });
    writes++;
    if (mode === 'in-place') inPlaceWrites++;
    lastWriteAt = new Date(now()).toISOString();
  }

  /** Read, merge, write; re-read just before writing so a concurrent edit (no lock of ours) is merged, not lost. */
  function mergeAndWrite(transform: (current: string) => string): boolean {
    for (let attempt = 0; ; attempt++) {
      const current = readFileSync(path, 'utf8');
      const next = transform(current);
      if (next === current) return false;
      if (attempt < 3 && readFileSync(path, 'utf8') !== current) continue;
      put(next);
      return true;
    }
  }

  async function flushDns(): Promise<void> {
    if (!options.run) return;
    for (const [cmd, args] of dnsFlushCommands(platform)) {
      try {
        await options.run(cmd, args);
      } catch (err) {
        log?.debug({ cmd, err: describeError(err) }, 'DNS cache flush failed');
      }
    }
  }

  async function writeNow(): Promise<void> {
    dirty = false;
    try {
      const changed = await lock.withLock(() => mergeAndWrite(render));
      lastError = undefined;
      if (changed) await flushDns();
    } catch (err) {
      lastError = describeError(err);
      log?.error({ err: lastError, path }, 'cannot write the hosts file');
      if (!closing) {
        dirty = true;
        timer ??= setTimeout(() => {
          timer = undefined;
          writing = writing.then(writeNow);
        }, retryMs);
      }
    }
  }

  function schedule(): void {
    dirty = true;
    if (timer || closing || !started) return;
    timer = setTimeout(() => {
      timer = undefined;
      writing = writing.then(writeNow);
    }, debounceMs);
  }

  function backup(): void {
    const target = options.backupPath;
    if (!target) return;
    if (!options.refreshBackup && statSync(target, { throwIfNoEntry: false })) return;
    try {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
      if (options.backupOwner) chownSync(target, options.backupOwner.uid, options.backupOwner.gid);
      log?.info({ backup: target }, `backed up ${path} to ${target}`);
    } catch (err) {
      log?.warn({ err: describeError(err) }, `cannot back up ${path} to ${target}`);
    }
  }

  function cleanStart(current: string): string {
    const stale = (b: BlockInfo): boolean =>
      options.soleWriter === true || b.pid === pid || !isAlive(b.pid, b);
    const stripped = stripBlocks(current, stale);
    const dead = stripped.blocks.filter(stale).length;
    if (dead > 0) log?.info({ blocks: dead }, `removed ${dead} hosts block(s) left by an earlier run`);
    if (ranges.length === 0) return stripped.text;
    const purged = purgeRange(stripped.text, ranges);
    if (purged.removed > 0)
      log?.info({ lines: purged.removed }, `purged ${purged.removed} stale hosts line(s)`);
    return purged.text;
  }

  /** Drops every entry and a pending write: the block is then written empty, or stripped. */
  function forgetAll(): void {
    clearTimeout(timer);
    timer = undefined;
    entries.clear();
    uses.clear();
    shared = 0;
  }

  function remove(owner: string): void {
    const prev = entries.get(owner);
    if (!prev) return;
    entries.delete(owner);
    count(prev.hostnames, -1);
    schedule();
  }

  return {
    /** Checks the file (before touching anything), backs it up, removes dead runs' blocks and, with -p, old lines. */
    async start(): Promise<void> {
      if (started) return;
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) throw new KubefwdError('HOSTS_FILE_ERROR', `hosts file ${path} does not exist`);
      if (!st.isFile())
        throw new KubefwdError('HOSTS_FILE_ERROR', `hosts file ${path} is not a regular file`);
      try {
        accessSync(path, constants.R_OK | constants.W_OK);
      } catch (err) {
        throw new KubefwdError(
          'HOSTS_FILE_ERROR',
          `cannot write ${path}: ${describeError(err)} (run as root?)`,
          {
            cause: err,
          },
        );
      }
      backup();
      removeStaleTemps(path, (p) => p === process.pid || isAlive(p));
      try {
        await lock.withLock(() => mergeAndWrite(cleanStart));
      } catch (err) {
        throw err instanceof KubefwdError
          ? err
          : new KubefwdError('HOSTS_FILE_ERROR', `cannot update ${path}: ${describeError(err)}`, {
              cause: err,
            });
      }
      started = true;
      if (dirty) schedule();
    },

    /** Puts `owner`'s names on `ip`; invalid names are refused (and returned), never written. */
    set(owner: string, ip: string, hostnames: readonly string[]): SetResult {
      if (closing) return { hostnames: [], rejected: [] };
      if (isIP(ip) === 0) {
        log?.warn({ owner, ip }, 'refusing a hosts entry for something that is not an IP address');
        return { hostnames: [], rejected: hostnames.map((name) => ({ name, reason: 'invalid-character' })) };
      }
      const result = partitionHostnames(hostnames);
      if (result.rejected.length > 0)
        log?.warn({ owner, refused: result.rejected }, 'refusing invalid hostnames');
      const prev = entries.get(owner);
      if (result.hostnames.length === 0) {
        if (prev) remove(owner);
        return result;
      }
      if (prev && prev.ip === ip && prev.hostnames.join(' ') === result.hostnames.join(' ')) return result;
      if (prev) count(prev.hostnames, -1);
      count(result.hostnames, 1);
      entries.set(owner, { ip, hostnames: result.hostnames, order: ipOrder(ip) });
      schedule();
      return result;
    },

    remove,

    /** Resolves once every change made so far is in the file (or the attempt failed; see status().lastError). */
    async flush(): Promise<void> {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        writing = writing.then(writeNow);
      } else if (dirty && started) writing = writing.then(writeNow);
      await writing;
    },

    entries: (): Array<HostsEntry & { owner: string }> =>
      [...entries].map(([owner, e]) => ({ owner, ip: e.ip, hostnames: e.hostnames })),

    status(): HostsStatus {
      return {
        path,
        entries: entries.size,
        hostnames: [...entries.values()].reduce((n, e) => n + e.hostnames.length, 0),
        writes,
        inPlaceWrites,
        lastWriteAt,
        lastError,
        backupPath: options.backupPath,
        lockPath: lock.path,
        run: header.run,
      };
    },

    /** Removes our block; the file is then byte-identical to before the run. A second call awaits the first. */
    close(): Promise<void> {
      closing ??= (async () => {
        forgetAll();
        await writing;
        if (started) await writeNow();
      })();
      return closing;
    },

    /** Emergency path (second signal): synchronous, one lock attempt, our block out of the file. */
    removeBlockSync(): void {
      forgetAll();
      try {
        lock.tryWithLockSync(() => mergeAndWrite((t) => stripBlocks(t, mine).text));
      } catch (err) {
        log?.error({ err: describeError(err) }, 'emergency hosts cleanup failed');
      }
    },
  };
}

export type HostsFile = ReturnType<typeof createHostsFile>;
