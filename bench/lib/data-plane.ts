/**
 * The data-plane figures: the same simulated pod reached directly, through kubefwd and through kubectl port-forward,
 * runs interleaved (direct, kubefwd, kubectl, direct, …) so a slow spell of the machine hits all alike. Throughput and
 * CPU per GB use curl as the client (bench/lib/curl.ts); connection setup is timed twice, with Node's client until the
 * pod's close comes back (lib/load.ts) and with curl until the answer is in; the 200-connection figure uses Node's
 * client; head of line in lib/hol.ts.
 */
import { copyFileSync } from 'node:fs';
import { startBackend } from '../../src/sim/backends.ts';
import { createSimulator } from '../../src/sim/index.ts';
import { startBareForwarder } from './bare-forwarder.ts';
import { curlConnects, curlDownload, curlUpload, uploadFile } from './curl.ts';
import { benchFiles, startBenchDaemon } from './daemon.ts';
import { headOfLine, type HolRun } from './hol.ts';
import { rawSpdy } from './raw-spdy.ts';
import { startTlsRelay } from './tls-relay.ts';
import { concurrent, connectOnce, download, upload } from './load.ts';
import { bulkObjects } from './objects.ts';
import {
  freePort,
  machineBusy,
  ownCpuSeconds,
  reapedCpuSeconds,
  rssMb,
  start,
  treeCpuSeconds,
  type Proc,
} from './procs.ts';
import { endpointOf, startSimThread, type SimThread } from './sim-thread.ts';
import { median, quantile, round, spreadPct } from './stats.ts';

export interface DataPlaneOptions {
  dir: string;
  apiKey: string;
  runs: number;
  /** Bytes of each throughput run and of the head-of-line download. */
  bytes: number;
  connects: number;
  simThread: boolean;
  hasKubectl: boolean;
  log: (msg: string) => void;
  /** Spread of each figure's runs, %, filled in here. */
  noise: Record<string, number>;
}

const MiB = 1024 * 1024;
const CONC = 200;
const CONC_BYTES = 1 * MiB;
const KEYS = ['direct', 'kubefwd', 'kubectl'] as const;
type PathKey = (typeof KEYS)[number];
/**
 * The paths of a figure's runs: the three, for throughput also the bare TLS relays (lib/tls-relay.ts), the bare
 * forwarder (lib/bare-forwarder.ts) and our raw SPDY client straight to the simulator (lib/raw-spdy.ts), and for
 * connection setup the bare forwarder, interleaved with them.
 */
type RunKey = PathKey | 'relay' | 'native' | 'raw' | 'bare';
export type Triple = Record<PathKey, number | null>;
const empty = (): Triple => ({ direct: null, kubefwd: null, kubectl: null });

interface Path {
  target: [string, number];
  /** The process whose tree does the forwarding (none for the direct path). */
  pid: number | undefined;
  /** Its children exit after each connection (socat): its CPU is read once they are reaped (reapedCpuSeconds). */
  reaped?: boolean;
}

/** A path's latency runs in ms: p50 as the median of the runs' p50s, p99 over every sample of the runs. */
function latency(runs: number[][]): { p50_ms: number | null; p99_ms: number | null } {
  return {
    p50_ms: round(median(runs.map((xs) => quantile(xs, 0.5))), 2),
    p99_ms: round(quantile(runs.flat(), 0.99), 2),
  };
}

/** The data-plane simulator, on this thread or (`simThread`) its own, serving pod bench/bulk-0:8080. */
async function dataPlaneSim(o: DataPlaneOptions): Promise<SimThread & { directPort: number }> {
  const kubeconfig = benchFiles(o.dir, 'paths').kubeconfig;
  if (o.simThread) {
    const server = await startBackend('http', {
      pod: 'bulk-0',
      namespace: 'bench',
      container: 'c',
      port: 8080,
    });
    const directPort = server.port as number;
    const target = { 'kubefwd.sim/target-8080': `127.0.0.1:${directPort}` };
    const sim = await startSimThread(
      { clusters: [{ name: 'bench', objects: bulkObjects(target) }] },
      kubeconfig,
    );
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
    fixture: { clusters: [{ name: 'bench', objects: bulkObjects() }] },
  });
  await sim.start();
  sim.writeKubeconfig(kubeconfig);
  return {
    ...endpointOf(sim),
    directPort: sim.cluster().runtime.backendPort('bench', 'bulk-0', 8080) as number,
    close: () => sim.close(),
  };
}

/** `kubectl port-forward` to pod bench/bulk-0:8080 on a free local port, once it says it forwards. */
export async function kubectlForward(kubeconfig: string): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  const proc = start('kubectl', ['port-forward', 'pod/bulk-0', `${port}:8080`, '-n', 'bench'], {
    KUBECONFIG: kubeconfig,
  });
  await proc.waitFor(/Forwarding from 127\.0\.0\.1/, 30_000);
  return { proc, port };
}

/** The three paths to the pod's server; the kubeconfig of 'paths' is written already. */
async function startPaths(o: DataPlaneOptions, directPort: number) {
  const d = await startBenchDaemon({ dir: o.dir, tag: 'paths', namespaces: ['bench'], apiKey: o.apiKey });
  let kubectl: Proc | undefined;
  const paths: Partial<Record<PathKey, Path>> = {
    direct: { target: ['127.0.0.1', directPort], pid: undefined },
    kubefwd: { target: ['127.1.27.1', 18080], pid: d.proc.child.pid },
  };
  if (o.hasKubectl) {
    const k = await kubectlForward(benchFiles(o.dir, 'paths').kubeconfig);
    kubectl = k.proc;
    paths.kubectl = { target: ['127.0.0.1', k.port], pid: kubectl.child.pid };
  }
  return {
    paths,
    daemon: d.proc,
    async stop() {
      await kubectl?.stop();
      await d.proc.stop();
    },
  };
}

/** What each group of figures needs: the options, the simulator, the paths and the runner of interleaved runs. */
interface Bench {
  o: DataPlaneOptions;
  sim: SimThread;
  keys: PathKey[];
  relays: RunKey[];
  hasNative: boolean;
  each: Each;
}

type Each = <T>(
  name: string,
  fn: (h: string, port: number, path: Path, k: RunKey) => Promise<T>,
  value: (t: T) => number,
  digits?: number,
  extra?: RunKey[],
) => Promise<{ figure: Triple; runs: Map<RunKey, T[]> }>;

/** Runs of a figure, the paths (and `extra`) interleaved `o.runs` times; the paths' medians, their spreads in o.noise. */
function runner(o: DataPlaneOptions, keys: PathKey[], pathOf: (k: RunKey) => Path): Each {
  return async <T>(
    name: string,
    fn: (h: string, port: number, path: Path, k: RunKey) => Promise<T>,
    value: (t: T) => number,
    digits = 1,
    extra: RunKey[] = [],
  ) => {
    const runKeys: RunKey[] = [...keys, ...extra];
    const runs = new Map<RunKey, T[]>(runKeys.map((k) => [k, []]));
    for (let i = 0; i < o.runs; i++)
      for (const k of runKeys) {
        const path = pathOf(k);
        const r = await fn(path.target[0], path.target[1], path, k);
        runs.get(k)?.push(r);
        o.log(`  ${name} via ${k} (${i + 1}/${o.runs}): ${value(r).toFixed(3)}`);
      }
    const figure = empty();
    for (const k of keys) {
      const xs = (runs.get(k) ?? []).map(value);
      o.noise[`${name}.${k}`] = round(spreadPct(xs), 1) ?? 0;
      figure[k] = round(median(xs), digits);
    }
    return { figure, runs };
  };
}

export async function dataPlane(o: DataPlaneOptions): Promise<Record<string, unknown>> {
  const sim = await dataPlaneSim(o);
  const p = await startPaths(o, sim.directPort);
  const keys = KEYS.filter((k) => p.paths[k]);
  const relay = await startTlsRelay();
  const nativePath: Path | undefined = relay.native && {
    target: ['127.0.0.1', relay.native.port],
    pid: relay.native.pid,
    reaped: true,
  };
  const noPath: Path = { target: ['', 0], pid: undefined };
  const bareForwarder = await startBareForwarder(sim);
  const others: Partial<Record<RunKey, Path>> = {
    relay: { target: ['127.0.0.1', relay.port], pid: relay.pid },
    native: nativePath ?? noPath,
    raw: noPath,
    bare: { target: ['127.0.0.1', bareForwarder.port], pid: bareForwarder.proc.child.pid },
  };
  const pathOf = (k: RunKey): Path => others[k] ?? (p.paths[k as PathKey] as Path);
  const relays: RunKey[] = nativePath ? ['relay', 'native'] : ['relay'];
  // Warm-up, not measured: each path forwards some connections and bytes first, so the figures are of a running
  // forwarder (JIT-compiled, heap sized), not of its first seconds.
  const warm = uploadFile(o.dir, 64 * MiB);
  for (const k of [...keys, ...relays, 'bare' as const]) {
    const [h, port] = pathOf(k).target;
    o.log(`  warm-up via ${k}`);
    for (let i = 0; i < 300; i++) await connectOnce(h, port);
    await curlDownload(h, port, 64 * MiB);
    await curlUpload(h, port, warm, 64 * MiB);
    await download(h, port, 16 * MiB);
    await upload(h, port, 16 * MiB);
  }
  const b: Bench = { o, sim, keys, relays, hasNative: !!nativePath, each: runner(o, keys, pathOf) };
  const result: Record<string, unknown> = { ...(await transfers(b)) };
  await relay.stop();
  Object.assign(result, await connections(b));
  await bareForwarder.proc.stop();
  Object.assign(result, await underLoad(b));
  result.kubefwd_rss_after_data_mb = round(rssMb(p.daemon.child.pid as number), 1);
  await p.stop();
  await sim.close();
  return result;
}

/**
 * Throughput and CPU per GB both ways with curl: the paths, the bare TLS relays, the bare forwarder and the raw SPDY
 * client, interleaved.
 */
async function transfers(b: Bench): Promise<Record<string, unknown>> {
  const { o, sim, keys, relays, each } = b;
  const file = uploadFile(o.dir, o.bytes);
  const gb = o.bytes / 1e9;
  /** The forwarder's CPU seconds so far (none for the direct path). */
  const forwarderCpu = async (path: Path): Promise<number> =>
    path.pid === undefined ? 0 : path.reaped ? await reapedCpuSeconds(path.pid) : treeCpuSeconds(path.pid);
  /**
   * One curl run with the forwarder's CPU seconds per GB, curl's own and the simulator's: this process's
   * (ownCpuSeconds), the API server, kubelet and pod's server with the bench's own, which waits on the transfer.
   */
  const measured =
    (run: (h: string, port: number) => Promise<{ mbps: number; clientCpuS: number }>) =>
    async (h: string, port: number, path: Path) => {
      const c0 = await forwarderCpu(path);
      const s0 = ownCpuSeconds();
      const busy = machineBusy();
      const r = await run(h, port);
      const coresBusy = busy();
      const simCpuPerGb = (ownCpuSeconds() - s0) / gb;
      const cpu = path.pid ? (await forwarderCpu(path)) - c0 : Number.NaN;
      return { mbps: r.mbps, cpuPerGb: cpu / gb, clientCpuPerGb: r.clientCpuS / gb, simCpuPerGb, coresBusy };
    };
  // The whole machine's CPU seconds per GB moved (every process: client, forwarder, simulator): on two shared cores
  // a path's rate is its cores busy over this, so a path that needs more of it cannot keep up with one that needs less.
  const machinePerGb = (r: { mbps: number; coresBusy: number }): number => (r.coresBusy * 1000) / r.mbps;
  /** One transfer of our raw SPDY client (its own process, no local listener): the simulator's ceiling. */
  const viaRaw = async (dir: 'download' | 'upload') => {
    let s0 = Number.NaN;
    let busy = machineBusy();
    const r = await rawSpdy(sim, dir, o.bytes, () => {
      s0 = ownCpuSeconds();
      busy = machineBusy();
    });
    const coresBusy = busy();
    return {
      mbps: r.mbps,
      cpuPerGb: Number.NaN,
      clientCpuPerGb: r.cpuS / gb,
      simCpuPerGb: (ownCpuSeconds() - s0) / gb,
      coresBusy,
    };
  };
  const result: Record<string, unknown> = {};
  const rawBusy: Record<string, number | null> = {};
  const rawClient: Record<string, number | null> = {};
  const simCpu: Record<string, Record<PathKey | 'raw', number | null>> = {};
  const machine: Record<string, Record<PathKey | 'raw', number | null>> = {};
  const cpu: Record<string, Triple> = {};
  const client: Record<string, Triple> = {};
  const busy: Record<string, Triple> = {};
  type RelayFigures = { mbps: number | null; cpu_s_per_gb: number | null; cores_busy: number | null };
  const nodeRelay: Record<string, RelayFigures> = {};
  const native: Record<string, RelayFigures | null> = {};
  const bareTransfer: Record<string, RelayFigures | null> = {};
  for (const dir of ['download', 'upload'] as const) {
    const viaCurl = measured((h, port) =>
      dir === 'download' ? curlDownload(h, port, o.bytes) : curlUpload(h, port, file, o.bytes),
    );
    const { figure, runs } = await each(
      dir,
      (h, port, path, k) => (k === 'raw' ? viaRaw(dir) : viaCurl(h, port, path)),
      (r) => r.mbps,
      1,
      [...relays, 'bare', 'raw'],
    );
    const raw = runs.get('raw') ?? [];
    o.noise[`sim_raw_${dir}`] = round(spreadPct(raw.map((x) => x.mbps)), 1) ?? 0;
    result[`sim_raw_spdy_${dir}_mbps`] = round(median(raw.map((x) => x.mbps)), 1);
    rawBusy[dir] = round(median(raw.map((x) => x.coresBusy)), 2);
    rawClient[dir] = round(median(raw.map((x) => x.clientCpuPerGb)), 2);
    machine[dir] = { ...empty(), raw: round(median(raw.map(machinePerGb)), 2) };
    simCpu[dir] = { ...empty(), raw: round(median(raw.map((x) => x.simCpuPerGb)), 2) };
    const relayFigures = (k: 'relay' | 'native' | 'bare') => {
      const r = runs.get(k) ?? [];
      if (r.length === 0) return null;
      o.noise[`cpu_${dir}.${k}`] = round(spreadPct(r.map((x) => x.cpuPerGb)), 1) ?? 0;
      return {
        mbps: round(median(r.map((x) => x.mbps)), 1),
        cpu_s_per_gb: round(median(r.map((x) => x.cpuPerGb)), 2),
        cores_busy: round(median(r.map((x) => x.coresBusy)), 2),
      };
    };
    nodeRelay[dir] = relayFigures('relay') ?? { mbps: null, cpu_s_per_gb: null, cores_busy: null };
    native[dir] = relayFigures('native');
    bareTransfer[dir] = relayFigures('bare');
    result[`throughput_${dir}_mbps`] = figure;
    cpu[dir] = empty();
    client[dir] = empty();
    busy[dir] = empty();
    for (const k of keys) {
      const xs = runs.get(k) ?? [];
      if (k !== 'direct') {
        cpu[dir][k] = round(median(xs.map((r) => r.cpuPerGb)), 2);
        o.noise[`cpu_${dir}.${k}`] = round(spreadPct(xs.map((r) => r.cpuPerGb)), 1) ?? 0;
      }
      client[dir][k] = round(median(xs.map((r) => r.clientCpuPerGb)), 2);
      (machine[dir] as Record<PathKey, number | null>)[k] = round(median(xs.map(machinePerGb)), 2);
      (simCpu[dir] as Record<PathKey, number | null>)[k] = round(median(xs.map((r) => r.simCpuPerGb)), 2);
      busy[dir][k] = round(median(xs.map((r) => r.coresBusy)), 2);
    }
  }
  result.cpu_s_per_gb = {
    download: { kubefwd: cpu.download?.kubefwd ?? null, kubectl: cpu.download?.kubectl ?? null },
    upload: { kubefwd: cpu.upload?.kubefwd ?? null, kubectl: cpu.upload?.kubectl ?? null },
  };
  result.client_cpu_s_per_gb = client;
  // How many of the machine's cores were busy during each transfer (every process: simulator, forwarder, curl, the
  // rest of the machine): a path whose cores are all busy runs at the pace of the CPU, not of its own design.
  result.machine_cores_busy = busy;
  result.sim_raw_cores_busy = rawBusy;
  // The raw client's own CPU per GB (its process during the measured transfer), and every path's machine CPU per GB.
  result.sim_raw_client_cpu_s_per_gb = rawClient;
  result.machine_cpu_s_per_gb = machine;
  result.sim_cpu_s_per_gb = simCpu;
  // What Node's TLS and sockets alone cost per GB, no port-forward protocol (lib/tls-relay.ts).
  result.node_tls_relay = nodeRelay;
  // The same relay in C (socat with OpenSSL), when socat is installed: what a forwarder outside Node.js costs here.
  result.native_tls_relay = b.hasNative ? native : null;
  // The least a Node.js port-forward client does (lib/bare-forwarder.ts), through the same simulator: the floor of
  // the port-forward paths' rates and CPU per GB in Node.js.
  result.bare_forwarder_transfer = bareTransfer;
  return result;
}

/** Connection setup, timed with Node's client until the close and with curl until the answer; the bare forwarder too. */
async function connections(b: Bench): Promise<Record<string, unknown>> {
  const { o, keys, each } = b;
  const result: Record<string, unknown> = {};
  const connect = await each(
    'connect',
    async (h, port, path) => {
      const xs: number[] = [];
      const c0 = path.pid ? treeCpuSeconds(path.pid) : 0;
      for (let i = 0; i < o.connects; i++) xs.push(await connectOnce(h, port));
      const cpuUs = path.pid ? ((treeCpuSeconds(path.pid) - c0) / o.connects) * 1e6 : Number.NaN;
      return { xs, cpuUs };
    },
    (r) => quantile(r.xs, 0.5),
    2,
    ['bare'],
  );
  result.connect_p50_ms = connect.figure;
  // The least a Node.js forwarder does per connection (lib/bare-forwarder.ts), through the same simulator.
  const bareRuns = connect.runs.get('bare') ?? [];
  result.bare_forwarder_connect = {
    ...latency(bareRuns.map((r) => r.xs)),
    cpu_us_per_connection: round(median(bareRuns.map((r) => r.cpuUs)), 0),
  };
  const p99 = empty();
  // The forwarder's own CPU (user + system, its process tree) per connection set up, sent a request and closed.
  const cpuPerConnection = { kubefwd: null as number | null, kubectl: null as number | null };
  for (const k of keys) {
    const runs = connect.runs.get(k) ?? [];
    p99[k] = latency(runs.map((r) => r.xs)).p99_ms;
    if (k !== 'direct' && runs.length > 0) {
      cpuPerConnection[k] = round(median(runs.map((r) => r.cpuUs)), 0);
      o.noise[`cpu_connect.${k}`] = round(spreadPct(runs.map((r) => r.cpuUs)), 1) ?? 0;
    }
  }
  result.connect_p99_ms = p99;
  result.cpu_us_per_connection = cpuPerConnection;
  // The same with curl as the client, timed until the answer is in (curl's time_total), not until the pod's close
  // has come back through the path as connectOnce waits for: what a user's program sees of a new connection.
  const answered = await each(
    'connect (curl)',
    async (h, port) => await curlConnects(h, port, o.connects),
    (r) => quantile(r.times, 0.5),
    2,
    ['bare'],
  );
  result.bare_forwarder_connect_curl = latency((answered.runs.get('bare') ?? []).map((r) => r.times));
  const answeredP99 = empty();
  const clientUs: Partial<Record<PathKey, number | null>> = {};
  for (const k of keys) {
    const runs = answered.runs.get(k) ?? [];
    answeredP99[k] = latency(runs.map((r) => r.times)).p99_ms;
    clientUs[k] = round(median(runs.map((r) => r.clientCpuUs)), 0);
  }
  result.connect_curl_p50_ms = answered.figure;
  result.connect_curl_p99_ms = answeredP99;
  result.connect_curl_client_cpu_us = clientUs;
  return result;
}

/** 200 connections at once, and head of line (with one session per pod for everything too). */
async function underLoad(b: Bench): Promise<Record<string, unknown>> {
  const { o, keys, each } = b;
  const result: Record<string, unknown> = {};
  let errors = 0;
  result.concurrent_mbps = (
    await each(
      'concurrent',
      async (h, port) => {
        const r = await concurrent(h, port, CONC, CONC_BYTES);
        errors += r.errors;
        return r;
      },
      (r) => r.mbps,
    )
  ).figure;
  result.concurrent_errors = errors;
  const hol = await each(
    'hol',
    (h, port) => headOfLine(h, port, o.bytes),
    (r) => r.ratio,
    2,
  );
  result.hol_p99_ratio = hol.figure;
  const holDetail: Record<string, unknown> = {};
  for (const k of keys) {
    const xs = hol.runs.get(k) ?? [];
    holDetail[k] = {
      idle_p99_ms: round(median(xs.map((r) => r.idleP99)), 2),
      loaded_p50_ms: round(median(xs.map((r) => r.loadedP50)), 2),
      loaded_p99_ms: round(median(xs.map((r) => r.loadedP99)), 2),
      samples: Math.round(median(xs.map((r) => r.samples))),
    };
  }
  result.hol = holDetail;
  // The same with one session per pod for everything (--bulk-sessions 0), on an address of its own: the effect of
  // setting sessions with bulk transfers aside.
  // (A daemon without the flag, BENCH_KUBEFWD_BIN of an older checkout, has no such figure.)
  copyFileSync(benchFiles(o.dir, 'paths').kubeconfig, benchFiles(o.dir, 'paths-single').kubeconfig);
  const single = await startBenchDaemon({
    dir: o.dir,
    tag: 'paths-single',
    namespaces: ['bench'],
    apiKey: o.apiKey,
    args: ['--bulk-sessions', '0', '-r', 'bulk:127.1.28.1'],
  }).catch((err: unknown) => void o.log(`  no --bulk-sessions 0 figure: ${String(err).slice(0, 200)}`));
  const singleRuns: HolRun[] = [];
  for (let i = 0; single && i < o.runs; i++) {
    const r = await headOfLine('127.1.28.1', 18080, o.bytes);
    o.log(`  hol via kubefwd --bulk-sessions 0 (${i + 1}/${o.runs}): ${r.ratio.toFixed(3)}`);
    singleRuns.push(r);
  }
  await single?.proc.stop();
  result.hol_kubefwd_single_session = single && {
    ratio: round(median(singleRuns.map((r) => r.ratio)), 2),
    idle_p99_ms: round(median(singleRuns.map((r) => r.idleP99)), 2),
    loaded_p50_ms: round(median(singleRuns.map((r) => r.loadedP50)), 2),
    loaded_p99_ms: round(median(singleRuns.map((r) => r.loadedP99)), 2),
  };
  return result;
}
