/**
 * Side-by-side benchmarks: the same simulated pod reached directly, through kubefwd, and through kubectl
 * port-forward. `npm run bench` (full) or `npm run bench -- --quick`. Writes bench/results/latest.{json,md}; with
 * `--sim-thread` the data-plane simulator runs on its own thread (see lib/sim-thread.ts) and the results go to
 * bench/results/sim-thread.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulator, type Simulator } from '../src/sim/index.ts';
import type { KObject } from '../src/sim/store.ts';
import { ns, pod, svc } from './lib/objects.ts';
import { dataPlane, type Triple } from './lib/data-plane.ts';
import { startBenchDaemon } from './lib/daemon.ts';
import { cpuSeconds, killAll, rssMb } from './lib/procs.ts';
import { rollingRestart, rollingRestartLines } from './lib/rolling-restart.ts';
import { median, quantile, round } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
const simThread = process.argv.includes('--sim-thread');
const RUNS = quick ? 1 : 3;
const MiB = 1024 * 1024;
const BIG = quick ? 256 * MiB : 1024 * MiB;
const CONNECTS = quick ? 300 : 2000;
const SCALES = quick ? [100, 500] : [100, 500, 1000];
const IDLE_S = quick ? 10 : 60;
const IDLE_WINDOW_S = quick ? 10 : 60;
const FAILOVER_TRIALS = quick ? 8 : 20;
const API_KEY = 'bench-key';
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-bench-'));
const noise: Record<string, number> = {};
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** Starts the daemon on the kubeconfig of `tag`, which `sim` writes first when given. */
const startDaemon = (sim: Simulator | undefined, namespaces: string[], tag: string) =>
  startBenchDaemon({ dir, tag, sim, namespaces, apiKey: API_KEY });

async function scale(n: number): Promise<{
  ready_s: number;
  hosts_writes: number;
  apiserver_requests: number;
  rss_mb: number;
  api?: { p50: number; p99: number; sse_ms: number };
  idle?: { cpu_pct: number; cpu_pct_first_window: number; rss_mb: number };
}> {
  const objects: KObject[] = [];
  for (let i = 0; i < 10; i++) {
    objects.push(ns(`ns${i}`), pod(`app-${i}`, `ns${i}`, 'app'));
    for (let j = 0; j < n / 10; j++) objects.push(svc(`s${j}`, `ns${i}`, 'app', 8000 + j));
  }
  const sim = createSimulator({ control: false, fixture: { clusters: [{ name: 'scale', objects }] } });
  await sim.start();
  const cl = sim.cluster();
  cl.resetRequestCounts();
  const t0 = performance.now();
  const d = await startDaemon(
    sim,
    Array.from({ length: 10 }, (_, i) => `ns${i}`),
    `scale${n}`,
  );
  await d.proc.waitFor(/Forwarding \d+ service/, 300_000);
  const ready = (performance.now() - t0) / 1000;
  const pid = d.proc.child.pid as number;
  const auth = { Authorization: `Bearer ${API_KEY}` };
  const network = (await (await fetch(`${d.api}/api/v1/diagnostics/network`, { headers: auth })).json()) as {
    data: { hostsFile: { writes: number } };
  };
  const out: Awaited<ReturnType<typeof scale>> = {
    ready_s: round(ready, 2) ?? 0,
    hosts_writes: network.data.hostsFile.writes,
    apiserver_requests: cl.totalRequests(),
    rss_mb: round(rssMb(pid), 1) ?? 0,
  };
  if (n === Math.max(...SCALES)) {
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const r = await fetch(`${d.api}/api/v1/services?limit=1000`, { headers: auth });
      await r.arrayBuffer();
      times.push(performance.now() - t);
    }
    // 100 SSE clients, one event: time until the last one has it.
    const clients = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const res = await fetch(`${d.api}/api/v1/events?type=pod.removed`, { headers: auth });
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        return { reader, res };
      }),
    );
    const t = performance.now();
    const got = clients.map(async ({ reader }) => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return -1;
        text += Buffer.from(value).toString();
        if (text.includes('event: pod.removed')) return performance.now() - t;
      }
    });
    cl.remove(
      { name: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: [], verbs: [] },
      'ns0',
      'app-0',
      { gracePeriodSeconds: 0 },
    );
    const sse = Math.max(...(await Promise.all(got)));
    for (const c of clients) void c.reader.cancel();
    out.api = {
      p50: round(quantile(times, 0.5), 2) ?? 0,
      p99: round(quantile(times, 0.99), 2) ?? 0,
      sse_ms: round(sse, 1) ?? 0,
    };
    // Idle: the CPU rate over a window that starts once the daemon has been left alone for IDLE_S seconds (the
    // first seconds after the load include one-off work: the heap trim and V8's follow-up collections), and the same
    // over those first seconds for comparison.
    const cpuRate = async (seconds: number): Promise<number> => {
      const c0 = cpuSeconds(pid);
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      return round(((cpuSeconds(pid) - c0) / ((performance.now() - w0) / 1000)) * 100, 2) ?? 0;
    };
    const first = await cpuRate(IDLE_S);
    const steady = await cpuRate(IDLE_WINDOW_S);
    out.idle = { cpu_pct: steady, cpu_pct_first_window: first, rss_mb: round(rssMb(pid), 1) ?? 0 };
  }
  await d.proc.stop();
  await sim.close();
  return out;
}

async function failover(): Promise<number> {
  const sim = createSimulator({
    control: false,
    fixture: {
      clusters: [
        {
          name: 'fo',
          objects: [
            ns('bench'),
            svc('fo', 'bench', 'fo', 18081),
            pod('fo', 'bench', 'fo', { 'kubefwd.sim/replicas': '3' }),
          ],
        },
      ],
    },
  });
  await sim.start();
  const d = await startDaemon(sim, ['bench'], 'failover');
  const who = async (): Promise<string | undefined> => {
    try {
      const r = await fetch('http://127.1.27.1:18081/', { signal: AbortSignal.timeout(2000) });
      return ((await r.json()) as { pod: string }).pod;
    } catch {
      return undefined;
    }
  };
  const times: number[] = [];
  for (let i = 0; i < FAILOVER_TRIALS; i++) {
    const first = await who();
    if (!first) throw new Error('failover: no answer before the deletion');
    const t = performance.now();
    sim
      .cluster()
      .remove(
        { name: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: [], verbs: [] },
        'bench',
        first,
        { gracePeriodSeconds: 0 },
      );
    for (;;) {
      const now = await who();
      if (now && now !== first) break;
      if (performance.now() - t > 30_000) throw new Error('failover took longer than 30 s');
    }
    times.push(performance.now() - t);
  }
  await d.proc.stop();
  await sim.close();
  return round(median(times), 1) ?? 0;
}

const ratio = (a: number | null, b: number | null): string => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');

async function main(): Promise<void> {
  log(
    `kubefwd bench (${quick ? 'quick' : 'full'}): ${RUNS} run(s) per figure, kubectl ${hasKubectl ? 'present' : 'absent'}`,
  );
  const data = await dataPlane({
    dir,
    apiKey: API_KEY,
    runs: RUNS,
    bytes: BIG,
    connects: CONNECTS,
    simThread,
    hasKubectl,
    log,
    noise,
  });
  log('failover');
  const failover_p50_ms = await failover();
  log('rolling restart');
  const rollout = await rollingRestart(dir, API_KEY, hasKubectl);
  const scaleOut: Record<string, unknown> = {};
  let apiFig: { p50: number; p99: number; sse_ms: number } | undefined;
  let idle: Awaited<ReturnType<typeof scale>>['idle'];
  for (const n of SCALES) {
    log(`scale ${n}`);
    const s = await scale(n);
    scaleOut[String(n)] = {
      ready_s: s.ready_s,
      hosts_writes: s.hosts_writes,
      apiserver_requests: s.apiserver_requests,
      rss_mb: s.rss_mb,
    };
    apiFig = s.api ?? apiFig;
    idle = s.idle ?? idle;
  }
  const biggest = String(Math.max(...SCALES));
  const result = {
    ...data,
    scale: scaleOut,
    [`idle_${biggest}`]: idle ?? null,
    failover_p50_ms,
    rolling_restart: rollout,
    api_services_p50_ms: apiFig?.p50 ?? null,
    api_services_p99_ms: apiFig?.p99 ?? null,
    sse_fanout_100_ms: apiFig?.sse_ms ?? null,
    meta: {
      quick,
      sim_thread: simThread,
      runs: RUNS,
      bytes: BIG,
      connections: CONNECTS,
      date: new Date().toISOString(),
      node: process.version,
      kubectl: hasKubectl,
      noise_pct: noise,
    },
  };
  const t = (k: string) => data[k] as Triple;
  const dl = t('throughput_download_mbps');
  const ul = t('throughput_upload_mbps');
  const cp = t('connect_p50_ms');
  const c99 = t('connect_p99_ms');
  const cc = t('concurrent_mbps');
  const hol = t('hol_p99_ratio');
  const cpu = data.cpu_s_per_gb as Record<
    'download' | 'upload',
    { kubefwd: number | null; kubectl: number | null }
  >;
  const client = data.client_cpu_s_per_gb as Record<'download' | 'upload', Triple>;
  const rawDl = data.sim_raw_spdy_download_mbps as number | null;
  const rawUl = data.sim_raw_spdy_upload_mbps as number | null;
  const s1000 = scaleOut[biggest] as {
    ready_s: number;
    hosts_writes: number;
    apiserver_requests: number;
    rss_mb: number;
  };
  const met = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met');
  const k = (n: number | null): string => String(n ?? 'n/a');
  const ge = (a: number | null, b: number | null, f: number): boolean | undefined =>
    a === null || b === null ? undefined : a >= f * b;
  const le = (a: number | null, b: number | null, f: number): boolean | undefined =>
    a === null || b === null ? undefined : a <= f * b;
  const both = (...xs: Array<boolean | undefined>): boolean | undefined =>
    xs.includes(undefined) ? undefined : xs.every(Boolean);
  const rows: Array<[string, string, string, string, string, string]> = [
    [
      'download MB/s (curl)',
      k(dl.direct),
      k(dl.kubefwd),
      k(dl.kubectl),
      `${ratio(dl.kubefwd, dl.kubectl)} kubectl, ${ratio(dl.kubefwd, rawDl)} raw SPDY (${k(rawDl)})`,
      `≥ 1.25× kubectl and ≥ 0.9× raw: ${met(both(ge(dl.kubefwd, dl.kubectl, 1.25), ge(dl.kubefwd, rawDl, 0.9)))}`,
    ],
    [
      'upload MB/s (curl)',
      k(ul.direct),
      k(ul.kubefwd),
      k(ul.kubectl),
      `${ratio(ul.kubefwd, ul.kubectl)} kubectl, ${ratio(ul.kubefwd, rawUl)} raw SPDY (${k(rawUl)})`,
      `≥ 1.25× kubectl and ≥ 0.9× raw: ${met(both(ge(ul.kubefwd, ul.kubectl, 1.25), ge(ul.kubefwd, rawUl, 0.9)))}`,
    ],
    [
      'CPU s per GB, download',
      '-',
      k(cpu.download.kubefwd),
      k(cpu.download.kubectl),
      `${ratio(cpu.download.kubefwd, cpu.download.kubectl)} kubectl (curl's own: ${k(client.download.kubefwd)} / ${k(client.download.kubectl)})`,
      `≤ 0.6×: ${met(le(cpu.download.kubefwd, cpu.download.kubectl, 0.6))}`,
    ],
    [
      'CPU s per GB, upload',
      '-',
      k(cpu.upload.kubefwd),
      k(cpu.upload.kubectl),
      `${ratio(cpu.upload.kubefwd, cpu.upload.kubectl)} kubectl (curl's own: ${k(client.upload.kubefwd)} / ${k(client.upload.kubectl)})`,
      `≤ 0.6×: ${met(le(cpu.upload.kubefwd, cpu.upload.kubectl, 0.6))}`,
    ],
    [
      'connect p50 ms',
      k(cp.direct),
      k(cp.kubefwd),
      k(cp.kubectl),
      `${ratio(cp.kubefwd, cp.kubectl)} kubectl`,
      `≤ 0.5×: ${met(le(cp.kubefwd, cp.kubectl, 0.5))}`,
    ],
    [
      'connect p99 ms',
      k(c99.direct),
      k(c99.kubefwd),
      k(c99.kubectl),
      `${ratio(c99.kubefwd, c99.kubectl)} kubectl`,
      `≤ 1.0×: ${met(le(c99.kubefwd, c99.kubectl, 1))}`,
    ],
    [
      'head of line: small p99 during a download / idle p99',
      k(hol.direct),
      k(hol.kubefwd),
      k(hol.kubectl),
      `details: ${JSON.stringify(data.hol)}; kubefwd with one session per pod (--bulk-sessions 0): ${JSON.stringify(data.hol_kubefwd_single_session)}`,
      `≤ 3: ${met(hol.kubefwd === null ? undefined : hol.kubefwd <= 3)}`,
    ],
    [
      '200 × 1 MiB MB/s',
      k(cc.direct),
      k(cc.kubefwd),
      k(cc.kubectl),
      `${ratio(cc.kubefwd, cc.kubectl)} kubectl; errors ${JSON.stringify(data.concurrent_errors)}`,
      met(cc.kubectl ? (cc.kubefwd ?? 0) >= cc.kubectl && data.concurrent_errors === 0 : undefined),
    ],
  ];
  const md = [
    `# kubefwd benchmark (${quick ? 'quick' : 'full'}${simThread ? ', simulator on its own thread' : ''}, ${result.meta.date})`,
    '',
    '| figure | direct | kubefwd | kubectl | ratio | target |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `| scale | ready s | hosts writes | API server requests | RSS MB |`,
    '|---|---|---|---|---|',
    ...Object.entries(scaleOut).map(([k, v]) => {
      const s = v as typeof s1000;
      return `| ${k} services | ${s.ready_s} | ${s.hosts_writes} | ${s.apiserver_requests} | ${s.rss_mb} |`;
    }),
    '',
    `- ${biggest} services ready in ≤ 5 s with ≤ 10 hosts writes: ${met(s1000.ready_s <= 5 && s1000.hosts_writes <= 10)}`,
    `- idle with ${biggest} forwards after ${IDLE_S} s: CPU ${idle?.cpu_pct}% over the next ${IDLE_WINDOW_S} s (≤ 1 %: ${met((idle?.cpu_pct ?? 100) <= 1)}; ${idle?.cpu_pct_first_window}% over the first ${IDLE_S} s), RSS ${idle?.rss_mb} MB (≤ 250: ${met((idle?.rss_mb ?? 1e9) <= 250)})`,
    `- failover p50 ${failover_p50_ms} ms (≤ 1000: ${met(failover_p50_ms <= 1000)})`,
    `- GET /api/v1/services at ${biggest} services: p50 ${apiFig?.p50} ms, p99 ${apiFig?.p99} ms (≤ 50: ${met((apiFig?.p99 ?? 1e9) <= 50)}); 100 SSE clients got an event in ${apiFig?.sse_ms} ms`,
    `- ceiling: our raw SPDY client straight to the simulator, ${k(rawDl)} MB/s down, ${k(rawUl)} MB/s up; throughput and CPU figures with curl as the client (its own CPU per GB beside each); figures are medians of ${RUNS} run(s)`,
    `- noise (max-min)/median per figure, %: ${JSON.stringify(noise)}`,
    '',
    ...rollingRestartLines(rollout),
    '',
    `- each path warmed up first (300 connections, 64 MiB each way with curl and 16 MiB with Node's client, not measured); runs interleave the paths`,
  ].join('\n');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const name = simThread ? 'sim-thread' : 'latest';
  writeFileSync(join(root, 'bench', 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', `${name}.md`), `${md}\n`);
  process.stdout.write(`${md}\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
    killAll();
    // The simulator of the failed scenario may still hold the loop open.
    setTimeout(() => process.exit(1), 1000).unref();
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
