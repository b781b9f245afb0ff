/**
 * The REST control plane with many forwarded services: the services list (the largest page the contract allows,
 * `limit=1000`), a page of 100 at random offsets, and the SSE fan-out of one event to 100 clients, at 1,000 and at
 * 10,000 services (100 namespaces × 100 services, one context).
 */
import { createSimulator, type SimCluster } from '../../src/sim/index.ts';
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

const POD = {
  name: 'pods',
  kind: 'Pod',
  group: '',
  version: 'v1',
  namespaced: true,
  shortNames: [],
  verbs: [],
};

async function latencies(url: () => string, auth: Record<string, string>, n: number): Promise<number[]> {
  for (let i = 0; i < 10; i++) await (await fetch(url(), { headers: auth })).arrayBuffer();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fetch(url(), { headers: auth });
    await r.arrayBuffer();
    times.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`${url()} answered ${r.status}`);
  }
  return times;
}

/** 100 clients on the event stream; deletes a pod and times until the last client has its pod.removed. */
async function fanout(
  api: string,
  auth: Record<string, string>,
  cluster: SimCluster,
  nsName: string,
  name: string,
) {
  const clients = await Promise.all(
    Array.from({ length: 100 }, async () => {
      const res = await fetch(`${api}/api/v1/events?type=pod.removed`, { headers: auth });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      // The stream is open once its first comment arrives.
      await reader.read();
      return reader;
    }),
  );
  const t = performance.now();
  const got = clients.map(async (reader) => {
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return Number.NaN;
      text += Buffer.from(value).toString();
      if (text.includes('event: pod.removed')) return performance.now() - t;
    }
  });
  cluster.remove(POD, nsName, name, { gracePeriodSeconds: 0 });
  const each = await Promise.all(got);
  for (const c of clients) void c.cancel();
  return { first: Math.min(...each), last: Math.max(...each) };
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
  for (let round = 0; round < RUNS; round++) {
    full.push(await latencies(() => `${t.api}/api/v1/services?limit=1000`, auth, requests));
    pageOf.push(
      await latencies(
        () => `${t.api}/api/v1/services?limit=100&offset=${Math.floor(Math.random() * (n - 100))}`,
        auth,
        requests,
      ),
    );
  }
  // The whole list as a client gets it: every page of the largest size the contract allows, one after another.
  if (n > 1000)
    for (let i = 0; i < WALKS; i++) {
      const start = performance.now();
      for (let offset = 0; offset < n; offset += 1000)
        await (
          await fetch(`${t.api}/api/v1/services?limit=1000&offset=${offset}`, { headers: auth })
        ).arrayBuffer();
      walk.push(performance.now() - start);
    }
  const sse: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < Math.max(3, o.sseRepeats ?? 5); i++) {
    const [nsName, name] = t.pod(i);
    const f = await fanout(t.api, auth, t.cluster, nsName, name);
    sse.push(f.last);
    first.push(f.first);
  }
  o.log?.(
    `control plane ${n}: full ${fig(full.flat())}, page ${fig(pageOf.flat())}, walk ${fig(walk)}, sse last ${sse.map((x) => round(x, 1)).join(' ')}` +
      ` (first ${first.map((x) => round(x, 1)).join(' ')})`,
  );
  return { full, page: pageOf, walk, sse, first };
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
  };
}
