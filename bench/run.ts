/**
 * Side-by-side benchmarks: the same simulated pod reached directly, through kubefwd, and through kubectl
 * port-forward. `npm run bench` (full) or `npm run bench -- --quick`. Writes bench/results/latest.{json,md}; with
 * `--sim-thread` the data-plane simulator runs on its own thread (see lib/sim-thread.ts) and the results go to
 * bench/results/sim-thread.{json,md}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulator, type Simulator } from '../src/sim/index.ts';
import { controlPlaneFigures, measureControlPlane, type ControlPlaneSamples } from './lib/control-plane.ts';
import { ns, pod, svc } from './lib/objects.ts';
import { dataPlane, type Triple } from './lib/data-plane.ts';
import { startBenchDaemon } from './lib/daemon.ts';
import { commandWorks, daemonBin, killAll } from './lib/procs.ts';
import { rollingRestart, rollingRestartLines } from './lib/rolling-restart.ts';
import { scale, scaleLines, type ScaleResult } from './lib/scale.ts';
import { floorLines } from './lib/floors.ts';
import { median, ratio, round } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
const simThread = process.argv.includes('--sim-thread');
const RUNS = quick ? 1 : 3;
const CORES = cpus().length;
const MiB = 1024 * 1024;
const BIG = quick ? 256 * MiB : 1024 * MiB;
const CONNECTS = quick ? 300 : 2000;
/** The scale scenarios, smallest first: the last one is also measured idle. */
const SCALES = quick
  ? [{ services: 500, contexts: 2, namespaces: 10 }]
  : [
      { services: 1000, contexts: 1, namespaces: 10 },
      { services: 10_000, contexts: 2, namespaces: 100 },
    ];
const IDLE_S = quick ? 10 : 60;
const IDLE_WINDOW_S = quick ? 10 : 60;
const FAILOVER_TRIALS = quick ? 8 : 20;
const API_KEY = 'bench-key';
const hasKubectl = commandWorks('kubectl', 'version', '--client');

const root = fileURLToPath(new URL('..', import.meta.url));
/** Which launcher the run measured: the package build's unless BENCH_KUBEFWD_BIN named another. */
function daemonLabel(): string {
  return process.env.BENCH_KUBEFWD_BIN
    ? `BENCH_KUBEFWD_BIN=${process.env.BENCH_KUBEFWD_BIN}`
    : `the package build (${relative(root, daemonBin())}: dist/ as scripts/build-js.ts bundles it)`;
}
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-bench-'));
const noise: Record<string, number> = {};
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** Starts the daemon on the kubeconfig of `tag`, which `sim` writes first when given. */
const startDaemon = (sim: Simulator | undefined, namespaces: string[], tag: string) =>
  startBenchDaemon({ dir, tag, sim, namespaces, apiKey: API_KEY });

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

/** The control plane's targets, each a median over rounds with its spread. */
function controlPlaneLines(
  c: ReturnType<typeof controlPlaneFigures>,
  at: number,
  met: (ok: boolean | undefined) => string,
): string[] {
  const le = (x: number | null, bound: number): boolean | undefined => (x === null ? undefined : x <= bound);
  return [
    `- GET /api/v1/services (limit=1000) at ${at} services: p50 ${c.api_services_p50_ms} ms, p99 ${c.api_services_p99_ms} ms (median of 3 rounds of 200, spread ${c.api_services_p99_spread_pct}%; ≤ 50: ${met(le(c.api_services_p99_ms, 50))}); the client is curl, ${c.api_client_cpu_ms_per_request} ms of its own CPU per request`,
    `- at 10,000 services: a page of 100 p50 ${c.api_services_10000_page100_p50_ms} ms, p99 ${c.api_services_10000_page100_p99_ms} ms (spread ${c.api_services_10000_page100_p99_spread_pct}%; ≤ 20: ${met(le(c.api_services_10000_page100_p99_ms, 20))}); a page of 1,000 p99 ${c.api_services_10000_full_p99_ms} ms; the whole list (10 pages of 1,000, the contract's largest) median ${c.api_services_10000_all_pages_median_ms} ms, slowest of 20 ${c.api_services_10000_all_pages_max_ms} ms (≤ 250: ${met(le(c.api_services_10000_all_pages_max_ms, 250))})`,
    `- 100 SSE clients, one event, until the last has it (the clients in a process of their own): ${c.sse_fanout_100_ms} ms at ${at} services (median of ${c.sse_fanout_100_runs_ms.length}: ${JSON.stringify(c.sse_fanout_100_runs_ms)}; the first client ${c.sse_first_of_100_ms} ms; ≤ 50: ${met(le(c.sse_fanout_100_ms, 50))}), ${c.sse_fanout_100_10000_ms} ms at 10,000 (${JSON.stringify(c.sse_fanout_100_10000_runs_ms)})`,
  ];
}

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
  const scaleOut: Record<string, ScaleResult> = {};
  // The control plane is timed on the scale scenarios' daemons once they are ready: the smaller one (1,000; the
  // quick run's 500) and 10,000.
  const cpSamples: Record<number, ControlPlaneSamples> = {};
  for (const sc of SCALES) {
    log(`scale ${sc.services} (${sc.contexts} context(s), ${sc.namespaces} namespaces)`);
    scaleOut[String(sc.services)] = await scale({
      dir,
      apiKey: API_KEY,
      ...sc,
      idle: sc === SCALES.at(-1) ? { seconds: IDLE_S, windowSeconds: IDLE_WINDOW_S } : undefined,
      // Ready, CPU and RSS at ready as medians of 3 starts (the quick run: one).
      extraStarts: RUNS - 1,
      afterReady: async ({ api, cluster }) => {
        cpSamples[sc.services] = await measureControlPlane(
          { api, services: sc.services, cluster, pod: (i) => [`ns${i}`, `app-${i}`] },
          { apiKey: API_KEY, log },
        );
      },
      log,
    });
  }
  const cpAt = SCALES[0]?.services ?? 0;
  const control = controlPlaneFigures(cpSamples[cpAt], cpSamples[10_000]);
  const biggest = String(SCALES.at(-1)?.services);
  const big = scaleOut[biggest];
  const idle = big && {
    cpu_pct: big.idle_cpu_pct,
    cpu_pct_first_window: big.idle_cpu_pct_first_window,
    rss_mb: big.rss_idle_mb,
  };
  const result = {
    ...data,
    scale: scaleOut,
    [`idle_${biggest}`]: idle ?? null,
    ...control,
    failover_p50_ms,
    rolling_restart: rollout,
    meta: {
      quick,
      sim_thread: simThread,
      runs: RUNS,
      bytes: BIG,
      connections: CONNECTS,
      date: new Date().toISOString(),
      node: process.version,
      daemon: daemonLabel(),
      kubectl: hasKubectl,
      noise_pct: noise,
    },
  };
  const t = (k: string) => data[k] as Triple;
  const dl = t('throughput_download_mbps');
  const ul = t('throughput_upload_mbps');
  const cp = t('connect_p50_ms');
  const c99 = t('connect_p99_ms');
  const ca = t('connect_curl_p50_ms');
  const ca99 = t('connect_curl_p99_ms');
  const cc = t('concurrent_mbps');
  const hol = t('hol_p99_ratio');
  const cpu = data.cpu_s_per_gb as Record<
    'download' | 'upload',
    { kubefwd: number | null; kubectl: number | null }
  >;
  const cpuConn = (data.cpu_us_per_connection ?? { kubefwd: null, kubectl: null }) as {
    kubefwd: number | null;
    kubectl: number | null;
  };
  const client = data.client_cpu_s_per_gb as Record<'download' | 'upload', Triple>;
  const rawDl = data.sim_raw_spdy_download_mbps as number | null;
  const rawUl = data.sim_raw_spdy_upload_mbps as number | null;
  const bare = (data.node_tls_relay ?? {}) as Partial<
    Record<'download' | 'upload', { mbps: number | null; cpu_s_per_gb: number | null }>
  >;
  const busy = (data.machine_cores_busy ?? {}) as Partial<Record<'download' | 'upload', Triple>>;
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
      `${ratio(cpu.download.kubefwd, cpu.download.kubectl)} kubectl (curl's own: ${k(client.download.kubefwd)} / ${k(client.download.kubectl)}); Node's bare TLS relay ${k(bare.download?.cpu_s_per_gb ?? null)} (${ratio(bare.download?.cpu_s_per_gb ?? null, cpu.download.kubectl)} kubectl)`,
      `≤ 0.6×: ${met(le(cpu.download.kubefwd, cpu.download.kubectl, 0.6))}`,
    ],
    [
      'CPU s per GB, upload',
      '-',
      k(cpu.upload.kubefwd),
      k(cpu.upload.kubectl),
      `${ratio(cpu.upload.kubefwd, cpu.upload.kubectl)} kubectl (curl's own: ${k(client.upload.kubefwd)} / ${k(client.upload.kubectl)}); Node's bare TLS relay ${k(bare.upload?.cpu_s_per_gb ?? null)} (${ratio(bare.upload?.cpu_s_per_gb ?? null, cpu.upload.kubectl)} kubectl)`,
      `≤ 0.6×: ${met(le(cpu.upload.kubefwd, cpu.upload.kubectl, 0.6))}`,
    ],
    [
      'connect p50 ms (Node client, until the close)',
      k(cp.direct),
      k(cp.kubefwd),
      k(cp.kubectl),
      `${ratio(cp.kubefwd, cp.kubectl)} kubectl`,
      `≤ 0.5×: ${met(le(cp.kubefwd, cp.kubectl, 0.5))}`,
    ],
    [
      'CPU µs per connection',
      '-',
      k(cpuConn.kubefwd),
      k(cpuConn.kubectl),
      `${ratio(cpuConn.kubefwd, cpuConn.kubectl)} kubectl`,
      "no target (the daemon's own cost of a connection: set up, one request, closed)",
    ],
    [
      'connect p99 ms (Node client, until the close)',
      k(c99.direct),
      k(c99.kubefwd),
      k(c99.kubectl),
      `${ratio(c99.kubefwd, c99.kubectl)} kubectl`,
      `≤ 1.0×: ${met(le(c99.kubefwd, c99.kubectl, 1))}`,
    ],
    [
      'connect p50 / p99 ms, curl, until the answer',
      `${k(ca.direct)} / ${k(ca99.direct)}`,
      `${k(ca.kubefwd)} / ${k(ca99.kubefwd)}`,
      `${k(ca.kubectl)} / ${k(ca99.kubectl)}`,
      `${ratio(ca.kubefwd, ca.kubectl)} / ${ratio(ca99.kubefwd, ca99.kubectl)} kubectl; curl's own CPU µs per connection ${JSON.stringify(data.connect_curl_client_cpu_us)}`,
      `≤ 0.5× / ≤ 1.0×: ${met(le(ca.kubefwd, ca.kubectl, 0.5))} / ${met(le(ca99.kubefwd, ca99.kubectl, 1))}`,
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
    ...scaleLines(scaleOut, { seconds: IDLE_S, windowSeconds: IDLE_WINDOW_S }),
    '',
    `- failover p50 ${failover_p50_ms} ms (≤ 1000: ${met(failover_p50_ms <= 1000)})`,
    ...controlPlaneLines(control, cpAt, met),
    `- ceiling: our raw SPDY client straight to the simulator (its own process, warmed up, runs interleaved with the paths), ${k(rawDl)} MB/s down, ${k(rawUl)} MB/s up; throughput and CPU figures with curl as the client (its own CPU per GB beside each); figures are medians of ${RUNS} run(s)`,
    `- Node's bare TLS relay (lib/tls-relay.ts: Node's TLS and sockets, no port-forward protocol; what Node.js itself costs a forwarder), runs interleaved with the paths: ${JSON.stringify(data.node_tls_relay)}`,
    `- the same relay in C (socat with OpenSSL and 128 KiB buffers, a process per connection), runs interleaved with the paths: ${data.native_tls_relay ? JSON.stringify(data.native_tls_relay) : 'n/a (no socat on this machine)'}`,
    `- the bare forwarder (lib/bare-forwarder.ts: the least a Node.js port-forward client does, SPDY frames on one session, no streams, no bookkeeping), runs interleaved with the paths: connection setup with Node's client ${JSON.stringify(data.bare_forwarder_connect)}, with curl ${JSON.stringify(data.bare_forwarder_connect_curl)}; transfers with curl ${JSON.stringify(data.bare_forwarder_transfer)}`,
    ...floorLines(data),
    `- the machine's cores busy during the transfers (of ${CORES}; all processes): download ${JSON.stringify(busy.download)}, upload ${JSON.stringify(busy.upload)}; raw SPDY ${JSON.stringify(data.sim_raw_cores_busy)}`,
    `- the machine's CPU seconds per GB moved (all processes: cores busy over the rate; on ${CORES} shared cores the rate follows it): ${JSON.stringify(data.machine_cpu_s_per_gb)}; the raw SPDY client's own CPU per GB ${JSON.stringify(data.sim_raw_client_cpu_s_per_gb)}; the simulator's (the bench's process: API server, kubelet, pod's server) ${JSON.stringify(data.sim_cpu_s_per_gb)}`,
    `- noise (max-min)/median per figure, %: ${JSON.stringify(noise)}`,
    `- the daemon measured: ${result.meta.daemon}, Node.js ${process.version}`,
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
