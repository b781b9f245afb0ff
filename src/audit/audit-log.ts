import {
  closeSync,
  fchmodSync,
  fstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { redactFields, scrubSecrets } from './redact.ts';
import type { AuditEntry, AuditFilter, AuditReader, AuditRecord, AuditRecorder } from './types.ts';

export interface AuditLogOptions {
  /** STATE_DIR/audit.jsonl; rotated generations are PATH.1, PATH.2, ... (newest first). */
  path: string;
  /** A generation is rotated once the next entry would take it past this size. */
  maxBytes?: number;
  /** Generations kept, the current one included (at least 2). */
  files?: number;
  now?: () => number;
  log: Logger;
  /** Keys and tokens that must never reach the file (scrubbed from every line). */
  secrets?: () => Iterable<string>;
}

export interface AuditLog extends AuditRecorder, AuditReader {
  close(): void;
}

export const AUDIT_DEFAULTS = { maxBytes: 2 * 1024 * 1024, files: 4 } as const;

/**
 * The audit trail as JSON lines, mode 0600, appended synchronously (state changes are rare, and an entry must not
 * be lost to a crash right after the change it records). Rotated by size: the oldest generation is dropped, so the
 * newest entries are always kept. Ids keep counting across restarts.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { path, log } = options;
  const maxBytes = options.maxBytes ?? AUDIT_DEFAULTS.maxBytes;
  const files = Math.max(2, options.files ?? AUDIT_DEFAULTS.files);
  const now = options.now ?? Date.now;
  const generations = Array.from({ length: files }, (_, i) => (i === 0 ? path : `${path}.${i}`));
  let fd: number | undefined;
  let size = 0;
  let nextId = lastId() + 1;
  let closed = false;

  function lastId(): number {
    for (const file of generations) {
      const lines = readLines(file);
      for (let i = lines.length - 1; i >= 0; i--) {
        const id = (parse(lines[i] as string) as { id?: unknown } | undefined)?.id;
        if (typeof id === 'number' && Number.isSafeInteger(id)) return id;
      }
    }
    return 0;
  }

  function open(): number {
    if (fd !== undefined) return fd;
    fd = openSync(path, 'a', 0o600);
    // An existing file keeps its mode on open: make sure it is ours alone.
    fchmodSync(fd, 0o600);
    size = fstatSync(fd).size;
    return fd;
  }

  function rotate(): void {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    rmSync(generations[files - 1] as string, { force: true });
    for (let i = files - 1; i > 0; i--) {
      try {
        renameSync(generations[i - 1] as string, generations[i] as string);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  return {
    record(record: AuditRecord): void {
      if (closed) return;
      const entry: AuditEntry = {
        id: nextId++,
        timestamp: new Date(now()).toISOString(),
        actor: record.actor,
        action: record.action,
        resource: record.resource,
        details: redactFields(record.details ?? {}) as Record<string, unknown>,
        outcome: record.outcome,
        requestId: record.requestId ?? null,
      };
      const line = `${scrubSecrets(JSON.stringify(entry), options.secrets?.() ?? [])}\n`;
      const bytes = Buffer.byteLength(line);
      try {
        open();
        if (size > 0 && size + bytes > maxBytes) rotate();
        writeSync(open(), line);
        size += bytes;
      } catch (err) {
        log.error({ err: describeError(err), path }, `cannot write the audit trail: ${describeError(err)}`);
      }
    },
    async query(filter: AuditFilter) {
      const items: AuditEntry[] = [];
      let total = 0;
      for (const file of generations) {
        const lines = await readLinesAsync(file);
        for (let i = lines.length - 1; i >= 0; i--) {
          const e = parse(lines[i] as string) as AuditEntry | undefined;
          if (!e || !matches(e, filter)) continue;
          if (total >= filter.offset && items.length < filter.limit) items.push(e);
          total++;
        }
      }
      return { items, total };
    },
    close() {
      closed = true;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function matches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.action !== undefined && e.action !== f.action) return false;
  if (f.user !== undefined && e.actor !== f.user) return false;
  if (f.from !== undefined || f.to !== undefined) {
    const t = Date.parse(e.timestamp);
    if (f.from !== undefined && t < f.from) return false;
    if (f.to !== undefined && t > f.to) return false;
  }
  return true;
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

const split = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

function readLines(file: string): string[] {
  try {
    return split(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

async function readLinesAsync(file: string): Promise<string[]> {
  try {
    return split(await readFile(file, 'utf8'));
  } catch {
    return [];
  }
}
