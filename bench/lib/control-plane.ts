/**
 * The REST control plane with many forwarded services: the services list (the largest page the contract allows,
 * `limit=1000`), a page of 100 at random offsets, and the SSE fan-out of one event to 100 clients, at 1,000 and at
 * 10,000 services (100 namespaces × 100 services, one context).
 *
 * The clients run apart from the bench's own process, which also runs the simulator: requests are made by curl, many
 * on one kept-alive connection and each timed by curl itself, and the 100 SSE clients are a Node.js process of their
 * own. Timed with fetch from the simulator's process, a `limit=1000` request at 1,000 services read p50 17 / p99 50-56
 * ms where curl, in the same minute against the same daemon, read 11 / 17-19: the client's own work and its share of
 * the process with the simulator, not the daemon.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSimulator, type SimCluster } from '../../src/sim/index.ts';
import { resourceByName } from '../../src/sim/resources.ts';
import { curlRequests } from './curl.ts';
import { startBenchDaemon } from './daemon.ts';
import { clusterObjects } from './scale.ts';
import type { Proc } from './procs.ts';
import { median, quantile, round, spreadPct } from './stats.ts';

export interface ControlPlaneFigures {
  api_services_p50_ms: number | null;
  api_services_p99_ms: number | null;
  api_services_p99_spread_pct: number | null;
  api_services_page100_p99_ms: number | null;
  api_services_10000_full_p50_ms: number | null;
  api_services_10000_full_p99_ms: number | null;
  api_services_10000_page100_p50_ms: number | null;
  api_services_10000_page100_p99_ms: number | null;
  api_services_10000_page100_p99_spread_pct: number | null;
  api_services_10000_full_p99_spread_pct: number | null;
  /** All 10 pages of 1,000 (the contract's largest page), one after another: the whole list as a client gets it. */
  api_services_10000_all_pages_median_ms: number | null;
  api_services_10000_all_pages_max_ms: number | null;
  /** Median over the repeats of the time until the last of 100 clients has the event. */
  sse_fanout_100_ms: number | null;
  sse_fanout_100_spread_pct: number | null;
  sse_fanout_100_runs_ms: number[];
  /** Median time until the first client has it: what the event costs before the API fans it out. */
  sse_first_of_100_ms: number | null;
  sse_fanout_100_10000_ms: number | null;
  sse_fanout_100_10000_spread_pct: number | null;
  sse_fanout_100_10000_runs_ms: number[];
  /** curl's own CPU per `limit=1000` request at 1,000 services (ms): the client is lighter than what it measures. */
  api_client_cpu_ms_per_request: number | null;
}

export interface ControlPlaneOptions {
  /** Where the daemons keep their files. */
  dir: string;
  apiKey: string;
  /** Requests per latency figure (default 200). */
  requests?: number;
  /** SSE repeats (default 5, at least 3). */
  sseRepeats?: number;
  /** Scales to run (default 1,000 and 10,000). */
  scales?: number[];
  log?: (msg: string) => void;
}

const POD = resourceByName.get('pods')!;

/** `n` timed GETs of `url()` by curl on one connection, after 10 untimed ones. */
async function latencies(
  url: () => string,
  auth: Record<string, string>,
  n: number,
): Promise<{ times: number[]; clientCpuMs: number }> {
  const r = await curlRequests(
    Array.from({ length: n + 10 }, () => url()),
    auth,
  );
  return { times: r.times.slice(10), clientCpuMs: r.clientCpuMsPerRequest };
}

/**
 * 100 clients on the event stream, in a process of their own (sse-clients.ts); deletes a pod and times until the
 * first and the last client has its pod.removed.
 */
async function fanout(
  api: string,
  apiKey: string,
  cluster: SimCluster,
  nsName: string,
  name: string,
): Promise<{ first: number; last: number }> {
  const child = spawn(
    process.execPath,
    [SSE_CLIENTS, `${api}/api/v1/events?type=pod.removed`, '100', apiKey, 'pod.removed'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = setTimeout(() => child.kill(), 60_000);
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        const check = (): void => void (out.includes('ready\n') && resolve());
        child.stdout.on('data', check);
      }),
      exited.then((code) => {
        throw new Error(`SSE clients exited (${code}) before they were ready: ${err.slice(-500)}`);
      }),
    ]);
    const t = performance.timeOrigin + performance.now();
    cluster.remove(POD, nsName, name, { gracePeriodSeconds: 0 });
    const code = await exited;
    const line = out.split('\n')[1];
    if (code !== 0 || !line) throw new Error(`SSE clients exited (${code}): ${err.slice(-500)}`);
    const each = (JSON.parse(line) as number[]).map((x) => x - t);
    return { first: Math.min(...each), last: Math.max(...each) };
  } finally {
    clearTimeout(deadline);
  }
}

async function waitForward(
  api: string,
  auth: Record<string, string>,
  total: number,
  proc: Proc,
): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const r = (await (await fetch(`${api}/api/v1/services?limit=1`, { headers: auth })).json()) as {
      meta?: { total?: number };
    };
    if (r.meta?.total === total) return;
    if (Date.now() > deadline) throw new Error(`not ready: ${proc.output().slice(-2000)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** A daemon forwarding `services` services, ready, and the cluster whose pods the SSE repeats delete. */
export interface ControlPlaneTarget {
  api: string;
  services: number;
  cluster: SimCluster;
  /** The namespace and name of the i-th pod to delete (one per SSE repeat; the fixture does not replace them). */
  pod: (i: number) => [namespace: string, name: string];
}

export type ControlPlaneSamples = Awaited<ReturnType<typeof measureControlPlane>>;

/** The figures of one daemon: list and page latencies in RUNS rounds, the whole list's pages, SSE fan-out. */
export async function measureControlPlane(
  t: ControlPlaneTarget,
  o: { apiKey: string; requests?: number; sseRepeats?: number; log?: (msg: string) => void },
) {
  const n = t.services;
  const requests = o.requests ?? 200;
  const auth = { Authorization: `Bearer ${o.apiKey}` };
  // Each latency figure in RUNS rounds: the bench reports the median of the rounds' quantiles and their spread.
  const full: number[][] = [];
  const pageOf: number[][] = [];
  const walk: number[] = [];
  const clientCpuMs: number[] = [];
  for (let round = 0; round < RUNS; round++) {
    const f = await latencies(() => `${t.api}/api/v1/services?limit=1000`, auth, requests);
    const p = await latencies(
      () => `${t.api}/api/v1/services?limit=100&offset=${Math.floor(Math.random() * (n - 100))}`,
      auth,
      requests,
    );
    full.push(f.times);
    pageOf.push(p.times);
    clientCpuMs.push(f.clientCpuMs);
  }
  // The whole list as a client gets it: every page of the largest size the contract allows, one after another, on
  // one connection (after one untimed request).
  if (n > 1000) {
    const pages = Math.ceil(n / 1000);
    const urls = Array.from(
      { length: WALKS * pages },
      (_, i) => `${t.api}/api/v1/services?limit=1000&offset=${(i % pages) * 1000}`,
    );
    const r = await curlRequests([`${t.api}/api/v1/services?limit=1`, ...urls], auth);
    const times = r.times.slice(1);
    for (let w = 0; w < WALKS; w++)
      walk.push(times.slice(w * pages, (w + 1) * pages).reduce((a, b) => a + b, 0));
  }
  const sse: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < Math.max(3, o.sseRepeats ?? 5); i++) {
    const [nsName, name] = t.pod(i);
    const f = await fanout(t.api, o.apiKey, t.cluster, nsName, name);
    sse.push(f.last);
    first.push(f.first);
  }
  o.log?.(
    `control plane ${n}: full ${fig(full.flat())}, page ${fig(pageOf.flat())}, walk ${fig(walk)}, sse last ${sse.map((x) => round(x, 1)).join(' ')}` +
      ` (first ${first.map((x) => round(x, 1)).join(' ')})`,
  );
  return { full, page: pageOf, walk, sse, first, clientCpuMs: median(clientCpuMs) };
}

async function oneScale(
  n: number,
  o: Required<Omit<ControlPlaneOptions, 'scales'>>,
): Promise<ControlPlaneSamples> {
  const namespaces = n >= 10_000 ? 100 : 10;
  const sim = createSimulator({
    control: false,
    fixture: { clusters: [{ name: 'cp', objects: clusterObjects(namespaces, n / namespaces) }] },
  });
  await sim.start();
  const t0 = performance.now();
  const d = await startBenchDaemon({
    dir: o.dir,
    tag: `cp${n}`,
    sim,
    namespaces: Array.from({ length: namespaces }, (_, i) => `ns${i}`),
    apiKey: o.apiKey,
  });
  const auth = { Authorization: `Bearer ${o.apiKey}` };
  try {
    await d.proc.waitFor(/Forwarding \d+ service/, 600_000);
    await waitForward(d.api, auth, n, d.proc);
    o.log(`control plane: ${n} services ready in ${round((performance.now() - t0) / 1000, 1)} s`);
    return await measureControlPlane(
      { api: d.api, services: n, cluster: sim.cluster(), pod: (i) => [`ns${i}`, `app-${i}`] },
      o,
    );
  } finally {
    await d.proc.stop();
    await sim.close();
  }
}

/** The SSE clients' program. */
const SSE_CLIENTS = fileURLToPath(new URL('./sse-clients.ts', import.meta.url));
/** Rounds of each latency figure. */
const RUNS = 3;
/** Walks through every page of the 10,000-service list. */
const WALKS = 20;

const fig = (xs: number[]): string =>
  `p50 ${round(quantile(xs, 0.5), 2)} p99 ${round(quantile(xs, 0.99), 2)}`;

/** Runs the scenario at each scale (sequentially: one daemon at a time) and returns the figures. */
export async function controlPlane(options: ControlPlaneOptions): Promise<ControlPlaneFigures> {
  const o = {
    dir: options.dir,
    apiKey: options.apiKey,
    requests: options.requests ?? 200,
    sseRepeats: Math.max(3, options.sseRepeats ?? 5),
    log: options.log ?? (() => undefined),
  };
  const scales = options.scales ?? [1000, 10_000];
  const at: Record<number, ControlPlaneSamples> = {};
  for (const n of scales) at[n] = await oneScale(n, o);
  return controlPlaneFigures(at[1000], at[10_000]);
}

/** The JSON figures from the samples at 1,000 and at 10,000 services (either may be missing). */
export function controlPlaneFigures(
  s1: ControlPlaneSamples | undefined,
  s10: ControlPlaneSamples | undefined,
): ControlPlaneFigures {
  /** Median over the rounds of each round's quantile `q`. */
  const p = (xs: number[][] | undefined, q: number): number | null =>
    xs ? round(median(xs.map((r) => quantile(r, q))), 2) : null;
  const spread = (xs: number[][] | undefined, q: number): number | null =>
    xs ? round(spreadPct(xs.map((r) => quantile(r, q))), 1) : null;
  return {
    api_services_p50_ms: p(s1?.full, 0.5),
    api_services_p99_ms: p(s1?.full, 0.99),
    api_services_p99_spread_pct: spread(s1?.full, 0.99),
    api_services_page100_p99_ms: p(s1?.page, 0.99),
    api_services_10000_full_p50_ms: p(s10?.full, 0.5),
    api_services_10000_full_p99_ms: p(s10?.full, 0.99),
    api_services_10000_page100_p50_ms: p(s10?.page, 0.5),
    api_services_10000_page100_p99_ms: p(s10?.page, 0.99),
    api_services_10000_page100_p99_spread_pct: spread(s10?.page, 0.99),
    api_services_10000_full_p99_spread_pct: spread(s10?.full, 0.99),
    api_services_10000_all_pages_median_ms: s10 ? round(median(s10.walk), 1) : null,
    api_services_10000_all_pages_max_ms: s10 ? round(Math.max(...s10.walk), 1) : null,
    sse_fanout_100_ms: s1 ? round(median(s1.sse), 1) : null,
    sse_fanout_100_spread_pct: s1 ? round(spreadPct(s1.sse), 1) : null,
    sse_fanout_100_runs_ms: s1?.sse.map((x) => round(x, 1) ?? 0) ?? [],
    sse_first_of_100_ms: s1 ? round(median(s1.first), 1) : null,
    sse_fanout_100_10000_ms: s10 ? round(median(s10.sse), 1) : null,
    sse_fanout_100_10000_spread_pct: s10 ? round(spreadPct(s10.sse), 1) : null,
    sse_fanout_100_10000_runs_ms: s10?.sse.map((x) => round(x, 1) ?? 0) ?? [],
    api_client_cpu_ms_per_request: s1 ? round(s1.clientCpuMs, 2) : null,
  };
}
