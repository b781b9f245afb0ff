import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type pinoPretty from 'pino-pretty';

export type Logger = PinoLogger;
export type LogFormat = 'pretty' | 'json';

export interface LoggerOptions {
  level?: string;
  /** `pretty` for a terminal, `json` for machines; defaults to pretty when stdout is a TTY. */
  format?: LogFormat;
  /** Where records go (tests pass a sink); defaults to stdout. */
  destination?: DestinationStream;
  /** Extra streams that receive every record as a JSON line, whatever the level (the API's log ring uses this). */
  tees?: DestinationStream[];
}

/** Builds the process logger. Nothing else creates loggers; modules receive one (or a child) as a dependency. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const streams: { stream: DestinationStream; level: string }[] = [];
  if (format === 'pretty') {
    // Loaded only for this format (30 modules a JSON logger does not need). Synchronous pretty printing (no worker
    // thread): the daemon's log volume is small.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof pinoPretty;
    streams.push({
      stream: pretty({
        colorize: false,
        translateTime: 'HH:MM:ss',
        ignore: 'pid,hostname',
        sync: true,
        destination: options.destination ?? 1,
      }),
      level,
    });
  } else {
    streams.push({ stream: options.destination ?? pino.destination({ fd: 1, sync: false }), level });
  }
  for (const tee of options.tees ?? []) streams.push({ stream: tee, level: 'debug' });
  return pino({ level: 'trace', base: undefined }, pino.multistream(streams));
}

/** A logger that drops everything: the default for modules under test that do not care about logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
