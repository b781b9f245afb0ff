import { setFlagsFromString } from 'node:v8';
import { describeError } from '../errors.ts';
import { slimClientNode } from '../cluster/client-node-slim.ts';
import { flushCompiled, startCompileCache } from './compile-cache.ts';
import { findCommand, unknownCommand, usage } from './commands.ts';
import type { CommandIo } from './io.ts';

/**
 * Dispatches argv (without node and script) to a command; returns the exit code. Never exits the process.
 * As the original: no arguments, or flags first, mean `svc` (idle mode without a namespace); any other word must be a
 * command, because a typo that started the daemon would edit the hosts file and bind ports for nothing.
 */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if ((first === '--help' || first === '-h') && rest.length === 0) {
      io.stdout.write(usage());
      return 0;
    }
    const word = first === undefined || first.startsWith('-') ? undefined : first;
    const command = findCommand(first === '--version' ? 'version' : (word ?? 'svc'));
    if (!command) {
      io.stderr.write(`kubefwd: ${unknownCommand(first as string)}\n`);
      return 2;
    }
    return await command.run(word === undefined && first !== '--version' ? argv : rest, io);
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
  // Before the command's modules load (commands.ts imports each command's on first use).
  startCompileCache();
  slimClientNode();
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
  // A reader that goes away (`kubefwd svc | head -3`) must not kill a daemon before it removes its hosts entries:
  // what it would have printed is dropped, the forwards go on until a signal stops them as usual.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }

  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTty: Boolean(process.stderr.isTTY),
    isRoot: typeof process.getuid === 'function' ? process.getuid() === 0 : false,
    signal: controller.signal,
    onEmergency: (fn) => emergency.push(fn),
    onStarted: () => {
      stopPretenuring();
      flushCompiled();
    },
  });
  process.exitCode = code;
  // Let pending writes drain, but never hang on a stray handle.
  setTimeout(() => process.exit(code), 2000).unref();
}

/**
 * Once every forward listens, V8 stops moving allocation sites to the old generation on its own guess
 * ("pretenuring"). During start-up the guess is right (lists of thousands of objects that live for good) and is kept:
 * without it, RSS at ready with 10,000 services was 589 instead of 485 MB (`node bench/scale.ts`, one pair). In steady
 * state it is wrong for connections: a site whose objects all happened to be alive at a scavenge (a connection's
 * streams, its sniffer) gets allocated old, and each such dead object keeps the young ones it points to alive through
 * the next scavenge (they are promoted, and so on). Measured on the daemon with `--trace-gc-nvp` over 2,000
 * sequential connections: 335 → 105 KB promoted per scavenge, pause 1.6 → 0.9 ms; connection setup on a quiet
 * machine (3 interleaved pairs, the flag from the start): p50 1.04-1.15 → 0.79-0.89 ms, p99 3.8-5.4 → 3.5-4.1 ms,
 * daemon CPU per connection 590-690 → 530-610 µs. Sites already decided keep their decision. The flag is read at
 * each collection, so it may change now (Node.js keeps V8 flags writable after start).
 */
function stopPretenuring(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/**
 * Counts Buffers' memory in V8's overall heap limit instead of its own small one. Every socket read allocates a new
 * Buffer outside the JavaScript heap; against the separate 64 MiB allowance that made V8 run a full mark-compact of
 * the whole heap (client-node alone keeps ~30 MB live) every ~64 MiB forwarded: 16 of them in a 512 MiB upload, 2
 * with this. Measured through the daemon: CPU per GB forwarded 2.5 → 1.9 s up, 1.9 → 1.6 s down; peak RSS during a
 * 1 GiB transfer ~260 → ~310 MB. Node.js keeps V8 flags writable after start for exactly this use. (The GC's threading
 * is read only at start, as are the young generation's size and the old one's first limit: bin/kubefwd.js's #!
 * line passes them.)
 */
function tuneGarbageCollector(): void {
  // Verified on V8 13.6 (Node.js 24); an older V8 would print "unrecognized flag" for it.
  const [major = 0, minor = 0] = process.versions.v8.split('.').map(Number);
  if (major > 13 || (major === 13 && minor >= 6))
    setFlagsFromString('--external-memory-accounted-in-global-limit');
}
