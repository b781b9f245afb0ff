import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { constants, enableCompileCache, flushCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Node.js's module compile cache for the daemon's own modules and its dependencies; from a checkout each of ours is
 * also stripped of its types first. With the cache, a start's module loading took 0.87-1.06 instead of 1.30-1.44 s
 * of CPU (importing the `svc` command's modules, three runs each, measured while client-node still loaded its ~870
 * generated modules: client-node-slim.ts has since left them out). The first start after an install or upgrade
 * writes the cache and is no faster.
 *
 * The cache holds compiled code that the process runs. kubefwd runs as root, so the directory must be one only root
 * (or the user running it) can write, and so must every directory above it: otherwise another user could plant code
 * that root runs. Root's cache is /var/cache/kubefwd (never the invoking user's home, which `sudo -E` keeps in
 * HOME); anyone else's `$XDG_CACHE_HOME/kubefwd` or `~/.cache/kubefwd`. Node.js's own `NODE_COMPILE_CACHE` (a
 * directory) and `NODE_DISABLE_COMPILE_CACHE=1` take precedence.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv, euid: number, home: string): string {
  if (euid === 0) return '/var/cache/kubefwd';
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(home, '.cache');
  return join(base, 'kubefwd');
}

/**
 * Why `dir` is not safe to load compiled code from as `euid`, or undefined when it is: the directory itself and every
 * one above it (symbolic links resolved) belong to `euid` or root and no one else may write to them; a sticky
 * directory (/tmp) above it is fine, as others can neither remove nor rename what is in it.
 */
export function unsafeBecause(dir: string, euid: number): string | undefined {
  let path = realpathSync(dir);
  const own = lstatSync(path);
  if (!own.isDirectory()) return `${path} is not a directory`;
  if (own.uid !== euid) return `${path} belongs to uid ${own.uid}`;
  if ((own.mode & 0o022) !== 0) return `${path} is writable by others`;
  for (;;) {
    const parent = dirname(path);
    if (parent === path) return undefined;
    path = parent;
    const st = lstatSync(path);
    if (st.uid !== euid && st.uid !== 0) return `${path} belongs to uid ${st.uid}`;
    if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) return `${path} is writable by others`;
  }
}

export type CompileCacheResult = { enabled: true; directory: string } | { enabled: false; reason: string };

/** Turns the cache on for the modules loaded from now on; never throws (a start without the cache is only slower). */
export function startCompileCache(
  env: NodeJS.ProcessEnv = process.env,
  euid: number = process.geteuid?.() ?? -1,
): CompileCacheResult {
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE)
    return { enabled: false, reason: 'left to NODE_COMPILE_CACHE / NODE_DISABLE_COMPILE_CACHE' };
  if (euid < 0) return { enabled: false, reason: 'no user id on this platform' };
  try {
    const dir = compileCacheDir(env, euid, homedir());
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const unsafe = unsafeBecause(dir, euid);
    if (unsafe) return { enabled: false, reason: unsafe };
    const r = enableCompileCache(dir);
    if (r.status === constants.compileCacheStatus.ENABLED) return { enabled: true, directory: dir };
    return { enabled: false, reason: r.message ?? `status ${r.status}` };
  } catch (err) {
    return { enabled: false, reason: (err as Error).message };
  }
}

/** Writes what was compiled so far, so that a daemon stopped by SIGKILL still leaves the cache for the next start. */
export function flushCompiled(): void {
  try {
    flushCompileCache();
  } catch {
    // A full disk or a read-only cache: the next start compiles again.
  }
}
