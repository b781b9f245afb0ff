import { createHash, timingSafeEqual } from 'node:crypto';
import type { Response } from 'express';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import YAML from 'yaml';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';

/** read: GET everything and follow events; control: also change state; admin: the daemon's own key. */
export type Scope = 'read' | 'control' | 'admin';

const RANK: Record<Scope, number> = { read: 0, control: 1, admin: 2 };

export const scopeAllows = (have: Scope, need: Scope): boolean => RANK[have] >= RANK[need];

export interface ApiCaller {
  /** The key's name: the audit trail's actor. */
  name: string;
  scope: Scope;
}

/** The caller `identifyCaller` found for this request (src/api/security.ts), if its key is known. */
export const callerOf = (res: Response): ApiCaller | undefined => res.locals.caller as ApiCaller | undefined;

export interface NamedKey extends ApiCaller {
  key: string;
}

export interface KeyRing {
  /** The caller a bearer token belongs to, compared in constant time against every key. */
  identify(token: string | undefined): ApiCaller | undefined;
  /** Every key in force, for scrubbing them from what is written down. */
  secrets(): string[];
  /** Watches the key file and reloads it on change. */
  start(): void;
  close(): void;
}

export const ADMIN_KEY_NAME = 'admin';
export const READ_KEY_NAME = 'read';
// `kubefwd` is the actor of the daemon's own steps in the audit trail (an ad-hoc forward's expiry).
const RESERVED = new Set([ADMIN_KEY_NAME, READ_KEY_NAME, 'anonymous', 'kubefwd']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const MIN_KEY_LENGTH = 16;

/** Parses STATE_DIR/api-keys.yaml: `keys: [{name, key, scope: read|control}]`. */
export function parseKeyFile(text: string, what = 'api-keys.yaml'): NamedKey[] {
  const bad = (m: string): KubefwdError => new KubefwdError('CONFIG_INVALID', `${what}: ${m}`);
  let doc: unknown;
  try {
    doc = YAML.parse(text) as unknown;
  } catch (err) {
    throw bad(`not valid YAML (${describeError(err).split('\n')[0] ?? ''})`);
  }
  const list = (doc as { keys?: unknown } | null)?.keys ?? [];
  if (!Array.isArray(list)) throw bad('"keys" must be a list');
  const names = new Set<string>();
  const secrets = new Set<string>();
  return list.map((item: unknown, i) => {
    const k = (item ?? {}) as { name?: unknown; key?: unknown; scope?: unknown };
    if (typeof k.name !== 'string' || !NAME.test(k.name))
      throw bad(`keys[${i}].name must be 1-63 letters, digits, ".", "_" or "-"`);
    if (RESERVED.has(k.name)) throw bad(`keys[${i}].name "${k.name}" is reserved`);
    if (names.has(k.name)) throw bad(`keys[${i}].name "${k.name}" is given twice`);
    if (typeof k.key !== 'string' || k.key.length < MIN_KEY_LENGTH || /\s/.test(k.key))
      throw bad(`keys[${i}].key must be at least ${MIN_KEY_LENGTH} characters without spaces`);
    if (secrets.has(k.key)) throw bad(`keys[${i}].key is the same as another key's`);
    if (k.scope !== 'read' && k.scope !== 'control') throw bad(`keys[${i}].scope must be read or control`);
    names.add(k.name);
    secrets.add(k.key);
    return { name: k.name, key: k.key, scope: k.scope };
  });
}

/** Reads the key file; refuses one that group or others may read or write. Missing file: no keys. */
export function readKeyFile(path: string): NamedKey[] {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw new KubefwdError(
      'CONFIG_INVALID',
      `${path} is mode ${(mode & 0o777).toString(8)}: it must be readable by its owner only (chmod 600)`,
    );
  return parseKeyFile(readFileSync(path, 'utf8'), path);
}

interface Entry extends ApiCaller {
  digest: Buffer;
  key: string;
}

const digestOf = (text: string): Buffer => createHash('sha256').update(text).digest();

export function createKeyRing(options: {
  adminKey: string;
  readKey?: string | undefined;
  /** STATE_DIR/api-keys.yaml. */
  file?: string | undefined;
  log: Logger;
}): KeyRing {
  const { log, file } = options;
  const fixed: Entry[] = [
    { name: ADMIN_KEY_NAME, scope: 'admin', key: options.adminKey, digest: digestOf(options.adminKey) },
    ...(options.readKey
      ? [
          {
            name: READ_KEY_NAME,
            scope: 'read' as const,
            key: options.readKey,
            digest: digestOf(options.readKey),
          },
        ]
      : []),
  ];
  let fromFile: Entry[] = [];
  let watcher: FSWatcher | undefined;

  function reload(): void {
    if (!file) return;
    try {
      const keys = readKeyFile(file).filter((k) => !fixed.some((f) => f.key === k.key));
      fromFile = keys.map((k) => ({ ...k, digest: digestOf(k.key) }));
      log.debug({ file, keys: fromFile.length }, 'API keys loaded');
    } catch (err) {
      // Fail closed: a file that cannot be trusted grants nothing.
      fromFile = [];
      log.error({ file, err: describeError(err) }, `API key file ignored: ${describeError(err)}`);
    }
  }
  reload();

  return {
    identify(token) {
      if (!token) return undefined;
      const digest = digestOf(token);
      let found: Entry | undefined;
      for (const e of [...fixed, ...fromFile]) if (timingSafeEqual(digest, e.digest)) found ??= e;
      return found && { name: found.name, scope: found.scope };
    },
    secrets: () => [...fixed, ...fromFile].map((e) => e.key),
    start() {
      if (!file || watcher) return;
      const name = basename(file);
      try {
        // The directory, not the file: editors and `mv` replace the file, which would end a watch on it.
        watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
          if (changed === null || changed === name) reload();
        });
        watcher.on('error', (err) => log.warn({ err: describeError(err) }, 'API key file watch failed'));
        reload();
      } catch (err) {
        log.warn({ file, err: describeError(err) }, 'cannot watch the API key file; changes need a restart');
      }
    },
    close() {
      watcher?.close();
      watcher = undefined;
    },
  };
}
