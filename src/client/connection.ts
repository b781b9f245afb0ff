import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where a face (TUI, MCP bridge) finds a running daemon and its key. Node.js only; browsers sign in instead. */
export interface ConnectionOptions {
  /** `http://host[:port]`; wins over apiAddr. */
  apiUrl?: string | undefined;
  /** `IP:PORT` as the daemon's --api-addr. */
  apiAddr?: string | undefined;
  apiKey?: string | undefined;
  /** State directories to look for `api-key` in, first readable wins. */
  stateDirs?: readonly string[] | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export interface Connection {
  baseUrl: string;
  apiKey: string | undefined;
  /** Where the key came from, for messages: `--api-key`, `KUBEFWD_API_KEY`, a file path, or `none`. */
  keySource: string;
}

export const DEFAULT_API_URL = 'http://kubefwd.internal';

/** The daemon's default state directories: root's, then the invoking user's (as `svc --state-dir` defaults). */
export function defaultStateDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [env.KUBEFWD_STATE_DIR, '/var/lib/kubefwd', join(homedir(), '.kubefwd')];
  if (env.SUDO_USER && env.SUDO_USER !== 'root') dirs.push(join('/home', env.SUDO_USER, '.kubefwd'));
  return dirs.filter((d): d is string => Boolean(d));
}

export function resolveConnection(options: ConnectionOptions = {}): Connection {
  const env = options.env ?? process.env;
  const baseUrl = options.apiUrl ?? (options.apiAddr ? urlOfAddr(options.apiAddr) : DEFAULT_API_URL);
  if (options.apiKey) return { baseUrl, apiKey: options.apiKey, keySource: '--api-key' };
  if (env.KUBEFWD_API_KEY) return { baseUrl, apiKey: env.KUBEFWD_API_KEY, keySource: 'KUBEFWD_API_KEY' };
  for (const dir of options.stateDirs ?? defaultStateDirs(env)) {
    const file = join(dir, 'api-key');
    try {
      const key = readFileSync(file, 'utf8').trim();
      if (key) return { baseUrl, apiKey: key, keySource: file };
    } catch {
      // unreadable or absent: try the next one
    }
  }
  return { baseUrl, apiKey: undefined, keySource: 'none' };
}

function urlOfAddr(addr: string): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(addr);
  if (!m) throw new Error(`invalid API address "${addr}": expected IP:PORT`);
  return `http://${m[1]}:${m[2]}`;
}
