import { setFlagsFromString } from 'node:v8';
import { packageVersion } from './version.ts';
import { describeError } from '../errors.ts';
import type { CommandIo } from './io.ts';

const SVC_ALIASES = new Set(['svc', 'svcs', 'services']);

function usage(): string {
  return `kubefwd ${packageVersion()}: forward Kubernetes services to loopback IPs under their in-cluster names

Usage:
  sudo -E kubefwd [svc] [flags]     forward services (no namespace: idle mode, REST API on)
  kubefwd port-forward TYPE/NAME [LOCAL:]REMOTE...
                                    kubectl port-forward that reconnects (no root, no hosts file)
  kubefwd version [quiet]           print the version
  kubefwd mcp [flags]               MCP server on stdio for AI assistants, over the daemon's API (no root)
  kubefwd sim --kubeconfig FILE     run the simulated Kubernetes cluster
  kubefwd demo                      the simulated cluster plus the daemon, with a temporary hosts file

Run 'kubefwd svc --help' for the flags.
`;
}

/** Dispatches argv (without node and script) to a command; returns the exit code. Never exits the process. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === 'version') {
      io.stdout.write(
        rest[0] === 'quiet' ? `${packageVersion()}\n` : `kubefwd version: ${packageVersion()}\n`,
      );
      return 0;
    }
    if (first === 'help' || (first === '--help' && argv.length === 1)) {
      io.stdout.write(usage());
      return 0;
    }
    if (first === 'mcp') {
      const { runMcpCommand } = await import('../mcp/stdio-command.ts');
      return await runMcpCommand(rest, io);
    }
    if (first === 'sim') {
      const { runSimCommand } = await import('../sim/cli.ts');
      return await runSimCommand(rest, { stdout: io.stdout, stderr: io.stderr, signal: io.signal });
    }
    if (first === 'port-forward') {
      const { runPortForwardCommand } = await import('./port-forward-command.ts');
      return await runPortForwardCommand(rest, io);
    }
    if (first === 'demo') {
      const { runDemoCommand } = await import('./demo-command.ts');
      return await runDemoCommand(rest, io);
    }
    const svcArgs = first !== undefined && SVC_ALIASES.has(first) ? rest : [...argv];
    const { runSvcCommand } = await import('./svc-command.ts');
    return await runSvcCommand(svcArgs, io);
  } catch (err) {
    io.stderr.write(`kubefwd: ${describeError(err)}\n`);
    return 1;
  }
}

/**
 * The process wiring: first SIGINT/SIGTERM asks the running command to stop gracefully; a second one runs the
 * emergency cleanup (hosts entries) synchronously and exits 1.
 */
export async function runFromProcess(): Promise<void> {
  tuneGarbageCollector();
  const controller = new AbortController();
  const emergency: Array<() => void> = [];
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) {
      controller.abort();
      return;
    }
    for (const fn of emergency) {
      try {
        fn();
      } catch (err) {
        process.stderr.write(`kubefwd: emergency cleanup failed: ${describeError(err)}\n`);
      }
    }
    process.exit(1);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);

  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTty: Boolean(process.stdout.isTTY),
    isRoot: typeof process.getuid === 'function' ? process.getuid() === 0 : false,
    signal: controller.signal,
    onEmergency: (fn) => emergency.push(fn),
  });
  process.exitCode = code;
  // Let pending writes drain, but never hang on a stray handle.
  setTimeout(() => process.exit(code), 2000).unref();
}

/**
 * Counts Buffers' memory in V8's overall heap limit instead of its own small one. Every socket read allocates a new
 * Buffer outside the JavaScript heap; against the separate 64 MiB allowance that made V8 run a full mark-compact of
 * the whole heap (client-node alone keeps ~30 MB live) every ~64 MiB forwarded: 16 of them in a 512 MiB upload, 2
 * with this. Measured through the daemon: CPU per GB forwarded 2.5 → 1.9 s up, 1.9 → 1.6 s down; peak RSS during a
 * 1 GiB transfer ~260 → ~310 MB. Node.js keeps V8 flags writable after start for exactly this use. (The GC's threading
 * is read only at start, as is the young generation's size: bin/kubefwd.js's #! line passes both.)
 */
function tuneGarbageCollector(): void {
  // Verified on V8 13.6 (Node.js 24); an older V8 would print "unrecognized flag" for it.
  const [major = 0, minor = 0] = process.versions.v8.split('.').map(Number);
  if (major > 13 || (major === 13 && minor >= 6))
    setFlagsFromString('--external-memory-accounted-in-global-limit');
}
