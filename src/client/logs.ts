import type { Schemas } from '../contract/contract.ts';
import { followSse, type SseFollower } from './sse.ts';

export type LogRecord = Schemas['LogEntry'];
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface FollowLogsOptions {
  /** This level and above; all when absent. */
  level?: LogLevel | undefined;
  /** Only records whose service key contains this. */
  service?: string | undefined;
  onLog(record: LogRecord): void;
  onState?: ((state: 'open' | 'error', detail?: string) => void) | undefined;
  retryMs?: number | undefined;
}

/** Follows the daemon's log as it is written (`/api/v1/logs/stream`, `event: log`); it does not replay. */
export function followLogs(
  options: FollowLogsOptions & { baseUrl: string; fetch: typeof globalThis.fetch },
): SseFollower {
  const query = new URLSearchParams();
  if (options.level) query.set('level', options.level);
  if (options.service) query.set('service', options.service);
  const qs = query.toString();
  return followSse({
    url: `${options.baseUrl}/api/v1/logs/stream${qs ? `?${qs}` : ''}`,
    fetch: options.fetch,
    what: 'the log',
    onState: options.onState,
    retryMs: options.retryMs,
    onMessage(message) {
      if (message.event !== 'log') return;
      try {
        const l = JSON.parse(message.data) as Omit<LogRecord, 'id'>;
        options.onLog({ ...l, id: Number(message.id ?? 0) });
      } catch {
        // Not a record: skip it.
      }
    },
  });
}
