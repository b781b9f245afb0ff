/**
 * Before/after of daemon builds on one data-plane figure, side by side with kubectl:
 * `node bench/ab.ts [--what connect|download|upload] [--rounds 5] [--connects 1500] [--mib 512] LAUNCHER…`, each
 * LAUNCHER a build's bin/kubefwd.js (a checkout's, or a package folder as bench/lib/package-build.ts makes one). Each
 * round starts each build in turn against the same simulated pod, warms it up, measures it and stops it, then measures
 * `kubectl port-forward` (started once): the builds meet the same phases of the machine, which moves more between
 * minutes than most changes do; the bare forwarder (lib/bare-forwarder.ts) is measured each round too, but started
 * once: it runs warm where each build starts afresh, so compare builds with each other, not with it.
 * `connect`: sequential connections with one request each (lib/load.ts), p50 and p99, the forwarder's CPU per
 * connection; `download`/`upload`: one curl transfer, MB/s, the forwarder's CPU per GB and the simulator's (this
 * process's). Prints JSON on stdout (every round and the medians); progress on stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSimulator } from '../src/sim/index.ts';
import { startBareForwarder } from './lib/bare-forwarder.ts';
import { curlDownload, curlUpload, uploadFile } from './lib/curl.ts';
import { benchFiles, startBenchDaemon } from './lib/daemon.ts';
import { kubectlForward } from './lib/data-plane.ts';
import { connectOnce } from './lib/load.ts';
import { bulkObjects } from './lib/objects.ts';
import { commandWorks, killAll, ownCpuSeconds, treeCpuSeconds, type Proc } from './lib/procs.ts';
import { endpointOf } from './lib/sim-thread.ts';
import { median, quantile, round } from './lib/stats.ts';

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  if (value === undefined) throw new Error(`--${name} needs a value`);
  return value;
};
const what = option('what', 'connect');
const rounds = Number(option('rounds', '5'));
const connects = Number(option('connects', '1500'));
const bytes = Number(option('mib', '512')) * MiB;
const launchers = args.map((a) => resolve(a));
if (!['connect', 'download', 'upload'].includes(what) || launchers.length === 0 || !(rounds > 0)) {
  process.stderr.write(
    'usage: node bench/ab.ts [--what connect|download|upload] [--rounds N] [--connects N] [--mib N] LAUNCHER...\n',
  );
  process.exit(2);
}

type Run = Record<string, number>;
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** One measurement of the figure through host:port, the forwarder being `pid`; `files` are the upload's bodies. */
async function measure(
  host: string,
  port: number,
  pid: number,
  files: { body: string; warm: string },
): Promise<Run> {
  if (what === 'connect') {
    const c0 = treeCpuSeconds(pid);
    const xs: number[] = [];
    for (let i = 0; i < connects; i++) xs.push(await connectOnce(host, port));
    const cpu = treeCpuSeconds(pid) - c0;
    return {
      p50_ms: quantile(xs, 0.5),
      p99_ms: quantile(xs, 0.99),
      cpu_us_per_connection: (cpu / connects) * 1e6,
    };
  }
  await curlDownload(host, port, 64 * MiB);
  await curlUpload(host, port, files.warm, 64 * MiB);
  const c0 = treeCpuSeconds(pid);
  const s0 = ownCpuSeconds();
  const r =
    what === 'download'
      ? await curlDownload(host, port, bytes)
      : await curlUpload(host, port, files.body, bytes);
  const gb = bytes / 1e9;
  return {
    mbps: r.mbps,
    cpu_s_per_gb: (treeCpuSeconds(pid) - c0) / gb,
    sim_cpu_s_per_gb: (ownCpuSeconds() - s0) / gb,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'kubefwd-ab-'));
const sim = createSimulator({
  control: false,
  fixture: { clusters: [{ name: 'bench', objects: bulkObjects() }] },
});
let kubectl: Proc | undefined;
let bare: Proc | undefined;
try {
  await sim.start();
  const files = benchFiles(dir, 'ab');
  sim.writeKubeconfig(files.kubeconfig);
  const bodies =
    what === 'connect'
      ? { body: '', warm: '' }
      : { body: uploadFile(dir, bytes), warm: uploadFile(dir, 64 * MiB) };
  const runs = new Map<string, Run[]>();
  const add = (label: string, run: Run): void => {
    runs.set(label, [...(runs.get(label) ?? []), run]);
    log(
      `  ${label}: ${JSON.stringify(Object.fromEntries(Object.entries(run).map(([k, v]) => [k, round(v, 3)])))}`,
    );
  };
  let kubectlPort = 0;
  if (commandWorks('kubectl', 'version', '--client')) {
    ({ proc: kubectl, port: kubectlPort } = await kubectlForward(files.kubeconfig));
    for (let i = 0; i < 300; i++) await connectOnce('127.0.0.1', kubectlPort);
  }
  let barePort = 0;
  // With the first build's flags: the benchmarks' default build would be made (bundled) only to read them.
  ({ proc: bare, port: barePort } = await startBareForwarder(endpointOf(sim), launchers[0]));
  for (let i = 0; i < 300; i++) await connectOnce('127.0.0.1', barePort);
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1}/${rounds}`);
    for (const launcher of launchers) {
      const d = await startBenchDaemon({ dir, tag: 'ab', namespaces: ['bench'], apiKey: 'ab-key', launcher });
      try {
        await d.proc.waitFor(/Forwarding \d+ service/, 30_000);
        for (let i = 0; i < 300; i++) await connectOnce('127.1.27.1', 18080);
        add(launcher, await measure('127.1.27.1', 18080, d.proc.child.pid as number, bodies));
      } finally {
        await d.proc.stop();
      }
    }
    if (kubectl) add('kubectl', await measure('127.0.0.1', kubectlPort, kubectl.child.pid as number, bodies));
    if (bare) add('bare forwarder', await measure('127.0.0.1', barePort, bare.child.pid as number, bodies));
  }
  const medians = Object.fromEntries(
    [...runs].map(([label, rs]) => [
      label,
      Object.fromEntries(
        Object.keys(rs[0] ?? {}).map((k) => [k, round(median(rs.map((x) => x[k] ?? Number.NaN)), 3)]),
      ),
    ]),
  );
  process.stdout.write(
    `${JSON.stringify({ what, rounds, connects, bytes, medians, runs: Object.fromEntries(runs) }, null, 2)}\n`,
  );
} catch (err) {
  killAll();
  throw err;
} finally {
  await kubectl?.stop();
  await bare?.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
