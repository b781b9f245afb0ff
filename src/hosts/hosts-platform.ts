/**
 * What differs per platform for the hosts file: its path, line endings, how many names a line may hold, how to flush
 * the DNS cache, and how to tell whether the process that wrote a block is still the one running under its pid.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs a command to completion; injected so tests never run one. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<void> | void;

export function hostsPathFor(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform !== 'win32') return '/etc/hosts';
  // %SystemRoot% is where Windows really lives; C:\Windows is only the usual place.
  const root = env.SystemRoot ?? env.SYSTEMROOT ?? env.windir ?? 'C:\\Windows';
  return `${root.replace(/[\\/]+$/, '')}\\System32\\drivers\\etc\\hosts`;
}

/** Windows resolves only about nine names per hosts line (original's #258); elsewhere a line holds them all. */
export const maxNamesPerLine = (platform: NodeJS.Platform): number => (platform === 'win32' ? 9 : 0);

export const defaultEolFor = (platform: NodeJS.Platform): '\n' | '\r\n' =>
  platform === 'win32' ? '\r\n' : '\n';

/** The commands that flush the resolver cache after a write; Linux has none we may rely on. */
export function dnsFlushCommands(platform: NodeJS.Platform): Array<[string, string[]]> {
  if (platform === 'darwin')
    return [
      ['dscacheutil', ['-flushcache']],
      ['killall', ['-HUP', 'mDNSResponder']],
    ];
  if (platform === 'win32') return [['ipconfig', ['/flushdns']]];
  return [];
}

/** Where `~/hosts.original` goes: the invoking user's home, also under sudo (the original's #285 complaint). */
export function backupPathFor(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  const sudoUser = env.SUDO_USER;
  if (sudoUser && sudoUser !== 'root' && platform !== 'win32' && /^[\w.-]+$/.test(sudoUser)) {
    return join(platform === 'darwin' ? '/Users' : '/home', sudoUser, 'hosts.original');
  }
  return join(home, 'hosts.original');
}

/** The uid/gid a file written for the invoking user should get under sudo. */
export function sudoOwner(env: NodeJS.ProcessEnv): { uid: number; gid: number } | undefined {
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  return Number.isInteger(uid) && Number.isInteger(gid) && env.SUDO_UID && env.SUDO_GID
    ? { uid, gid }
    : undefined;
}

export interface ProcessIdentity {
  /** Linux: the process start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  start: string | undefined;
  /** Linux: /proc/sys/kernel/random/boot_id. */
  boot: string | undefined;
}

function readStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function readBoot(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')
      .trim()
      .replace(/[^\w-]/g, '');
  } catch {
    return undefined;
  }
}

export function processIdentity(pid: number = process.pid): ProcessIdentity {
  return { start: readStart(pid), boot: readBoot() };
}

/**
 * Is the writer of a block still running? Its pid must exist and, where the block recorded them, the boot id and the
 * process start time must match, so a pid reused after a crash or a reboot does not keep a dead block alive.
 */
export function isWriterAlive(block: {
  pid: number;
  start?: string | undefined;
  boot?: string | undefined;
}): boolean {
  if (!Number.isInteger(block.pid) || block.pid <= 0) return false;
  try {
    process.kill(block.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (block.boot) {
    const boot = readBoot();
    if (boot && boot !== block.boot) return false;
  }
  if (block.start) {
    const start = readStart(block.pid);
    if (start && start !== block.start) return false;
  }
  return true;
}
