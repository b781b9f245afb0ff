/**
 * The scale scenario: `services` Services spread evenly over `namespaces` namespaces in `contexts` simulated clusters
 * (one kubeconfig context each, `namespaces / contexts` namespaces in each), one pod per namespace that every Service of
 * it selects. Measures the time until the daemon says it is forwarding (every listener bound and every name written),
 * the hosts-file writes, the API server requests of all clusters, the RSS, the highest loopback IP handed out and one
 * request through that forward; optionally the idle CPU and RSS after the daemon has been left alone.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ipToInt } from '../../src/hosts/ip-config.ts';
import { createSimulator, type SimCluster } from '../../src/sim/index.ts';
import type { KObject } from '../../src/sim/store.ts';
import { benchFiles, startBenchDaemon } from './daemon.ts';
import { ns, pod, svc } from './objects.ts';
import { cpuSeconds, machineBusy, rssMb, type Proc } from './procs.ts';
import { median, round, spreadPct } from './stats.ts';

export interface ScaleOptions {
  /** Where the daemon keeps its files (see benchFiles). */
  dir: string;
  apiKey: string;
  services: number;
  namespaces: number;
  contexts: number;
  /** Measure idle: first `seconds` alone, then the CPU rate over `windowSeconds`. */
  idle?: { seconds: number; windowSeconds: number } | undefined;
  /**
   * Starts before the measured one that only time the start (ready, CPU, RSS at ready): ready_s, cpu_s_at_ready and
   * rss_mb are then medians over all starts, with their spread. Default 0.
   */
  extraStarts?: number;
  /** Runs once the daemon is ready and measured, after the idle figures (the control-plane timings of the caller). */
  afterReady?: ((daemon: { api: string; cluster: SimCluster }) => Promise<void>) | undefined;
  log?: (msg: string) => void;
}

export interface ScaleResult {
  contexts: number;
  namespaces: number;
  /** Services the daemon said it forwards. */
  forwarded: number;
  /**
   * From the launch until the daemon was ready: every forward listening and named in the hosts file (its `ready`
   * log record's time, on the same clock as the launch's).
   */
  ready_s: number;
  /**
   * From the launch until the bench had read the summary printed after ready: a line per forward, written to a pipe
   * this process reads between its simulator's work.
   */
  summary_s: number;
  /** Every start's ready_s, and (max − min) / median of them in %, when there were several. */
  ready_s_runs?: number[];
  ready_spread_pct?: number;
  hosts_writes: number;
  /** Names (lines) of our block in the hosts file at ready, one line per forwarded IP. */
  hosts_lines: number;
  /** API server requests of all clusters from the start until ready and settled (watches open, one GET made). */
  apiserver_requests: number;
  apiserver_requests_per_namespace: number;
  /** Connections the API servers accepted by then (a TLS handshake each; pod sessions' upgrades included). */
  apiserver_connections: number;
  /** RSS once the summary was read (as the CPU figures below: their names say "at ready", the summary follows it). */
  rss_mb: number;
  /**
   * CPU seconds (user + system) the daemon used until its summary was read, printing it included: steadier than
   * ready_s on a shared machine.
   */
  cpu_s_at_ready: number;
  /** CPU seconds the bench's own process (the simulated API servers) used meanwhile. */
  sim_cpu_s_at_ready: number;
  /** The machine's cores busy from the launch until the summary (of all of them; every process): CPU-bound when all are. */
  machine_cores_busy_at_ready: number;
  /** The highest loopback IP allocated, its first hostname, and the pod that answered a GET through it. */
  highest_ip: { ip: string; hostname: string; answered_by: string | null } | null;
  /** Did the daemon warn that the open-file limit leaves too little room for its forwards? */
  fd_limit_warning: boolean;
  /** With `idle`: the CPU rate over the window after the first seconds alone, that of those first seconds, RSS. */
  idle_cpu_pct?: number;
  idle_cpu_pct_first_window?: number;
  rss_idle_mb?: number;
}

/** Our lines of the hosts file: IP → names. */
export function managedLines(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('# kubefwd managed block begin')) inside = true;
    else if (line.startsWith('# kubefwd managed block end')) inside = false;
    else if (inside && !line.startsWith('#')) {
      const [ip, ...names] = line.trim().split(/\s+/);
      if (ip) out.set(ip, [...(out.get(ip) ?? []), ...names]);
    }
  }
  return out;
}

/** The simulator's objects for one cluster: `nsCount` namespaces, `perNs` Services each, selecting pod app-<i>. */
export function clusterObjects(nsCount: number, perNs: number): KObject[] {
  const objects: KObject[] = [];
  for (let i = 0; i < nsCount; i++) {
    objects.push(ns(`ns${i}`), pod(`app-${i}`, `ns${i}`, 'app'));
    for (let j = 0; j < perNs; j++) objects.push(svc(`s${j}`, `ns${i}`, 'app', 8000 + j));
  }
  return objects;
}

/** The time (ms since the epoch) of the daemon's `ready` record in its JSON log. */
export function readyRecordTime(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('"msg":"ready: ')) continue;
    const time = (JSON.parse(line) as { time?: unknown }).time;
    if (typeof time === 'number') return time;
  }
  return undefined;
}

async function settledCount(read: () => number): Promise<number> {
  const deadline = performance.now() + 15_000;
  let last = read();
  let since = performance.now();
  while (performance.now() < deadline && performance.now() - since < 1000) {
    await new Promise((r) => setTimeout(r, 100));
    const now = read();
    if (now !== last) [last, since] = [now, performance.now()];
  }
  return last;
}

async function cpuRate(pid: number, seconds: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return round(((cpuSeconds(pid) - c0) / ((performance.now() - w0) / 1000)) * 100, 2) ?? 0;
}

export async function scale(options: ScaleOptions): Promise<ScaleResult> {
  const { services, namespaces, contexts } = options;
  const nsPerContext = Math.ceil(namespaces / contexts);
  const perNs = Math.ceil(services / namespaces);
  const tag = `scale${services}`;
  // Every cluster has the same namespace names (ns0…ns49 in each of 2): `-n` applies to every context, and the
  // daemon watches contexts × names namespaces.
  const clusters = Array.from({ length: contexts }, (_, c) => ({
    name: `scale-${String.fromCharCode(97 + c)}`,
    objects: clusterObjects(nsPerContext, perNs),
  }));
  // Watch bookmarks once a minute, as kube-apiserver's watch cache sends them (its bookmarkFrequency); the
  // simulator's default of 5 s, meant for quick tests, is 60 bookmarks a second over 300 watches.
  const sim = createSimulator({ control: false, bookmarkIntervalMs: 60_000, fixture: { clusters } });
  await sim.start();
  const starts: Array<{
    ready: number;
    summary: number;
    cpu: number;
    rss: number;
    sim: number;
    busy: number;
  }> = [];
  /** Starts the clocks of one start; the figures once its summary was read. */
  const clocks = () => {
    const t0 = performance.now();
    const epoch = Date.now();
    const u0 = process.cpuUsage();
    const busy = machineBusy();
    return (proc: Proc) => {
      const u = process.cpuUsage(u0);
      const pid = proc.child.pid as number;
      const summary = (performance.now() - t0) / 1000;
      const readyAt = readyRecordTime(proc.output());
      if (readyAt === undefined) throw new Error('the daemon printed its summary without a ready record');
      return {
        ready: (readyAt - epoch) / 1000,
        summary,
        cpu: cpuSeconds(pid),
        rss: rssMb(pid),
        sim: (u.user + u.system) / 1e6,
        busy: busy(),
      };
    };
  };
  const launch = () =>
    startBenchDaemon({
      dir: options.dir,
      tag,
      sim,
      namespaces: Array.from({ length: nsPerContext }, (_, k) => `ns${k}`),
      contexts: clusters.map((c) => c.name),
      apiKey: options.apiKey,
    });
  try {
    for (let i = 0; i < (options.extraStarts ?? 0); i++) {
      const at = clocks();
      const d = await launch();
      try {
        await d.proc.waitFor(/Forwarding (\d+) service/, 600_000);
        starts.push(at(d.proc));
        options.log?.(`  start ${i + 1}: ready in ${round(starts.at(-1)?.ready, 2)} s`);
      } finally {
        await d.proc.stop();
      }
    }
    for (const cl of sim.clusters()) cl.resetRequestCounts();
    const at = clocks();
    const d = await launch();
    try {
      const m = await d.proc.waitFor(/Forwarding (\d+) service/, 600_000);
      const pid = d.proc.child.pid as number;
      starts.push(at(d.proc));
      const auth = { Authorization: `Bearer ${options.apiKey}` };
      const network = (await (
        await fetch(`${d.api}/api/v1/diagnostics/network`, { headers: auth })
      ).json()) as { data: { hostsFile: { writes: number } } };
      const lines = managedLines(readFileSync(benchFiles(options.dir, tag).hosts, 'utf8'));
      const ips = [...lines.keys()].filter((ip) => ip.startsWith('127.') && !ip.startsWith('127.2.27.'));
      const top = ips.sort((a, b) => ipToInt(b) - ipToInt(a))[0];
      let highest: ScaleResult['highest_ip'] = null;
      if (top) {
        const hostname = lines.get(top)?.[0] ?? '';
        // The Services of a namespace listen on 8000 + their index: the hostname's first label says which.
        const port = 8000 + Number(/^s(\d+)/.exec(hostname)?.[1] ?? 0);
        let answeredBy: string | null = null;
        try {
          const r = await fetch(`http://${top}:${port}/`, { signal: AbortSignal.timeout(10_000) });
          answeredBy = ((await r.json()) as { pod?: string }).pod ?? null;
        } catch (err) {
          options.log?.(`  GET http://${top}:${port}/ failed: ${String(err)}`);
        }
        highest = { ip: top, hostname, answered_by: answeredBy };
      }
      // Watches are counted as they come in, after the lists that made the daemon ready: the count is read once it
      // has held still for a second (the GET above has opened the pod session of its namespace).
      const requests = await settledCount(() => sim.clusters().reduce((n, cl) => n + cl.totalRequests(), 0));
      const out: ScaleResult = {
        contexts,
        namespaces,
        forwarded: Number(m[1]),
        ready_s: round(median(starts.map((x) => x.ready)), 2) ?? 0,
        summary_s: round(median(starts.map((x) => x.summary)), 2) ?? 0,
        ...(starts.length > 1
          ? {
              ready_s_runs: starts.map((x) => round(x.ready, 2) ?? 0),
              ready_spread_pct: round(spreadPct(starts.map((x) => x.ready)), 1) ?? 0,
            }
          : {}),
        hosts_writes: network.data.hostsFile.writes,
        hosts_lines: ips.length,
        apiserver_requests: requests,
        apiserver_requests_per_namespace: round(requests / namespaces, 2) ?? 0,
        apiserver_connections: sim.clusters().reduce((n, cl) => n + cl.connectionCount(), 0),
        rss_mb: round(median(starts.map((x) => x.rss)), 1) ?? 0,
        cpu_s_at_ready: round(median(starts.map((x) => x.cpu)), 2) ?? 0,
        sim_cpu_s_at_ready: round(median(starts.map((x) => x.sim)), 2) ?? 0,
        machine_cores_busy_at_ready: round(median(starts.map((x) => x.busy)), 2) ?? 0,
        highest_ip: highest,
        fd_limit_warning: /open-file limit/.test(d.proc.output()),
      };
      options.log?.(`  ${JSON.stringify(out)}`);
      options.log?.(
        `  API server requests by kind: ${JSON.stringify(sim.clusters().map((cl) => cl.requestCounts()))}`,
      );
      if (options.idle) {
        // The first seconds after the load include one-off work (the heap trim, V8's follow-up collections): the
        // figure is the window after them; the first one is kept for comparison.
        const first = await cpuRate(pid, options.idle.seconds);
        const steady = await cpuRate(pid, options.idle.windowSeconds);
        out.idle_cpu_pct = steady;
        out.idle_cpu_pct_first_window = first;
        out.rss_idle_mb = round(rssMb(pid), 1) ?? 0;
      }
      // After the idle figures: the burst of API requests it may make would show in them (RSS, collections).
      await options.afterReady?.({ api: d.api, cluster: sim.cluster() });
      return out;
    } finally {
      await d.proc.stop();
    }
  } finally {
    await sim.close();
  }
}

const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** The markdown of the scale scenarios: a table, then the targets of the largest one. */
export function scaleLines(
  results: Record<string, ScaleResult>,
  idle: { seconds: number; windowSeconds: number },
): string[] {
  const entries = Object.entries(results);
  const [, small] = entries[0] ?? [];
  const [n, big] = entries.at(-1) ?? [];
  if (!small || !big) return [];
  const perNsBound = small.apiserver_requests_per_namespace * 1.25 + 1;
  const top = big.highest_ip;
  return [
    '| scale | contexts | namespaces | ready s | hosts writes | API server requests (per namespace) | RSS MB | highest IP |',
    '|---|---|---|---|---|---|---|---|',
    ...entries.map(
      ([k, s]) =>
        `| ${k} services | ${s.contexts} | ${s.namespaces} | ${s.ready_s} | ${s.hosts_writes} | ${s.apiserver_requests} (${s.apiserver_requests_per_namespace}) | ${s.rss_mb} | ${s.highest_ip?.ip ?? 'n/a'} |`,
    ),
    '',
    `- ${n} services over ${big.namespaces} namespaces in ${big.contexts} context(s), ${big.forwarded} forwarded, ${big.hosts_lines} hosts lines: ready in ${big.ready_s} s${big.ready_s_runs ? ` (median of ${JSON.stringify(big.ready_s_runs)}, spread ${big.ready_spread_pct}%)` : ''} (≤ 5: ${met(big.ready_s <= 5 && big.forwarded === Number(n))}), its summary of ${big.forwarded} lines read at ${big.summary_s} s (the daemon's CPU until then ${big.cpu_s_at_ready} s, which the simulator sharing its cores moves less than the wall time; the simulated API servers' own ${big.sim_cpu_s_at_ready} s; the machine's cores busy meanwhile ${big.machine_cores_busy_at_ready} of ${availableParallelism()}), ${big.hosts_writes} hosts writes (≤ 10: ${met(big.hosts_writes <= 10)})`,
    `- API server requests at ${n}: ${big.apiserver_requests}, ${big.apiserver_requests_per_namespace} per namespace (${small.apiserver_requests_per_namespace} at ${entries[0]?.[0]}; O(namespaces), ≤ ${round(perNsBound, 2)}: ${met(big.apiserver_requests_per_namespace <= perNsBound)})`,
    `- RSS at ${n}: ${big.rss_mb} MB at ready, ${big.rss_idle_mb ?? 'n/a'} MB idle (≤ 400: ${met(big.rss_mb <= 400 && (big.rss_idle_mb ?? 1e9) <= 400)}); idle CPU ${big.idle_cpu_pct ?? 'n/a'}% over ${idle.windowSeconds} s after ${idle.seconds} s alone (≤ 1 %: ${met((big.idle_cpu_pct ?? 100) <= 1)}; ${big.idle_cpu_pct_first_window ?? 'n/a'}% over the first ${idle.seconds} s)`,
    `- beyond 254 services per context: highest IP ${top?.ip ?? 'n/a'} (${top?.hostname ?? 'n/a'} in the hosts file) answered a GET from pod ${top?.answered_by ?? 'none'} (${met(top?.answered_by !== null && top !== null)}); open-file limit warning: ${big.fd_limit_warning ? 'yes' : 'no'}`,
  ];
}
