#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=4 --initial-old-space-size=256
// Launcher. In a checkout the sources are TypeScript with erasable syntax only, run directly by a Node.js that strips
// types (22.18+); when the Node.js on PATH cannot, re-run with the Node.js 24 pinned in this package's devDependencies
// so `npx kubefwd` works whatever the machine's Node.js is. The published package carries no sources (Node.js will
// not strip types under node_modules anyway) but dist/, compiled from them at `npm pack` (scripts/build-js.ts), which
// any Node.js that `engines` names runs. Only this file and src/cli/main.ts's caller exit.
//
// --single-threaded-gc (the first line; `npm start` and the benchmarks pass it too): V8's helper threads for
// concurrent marking and sweeping and parallel scavenges cost more CPU than they save for a heap this small (tens of
// MB) that churns socket Buffers. Measured through the daemon on 2 cores: CPU per GB forwarded 1.47 → 0.88 s down,
// 1.56 → 0.97 s up. V8 reads it only at start, so it cannot be set from src/cli/main.ts.
// --max-semi-space-size=4 (MB, read only at start too): Node.js 24 lets the young generation grow to ~134 MB, and the
// start-up burst (parsing the lists of 1,000 services) grew it that far: RSS at ready 241-260 → 215-221 MB with 1,000
// services, the same ~205 MB once idle; CPU per GB forwarded unchanged within the noise (0.45-0.71 s user either way).
// --initial-old-space-size=256 (MB, read only at start): the first full collection waits until the old generation
// reaches 256 MB. Forwarded bytes are Buffers outside the JavaScript heap, and src/cli/main.ts counts them in V8's
// overall limit; a daemon's own heap is ~27 MB live when it forwards a few services, so a limit derived from that
// size made a full collection every ~50 MiB uploaded: 9-12 in one data-plane bench run (`--trace-gc`), 0 with 128.
// A start of 10,000 services (~160 MB live at ready) still made one at 128, a 230-300 ms pause; at 256 its only one
// is the heap trim's, right after ready. After the first, V8 sizes the limit by the live heap; a quiet daemon is
// collected by the heap trim.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'cli', 'main.js');

if (!existsSync(sources) && existsSync(compiled)) {
  // engines.node, checked here so that an older Node.js gets one line instead of a dependency's stack trace.
  const wanted = /(\d+)\.(\d+)/.exec(
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node,
  );
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (wanted && (major < Number(wanted[1]) || (major === Number(wanted[1]) && minor < Number(wanted[2])))) {
    process.stderr.write(
      `kubefwd: Node.js ${process.version} is too old: kubefwd needs Node.js >= ${wanted[1]}.${wanted[2]} (its Kubernetes client does), or use the standalone executable\n`,
    );
    process.exit(1);
  }
  const { runFromProcess } = await import(pathToFileURL(compiled).href);
  await runFromProcess();
} else if (process.features.typescript) {
  const { runFromProcess } = await import(pathToFileURL(sources).href);
  await runFromProcess();
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `kubefwd: Node.js ${process.version} cannot run TypeScript sources; install Node.js >= 22.19 or run 'npm ci' first\n`,
    );
    process.exit(1);
  }
  const child = spawn(
    pinned,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGKILL' ? 137 : 1)));
}
