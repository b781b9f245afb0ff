import { execFileSync } from 'node:child_process';
import type { Logger } from '../log/logger.ts';

export type CommandRunner = (cmd: string, args: string[]) => void;

const defaultRunner: CommandRunner = (cmd, args) => {
  execFileSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
};

/**
 * Loopback addresses beyond 127.0.0.1 need an alias on macOS (`ifconfig lo0 alias IP up`); Linux routes all of
 * 127/8 to lo and Windows accepts binds to any 127.x, so there this does nothing. Aliases are reference-counted per
 * IP (several ports share one), so one forward stopping never removes an address another still uses.
 */
export function createLoopbackAliases(
  options: { platform?: NodeJS.Platform; run?: CommandRunner; log?: Logger } = {},
) {
  const platform = options.platform ?? process.platform;
  const run = options.run ?? defaultRunner;
  const refs = new Map<string, number>();
  const needed = platform === 'darwin' || platform === 'freebsd' || platform === 'openbsd';
  return {
    needed,
    acquire(ip: string): void {
      const n = refs.get(ip) ?? 0;
      refs.set(ip, n + 1);
      if (!needed || n > 0 || ip === '127.0.0.1') return;
      run('ifconfig', ['lo0', 'alias', ip, 'up']);
    },
    release(ip: string): void {
      const n = refs.get(ip) ?? 0;
      if (n <= 1) refs.delete(ip);
      else refs.set(ip, n - 1);
      if (!needed || n !== 1 || ip === '127.0.0.1') return;
      try {
        run('ifconfig', ['lo0', '-alias', ip]);
      } catch (err) {
        options.log?.debug({ ip, err: String(err) }, 'cannot remove loopback alias');
      }
    },
    /** Removes every alias still held (shutdown). */
    releaseAll(): void {
      for (const ip of [...refs.keys()]) {
        refs.set(ip, 1);
        this.release(ip);
      }
    },
    held: (): string[] => [...refs.keys()],
  };
}

export type LoopbackAliases = ReturnType<typeof createLoopbackAliases>;
