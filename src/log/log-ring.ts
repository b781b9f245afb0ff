import { Ring } from '../metrics/ring.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LevelName = (typeof LEVELS)[number];
/** Level names, least severe first. */
export const LEVEL_ORDER: readonly string[] = LEVELS;

const LEVEL_BY_NUMBER: Record<number, LevelName> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** One log record: pino's fields spread out, with its numeric level named and an id for SSE replay. */
export interface LogRecord {
  [field: string]: unknown;
  id: number;
  /** Epoch ms, as pino wrote it. */
  time: number;
  level: LevelName;
  msg: string;
  /** The service (or forward) the record is about, when it names one. */
  service?: string | undefined;
  /** @deprecated ISO form of `time`, for the API until it reads `time`. */
  timestamp: string;
  /** @deprecated same as `msg`. */
  message: string;
}

export interface LogFilter {
  count: number;
  /** Minimum level. */
  level?: string | undefined;
  /** Substring of the record's service. */
  service?: string | undefined;
}

export interface LogRingOptions {
  capacity?: number;
  now?: () => number;
}

const rank = (level: string): number => LEVEL_ORDER.indexOf(level);

/**
 * A pino destination (use it in `createLogger({ tees })` or `pino.multistream`) that keeps the last `capacity`
 * records for the API and hands each to subscribers (the logs SSE stream).
 *
 * Debug and trace records are kept apart from the others, `capacity` of each: a start with 10,000 services logs a
 * debug line per forward past its first hundred, and in one shared ring those evicted every warning and error logged
 * before them.
 */
export function createLogRing(options: LogRingOptions | number = {}) {
  const opts = typeof options === 'number' ? { capacity: options } : options;
  const now = opts.now ?? Date.now;
  const capacity = opts.capacity ?? 1000;
  /** info and above. */
  const ring = new Ring<LogRecord>(capacity);
  /** debug and trace. */
  const verbose = new Ring<LogRecord>(capacity);
  const INFO = rank('info');
  const subscribers = new Set<(r: LogRecord) => void>();
  let nextId = 1;

  function parse(line: string): LogRecord | undefined {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
    const fields = obj as Record<string, unknown>;
    const time = typeof fields.time === 'number' ? fields.time : now();
    const level =
      typeof fields.level === 'number'
        ? (LEVEL_BY_NUMBER[fields.level] ?? 'info')
        : rank(String(fields.level)) >= 0
          ? (fields.level as LevelName)
          : 'info';
    const msg = typeof fields.msg === 'string' ? fields.msg : '';
    const named = [fields.service, fields.serviceKey, fields.forwardKey, fields.forward].find(
      (v): v is string => typeof v === 'string',
    );
    return {
      ...fields,
      id: nextId++,
      time,
      level,
      msg,
      service: named,
      timestamp: new Date(time).toISOString(),
      message: msg,
    };
  }

  function add(record: LogRecord): void {
    (rank(record.level) < INFO ? verbose : ring).push(record);
    for (const fn of [...subscribers]) {
      try {
        fn(record);
      } catch {
        // One failing subscriber (a closed SSE stream) must not stop logging or the others.
      }
    }
  }

  return {
    /** Takes one or more JSON lines, as pino writes them. */
    write(chunk: string | Uint8Array): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const record = parse(line);
        if (record) add(record);
      }
      return true;
    },
    /** The newest `count` records passing the filter, oldest first. */
    list(filter: LogFilter): LogRecord[] {
      const min = filter.level ? Math.max(0, rank(filter.level)) : 0;
      const out: LogRecord[] = [];
      // Newest first across both rings (ids grow with time); the verbose one only when its levels are asked for.
      let i = ring.size - 1;
      let j = min < INFO ? verbose.size - 1 : -1;
      while ((i >= 0 || j >= 0) && out.length < filter.count) {
        const a = i >= 0 ? (ring.at(i) as LogRecord) : undefined;
        const b = j >= 0 ? (verbose.at(j) as LogRecord) : undefined;
        let r: LogRecord;
        if (a && (!b || a.id > b.id)) {
          r = a;
          i--;
        } else {
          r = b as LogRecord;
          j--;
        }
        if (rank(r.level) < min) continue;
        if (filter.service && !(r.service ?? '').includes(filter.service)) continue;
        out.push(r);
      }
      return out.reverse();
    },
    subscribe(fn: (r: LogRecord) => void): () => void {
      subscribers.add(fn);
      return () => {
        subscribers.delete(fn);
      };
    },
    clear(): void {
      ring.clear();
      verbose.clear();
    },
    /** Records kept, of both kinds. */
    get size(): number {
      return ring.size + verbose.size;
    },
    /** Records kept at most of each kind (info and above; debug and trace). */
    get capacity(): number {
      return capacity;
    },
  };
}

export type LogRing = ReturnType<typeof createLogRing>;
