/**
 * The data-plane figures alone (throughput and CPU per GB with curl, connection setup, 200 connections, head of line,
 * the raw SPDY ceiling): `node bench/data-plane.ts [--runs 3] [--mib 512] [--connects 2000] [--sim-thread]`. Prints
 * them as JSON on stdout; writes nothing else. With BENCH_KUBEFWD_BIN=<another checkout>/bin/kubefwd.js it measures
 * that checkout's daemon the same way (before/after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPlane } from './lib/data-plane.ts';
import { commandWorks, killAll } from './lib/procs.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-dp-bench-'));
const noise: Record<string, number> = {};
try {
  const figures = await dataPlane({
    dir,
    apiKey: 'bench-key',
    runs: arg('runs', 3),
    bytes: arg('mib', 512) * 1024 * 1024,
    connects: arg('connects', 2000),
    simThread: process.argv.includes('--sim-thread'),
    hasKubectl: commandWorks('kubectl', 'version', '--client'),
    log: (msg) => void process.stderr.write(`${msg}\n`),
    noise,
  });
  process.stdout.write(`${JSON.stringify({ ...figures, noise_pct: noise }, null, 2)}\n`);
} catch (err) {
  killAll();
  throw err;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
