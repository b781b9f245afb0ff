import { accessSync, constants } from 'node:fs';
import { createDaemon, type StartSummary } from '../daemon/daemon.ts';
import type { DaemonConfig } from '../daemon/config.ts';
import { KubefwdError, describeError } from '../errors.ts';
import { createLogRing } from '../log/log-ring.ts';
import { createLogger } from '../log/logger.ts';
import { FlagError, parseFlags, renderFlagHelp } from './flags.ts';
import { createProgressLine, daemonProgress } from './progress.ts';
import type { CommandIo } from './io.ts';
import { SVC_FLAGS, configFromFlags } from './svc-flags.ts';

export function svcUsage(): string {
  return `Forward the services of namespaces to loopback IPs under their in-cluster names.

Usage:
  sudo -E kubefwd svc [flags]

Flags:
${renderFlagHelp(SVC_FLAGS)}
`;
}

/** Checks that need no cluster: the hosts file must be writable before anything is touched. */
export function preflight(config: DaemonConfig, io: Pick<CommandIo, 'isRoot'>): void {
  try {
    accessSync(config.hostsPath, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KubefwdError('HOSTS_FILE_ERROR', `hosts file ${config.hostsPath} does not exist`);
    if (!io.isRoot) {
      throw new KubefwdError(
        'HOSTS_FILE_ERROR',
        `cannot write ${config.hostsPath}: run as root (sudo -E kubefwd ...) or pass --hosts-path`,
      );
    }
    throw new KubefwdError('HOSTS_FILE_ERROR', `cannot write ${config.hostsPath}: ${describeError(err)}`);
  }
}

function printSummary(io: CommandIo, summary: StartSummary): void {
  // One write: 10,000 forwards were 10,000 writes to the terminal or pipe.
  io.stdout.write(`${[...summary.forwards, summary.text].join('\n')}\n`);
}

export async function runSvcCommand(
  argv: readonly string[],
  io: CommandIo,
  overrides: Partial<DaemonConfig> = {},
): Promise<number> {
  let config: DaemonConfig;
  try {
    const parsed = parseFlags(argv, SVC_FLAGS);
    if (parsed.values.get('help') === true) {
      io.stdout.write(svcUsage());
      return 0;
    }
    config = { ...configFromFlags(parsed, io), ...overrides };
    preflight(config, io);
  } catch (err) {
    if (err instanceof FlagError || err instanceof KubefwdError) {
      io.stderr.write(`kubefwd: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  // Logs go to stderr, the summary table to stdout. On a terminal one progress line tells how the start goes.
  const progress =
    io.isTty && !config.idle
      ? createProgressLine(io.stderr, () =>
          daemonProgress(daemon, {
            contexts: Math.max(config.contexts.length, 1),
            namespaces: config.allNamespaces ? undefined : config.namespaces.length,
          }),
        )
      : undefined;
  // The ring keeps the last records for the API's /logs and its SSE stream.
  const logRing = createLogRing(1000);
  const log = createLogger({
    level: config.verbose ? 'debug' : 'info',
    format: config.logFormat,
    destination: progress?.logStream ?? io.stderr,
    tees: [logRing],
  });
  const daemon = createDaemon(config, { log, env: io.env, logRing });
  io.onEmergency(() => daemon.emergencyCleanup());
  progress?.start();
  try {
    const summary = await daemon.start(io.signal);
    progress?.stop();
    printSummary(io, summary);
    io.onStarted?.();
  } catch (err) {
    progress?.stop();
    await daemon.close().catch(() => undefined);
    io.stderr.write(`kubefwd: ${describeError(err)}\n`);
    return 1;
  }
  if (!io.signal.aborted)
    await new Promise<void>((resolve) =>
      io.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  log.info('shutting down');
  await daemon.close();
  return 0;
}
