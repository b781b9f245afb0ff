import { Ring } from '../metrics/ring.ts';

export interface LogRecord {
  id: number;
  timestamp: string;
  level: string;
  message: string;
  service?: string | undefined;
  fields: Record<string, unknown>;
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
export const LEVEL_ORDER = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/**
 * A pino destination keeping the last N records for the API (`/api/v1/logs`) and pushing each to subscribers (the
 * logs SSE stream). Records are parsed from pino's JSON lines.
 */
export function createLogRing(capacity = 1000) {
  const ring = new Ring<LogRecord>(capacity);
  const subscribers = new Set<(r: LogRecord) => void>();
  let nextId = 1;
  return {
    write(line: string): void {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const { level, time, msg, ...fields } = parsed;
      const record: LogRecord = {
        id: nextId++,
        timestamp: new Date(typeof time === 'number' ? time : Date.now()).toISOString(),
        level: LEVELS[level as number] ?? String(level),
        message: typeof msg === 'string' ? msg : '',
        service:
          typeof fields.service === 'string'
            ? fields.service
            : typeof fields.forward === 'string'
              ? fields.forward
              : undefined,
        fields,
      };
      ring.push(record);
      for (const fn of [...subscribers]) fn(record);
    },
    list(filter: { count: number; level?: string | undefined; service?: string | undefined }): LogRecord[] {
      const min = filter.level ? LEVEL_ORDER.indexOf(filter.level) : 0;
      return ring
        .toArray()
        .filter(
          (r) =>
            LEVEL_ORDER.indexOf(r.level) >= min &&
            (!filter.service || (r.service ?? '').includes(filter.service)),
        )
        .slice(-filter.count);
    },
    subscribe(fn: (r: LogRecord) => void): () => void {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    clear(): void {
      ring.clear();
    },
    get size(): number {
      return ring.size;
    },
  };
}

export type LogRing = ReturnType<typeof createLogRing>;
