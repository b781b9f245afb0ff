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
import { dialPortForward } from '../src/portforward/dial.ts';
import { startBackend } from '../src/sim/backends.ts';
import { createSimulator, type SimCluster, type Simulator } from '../src/sim/index.ts';
import type { KObject } from '../src/sim/store.ts';
import { ns, pod, svc } from './lib/objects.ts';
import { concurrent, connectOnce, download, upload } from './lib/load.ts';
import { benchFiles, startBenchDaemon } from './lib/daemon.ts';
import { freePort, rssMb, start, type Proc } from './lib/procs.ts';
import { rollingRestart, rollingRestartLines } from './lib/rolling-restart.ts';
import { scale, scaleLines, type ScaleResult } from './lib/scale.ts';
import { endpointOf, startSimThread, type SimThread } from './lib/sim-thread.ts';
import { median, quantile, round, spreadPct } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
const simThread = process.argv.includes('--sim-thread');
const RUNS = quick ? 1 : 3;
const MiB = 1024 * 1024;
const BIG = quick ? 256 * MiB : 1024 * MiB;
const CONNECTS = quick ? 300 : 2000;
const CONC = 200;
const CONC_BYTES = 1 * MiB;
/** The scale scenarios, smallest first: the last one is also measured idle. */
const SCALES = quick
  ? [{ services: 500, contexts: 2, namespaces: 10 }]
  : [
      { services: 1000, contexts: 1, namespaces: 10 },
      { services: 10_000, contexts: 2, namespaces: 100 },
    ];
/** The scale at which GET /api/v1/services and the SSE fan-out are timed (as before: 1,000 services). */
const API_AT = quick ? 500 : 1000;
const IDLE_S = quick ? 10 : 60;
const IDLE_WINDOW_S = quick ? 10 : 60;
const FAILOVER_TRIALS = quick ? 8 : 20;
const API_KEY = 'bench-key';
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-bench-'));
const noise: Record<string, number> = {};
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** Where the daemon of scenario `tag` reads its kubeconfig. */
const kubeconfigOf = (tag: string): string => benchFiles(dir, tag).kubeconfig;

/** Starts the daemon on the kubeconfig of `tag`, which `sim` writes first when given. */
const startDaemon = (sim: Simulator | undefined, namespaces: string[], tag: string) =>
  startBenchDaemon({ dir, tag, sim, namespaces, apiKey: API_KEY });

async function medianOf(name: string, fn: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await fn());
  noise[name] = round(spreadPct(xs), 1) ?? 0;
  return median(xs);
}

/** The three paths to the pod's server on `directPort`; kubeconfigOf('paths') is written already. */
async function paths(directPort: number): Promise<{
  direct: [string, number];
  kubefwd: [string, number];
  kubectl: [string, number] | undefined;
  stop(): Promise<void>;
  daemon: Proc;
}> {
  const d = await startDaemon(undefined, ['bench'], 'paths');
  let kubectl: Proc | undefined;
  let kport = 0;
  if (hasKubectl) {
    kport = await freePort();
    kubectl = start('kubectl', ['port-forward', 'pod/bulk-0', `${kport}:8080`, '-n', 'bench'], {
      KUBECONFIG: kubeconfigOf('paths'),
    });
    await kubectl.waitFor(/Forwarding from 127\.0\.0\.1/, 30_000);
  }
  return {
    direct: ['127.0.0.1', directPort],
    kubefwd: ['127.1.27.1', 18080],
    kubectl: kubectl ? ['127.0.0.1', kport] : undefined,
    daemon: d.proc,
    async stop() {
      await kubectl?.stop();
      await d.proc.stop();
    },
  };
}

type Triple = { direct: number | null; kubefwd: number | null; kubectl: number | null };

/** The data-plane simulator, on this thread or (`--sim-thread`) its own, serving pod bench/bulk-0:8080. */
async function dataPlaneSim(): Promise<SimThread & { directPort: number }> {
  const objects = (extra?: Record<string, string>): KObject[] => [
    ns('bench'),
    svc('bulk', 'bench', 'bulk', 18080),
    pod('bulk-0', 'bench', 'bulk', extra),
  ];
  if (simThread) {
    const server = await startBackend('http', {
      pod: 'bulk-0',
      namespace: 'bench',
      container: 'c',
      port: 8080,
    });
    const directPort = server.port as number;
    const fixture = {
      clusters: [
        { name: 'bench', objects: objects({ 'kubefwd.sim/target-8080': `127.0.0.1:${directPort}` }) },
      ],
    };
    const sim = await startSimThread(fixture, kubeconfigOf('paths'));
    return {
      ...sim,
      directPort,
      async close() {
        await sim.close();
        server.close();
      },
    };
  }
  const sim = createSimulator({
    control: false,
    fixture: { clusters: [{ name: 'bench', objects: objects() }] },
  });
  await sim.start();
  sim.writeKubeconfig(kubeconfigOf('paths'));
  return {
    ...endpointOf(sim),
    directPort: sim.cluster().runtime.backendPort('bench', 'bulk-0', 8080) as number,
    close: () => sim.close(),
  };
}

async function dataPlane(): Promise<Record<string, Triple | number | null>> {
  const sim = await dataPlaneSim();
  const p = await paths(sim.directPort);
  // Warm-up, not measured: each path forwards some connections and bytes first, so the figures are of a running
  // forwarder (JIT-compiled, heap sized), not of its first seconds.
  const keys = (['direct', 'kubefwd', 'kubectl'] as const).filter((k) => p[k]);
  for (const k of keys) {
    const target = p[k] as [string, number];
    log(`  warm-up via ${k}`);
    for (let i = 0; i < 300; i++) await connectOnce(target[0], target[1]);
    await download(target[0], target[1], 64 * MiB);
    await upload(target[0], target[1], 64 * MiB);
  }
  // Runs interleave the paths (direct, kubefwd, kubectl, direct, …) so a slow spell of the machine hits all alike.
  const each = async (
    name: string,
    fn: (h: string, port: number) => Promise<number>,
    digits = 1,
  ): Promise<Triple> => {
    const runs = new Map<string, number[]>(keys.map((k) => [k, []]));
    for (let i = 0; i < RUNS; i++)
      for (const k of keys) {
        const target = p[k] as [string, number];
        const value = await fn(target[0], target[1]);
        runs.get(k)?.push(value);
        log(`  ${name} via ${k} (${i + 1}/${RUNS}): ${value.toFixed(3)}`);
      }
    const out: Triple = { direct: null, kubefwd: null, kubectl: null };
    for (const k of keys) {
      const xs = runs.get(k) ?? [];
      noise[`${name}.${k}`] = round(spreadPct(xs), 1) ?? 0;
      out[k] = round(median(xs), digits);
    }
    return out;
  };
  const result: Record<string, Triple | number | null> = {};
  result.throughput_download_mbps = await each('download', (h, port) => download(h, port, BIG));
  result.throughput_upload_mbps = await each('upload', (h, port) => upload(h, port, BIG));
  const setups: Record<string, number[]> = {};
  result.connect_p50_ms = await each(
    'connect',
    async (h, port) => {
      const xs: number[] = [];
      for (let i = 0; i < CONNECTS; i++) xs.push(await connectOnce(h, port));
      (setups[`${h}:${port}`] ??= []).push(...xs);
      return quantile(xs, 0.5);
    },
    2,
  );
  const p99: Triple = { direct: null, kubefwd: null, kubectl: null };
  for (const k of keys) {
    const [h, port] = p[k] as [string, number];
    p99[k] = round(quantile(setups[`${h}:${port}`] ?? [], 0.99), 2);
  }
  result.connect_p99_ms = p99;
  let errors = 0;
  result.concurrent_mbps = await each('concurrent', async (h, port) => {
    const r = await concurrent(h, port, CONC, CONC_BYTES);
    errors += r.errors;
    return r.mbps;
  });
  result.concurrent_errors = errors;
  result.kubefwd_rss_after_data_mb = round(rssMb(p.daemon.child.pid as number), 1);
  // Headroom: our raw SPDY client straight to the simulator, no local listener in between.
  result.sim_raw_spdy_download_mbps = round(
    await medianOf('sim_raw', async () => {
      const s = await dialPortForward({
        url: new URL(`${sim.url}/api/v1/namespaces/bench/pods/bulk-0/portforward`),
        protocol: 'spdy',
        ports: [8080],
        headers: { Authorization: `Bearer ${sim.token}` },
        ca: sim.ca,
        pingIntervalMs: 0,
      });
      const c = s.open(8080);
      const t0 = performance.now();
      let got = 0;
      c.data.write(`GET /bytes/${BIG} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      await new Promise<void>((resolve) => {
        c.data.on('data', (d: Buffer) => (got += d.length));
        c.data.on('end', () => resolve());
      });
      s.destroy();
      return got / 1e6 / ((performance.now() - t0) / 1000);
    }),
    1,
  );
  await p.stop();
  await sim.close();
  return result;
}

/** GET /api/v1/services and SSE fan-out timings on the daemon of the scale scenario that runs them (see main). */
async function controlPlane(
  api: string,
  cl: SimCluster,
): Promise<{ p50: number; p99: number; sse_ms: number }> {
  const auth = { Authorization: `Bearer ${API_KEY}` };
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const r = await fetch(`${api}/api/v1/services?limit=1000`, { headers: auth });
    await r.arrayBuffer();
    times.push(performance.now() - t);
  }
  // 100 SSE clients, one event: time until the last one has it.
  const clients = await Promise.all(
    Array.from({ length: 100 }, async () => {
      const res = await fetch(`${api}/api/v1/events?type=pod.removed`, { headers: auth });
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
  return {
    p50: round(quantile(times, 0.5), 2) ?? 0,
    p99: round(quantile(times, 0.99), 2) ?? 0,
    sse_ms: round(sse, 1) ?? 0,
  };
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
  const data = await dataPlane();
  log('failover');
  const failover_p50_ms = await failover();
  log('rolling restart');
  const rollout = await rollingRestart(dir, API_KEY, hasKubectl);
  const scaleOut: Record<string, ScaleResult> = {};
  let apiFig: { p50: number; p99: number; sse_ms: number } | undefined;
  for (const sc of SCALES) {
    log(`scale ${sc.services} (${sc.contexts} context(s), ${sc.namespaces} namespaces)`);
    scaleOut[String(sc.services)] = await scale({
      dir,
      apiKey: API_KEY,
      ...sc,
      idle: sc === SCALES.at(-1) ? { seconds: IDLE_S, windowSeconds: IDLE_WINDOW_S } : undefined,
      afterReady:
        sc.services === API_AT
          ? async ({ api, cluster }) => void (apiFig = await controlPlane(api, cluster))
          : undefined,
      log,
    });
  }
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
  const cc = t('concurrent_mbps');
  const met = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met');
  const rows: Array<[string, string, string, string, string, string]> = [
    [
      'download MB/s',
      String(dl.direct),
      String(dl.kubefwd),
      String(dl.kubectl ?? 'n/a'),
      `${ratio(dl.kubefwd, dl.kubectl)} kubectl, ${ratio(dl.kubefwd, dl.direct)} direct`,
      met(
        dl.kubectl
          ? (dl.kubefwd ?? 0) >= dl.kubectl && (dl.kubefwd ?? 0) >= 0.5 * (dl.direct ?? 0)
          : undefined,
      ),
    ],
    [
      'upload MB/s',
      String(ul.direct),
      String(ul.kubefwd),
      String(ul.kubectl ?? 'n/a'),
      `${ratio(ul.kubefwd, ul.kubectl)} kubectl, ${ratio(ul.kubefwd, ul.direct)} direct`,
      met(
        ul.kubectl
          ? (ul.kubefwd ?? 0) >= ul.kubectl && (ul.kubefwd ?? 0) >= 0.5 * (ul.direct ?? 0)
          : undefined,
      ),
    ],
    [
      'connect p50 ms',
      String(cp.direct),
      String(cp.kubefwd),
      String(cp.kubectl ?? 'n/a'),
      `${ratio(cp.kubefwd, cp.kubectl)} kubectl`,
      met(cp.kubectl ? (cp.kubefwd ?? 0) <= 0.7 * cp.kubectl : undefined),
    ],
    [
      '200 × 1 MiB MB/s',
      String(cc.direct),
      String(cc.kubefwd),
      String(cc.kubectl ?? 'n/a'),
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
    `- failover p50 ${failover_p50_ms} ms (≤ 1000: ${met(failover_p50_ms <= 1000)})`,
    `- GET /api/v1/services at ${API_AT} services: p50 ${apiFig?.p50} ms, p99 ${apiFig?.p99} ms (≤ 50: ${met((apiFig?.p99 ?? 1e9) <= 50)}); 100 SSE clients got an event in ${apiFig?.sse_ms} ms`,
    `- headroom: raw SPDY client to the simulator ${JSON.stringify(data.sim_raw_spdy_download_mbps)} MB/s (must exceed every path through it)`,
    `- noise (max-min)/median per figure, %: ${JSON.stringify(noise)}`,
    '',
    ...rollingRestartLines(rollout),
    '',
    `- each path warmed up first (300 connections, 64 MiB each way, not measured); runs interleave the paths`,
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
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
