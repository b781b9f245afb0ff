/**
 * The daemon's own CPU per services-list request, which the machine's load changes much less than latency:
 * `node bench/control-plane-cpu.ts [services=1000] [full|page|both]` (inside `unshare -n`). Starts the daemon on the
 * control-plane scenario's fixture, waits until every service is listed, then reads the daemon's utime+stime from
 * /proc around 300 `limit=1000` requests (walking the pages) and 600 pages of 100 at random offsets, three rounds.
 * `BENCH_KUBEFWD_BIN` runs another checkout's daemon (before/after). Linux only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '../src/sim/index.ts';
import { startBenchDaemon } from './lib/daemon.ts';
import { cpuSeconds } from './lib/procs.ts';
import { clusterObjects } from './lib/scale.ts';
import { quantile, round } from './lib/stats.ts';

const n = Number(process.argv[2] ?? 1000);
const mode = process.argv[3] ?? 'both';
const namespaces = n >= 10_000 ? 100 : 10;
const sim = createSimulator({
  control: false,
  fixture: { clusters: [{ name: 'cp', objects: clusterObjects(namespaces, n / namespaces) }] },
});
await sim.start();
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-cp-cpu-'));
const d = await startBenchDaemon({
  dir,
  tag: 'cpu',
  sim,
  namespaces: Array.from({ length: namespaces }, (_, i) => `ns${i}`),
  apiKey: 'bench-key',
});
const auth = { Authorization: 'Bearer bench-key' };
/** The daemon's user+system CPU so far, in ms. */
const cpu = (): number => cpuSeconds(d.proc.child.pid as number) * 1000;

async function run(label: string, url: (i: number) => string, k: number): Promise<void> {
  const times: number[] = [];
  const before = cpu();
  for (let i = 0; i < k; i++) {
    const t = performance.now();
    const r = await fetch(url(i), { headers: auth });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${url(i)} answered ${r.status}`);
    times.push(performance.now() - t);
  }
  const perRequest = (cpu() - before) / k;
  process.stdout.write(
    `${label} ${n}: daemon CPU ${round(perRequest, 2)} ms/request, p50 ${round(quantile(times, 0.5), 2)} p99 ${round(quantile(times, 0.99), 2)} ms\n`,
  );
}

try {
  await d.proc.waitFor(/Forwarding \d+ service/, 600_000);
  const deadline = Date.now() + 600_000;
  for (;;) {
    const r = (await (await fetch(`${d.api}/api/v1/services?limit=1`, { headers: auth })).json()) as {
      meta?: { total?: number };
    };
    if (r.meta?.total === n) break;
    if (Date.now() > deadline) throw new Error(`the daemon listed ${r.meta?.total ?? 'no'} of ${n} services`);
    await new Promise((res) => setTimeout(res, 200));
  }
  const pages = Math.max(1, n / 1000);
  for (let round = 0; round < 3; round++) {
    if (mode !== 'page')
      await run('limit=1000', (i) => `${d.api}/api/v1/services?limit=1000&offset=${(i % pages) * 1000}`, 300);
    if (mode !== 'full')
      await run(
        'page of 100',
        () => `${d.api}/api/v1/services?limit=100&offset=${Math.floor(Math.random() * (n - 100))}`,
        600,
      );
  }
} finally {
  await d.proc.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
