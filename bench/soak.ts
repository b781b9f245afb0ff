/**
 * Soak: mixed traffic through kubefwd with a forwarded pod deleted every 10 s; reports per minute RSS, open file
 * descriptors, listeners, history and metric series of the daemon. `node bench/soak.ts [--minutes 30]`.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator } from '../src/sim/index.ts';
import { resourceByName } from '../src/sim/resources.ts';
import type { KObject } from '../src/sim/store.ts';
import { startBenchDaemon } from './lib/daemon.ts';
import { rssMb } from './lib/procs.ts';

const minutesArg = process.argv.indexOf('--minutes');
const MINUTES = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : 30;
const KEY = 'soak';
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-soak-'));
const objects: KObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'soak' } },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'soak' },
    spec: { selector: { app: 'web' }, ports: [{ port: 18090, targetPort: 8080 }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'soak',
      labels: { app: 'web' },
      annotations: { 'kubefwd.sim/replicas': '3' },
    },
    spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
  },
];
const sim = createSimulator({ control: false, fixture: { clusters: [{ name: 'soak', objects }] } });
await sim.start();
const { proc: daemon, api } = await startBenchDaemon({ dir, sim, namespaces: ['soak'], apiKey: KEY });
const pid = daemon.child.pid as number;
const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
let ok = 0;
let failed = 0;
let stop = false;

async function traffic(): Promise<void> {
  while (!stop) {
    await new Promise<void>((resolve) => {
      const big = Math.random() < 0.05;
      http
        .get(
          {
            host: '127.1.27.1',
            port: 18090,
            path: big ? '/bytes/4000000' : '/small',
            agent: Math.random() < 0.5 ? agent : false,
          },
          (res) => {
            res.resume();
            res.on('end', () => (ok++, resolve()));
            res.on('error', () => (failed++, resolve()));
          },
        )
        .on('error', () => (failed++, resolve()));
    });
  }
}

const deleter = setInterval(() => {
  const pods = sim.cluster().store.peek('pods', 'soak');
  const victim = pods[Math.floor(Math.random() * pods.length)];
  if (victim) sim.cluster().remove(resourceByName.get('pods')!, 'soak', victim.metadata.name);
}, 10_000);
const workers = Array.from({ length: 8 }, () => traffic());
const rows: string[] = [
  '| minute | RSS MB | heap used MB | external MB | fds | listeners | history events | metric series | requests ok | failed |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
// Rows at fixed wall-clock minutes from the start: a busy event loop delays a row, it does not stretch the run.
const t0 = Date.now();
async function row(label: string): Promise<void> {
  const auth = { Authorization: `Bearer ${KEY}` };
  const net = (await (await fetch(`${api}/api/v1/diagnostics/network`, { headers: auth })).json()) as {
    data: { listeners: unknown[] };
  };
  const stats = (await (await fetch(`${api}/api/v1/history/stats`, { headers: auth })).json()) as {
    data: { totalEvents: number };
  };
  const prom = await (await fetch(`${api}/metrics`, { headers: auth })).text();
  const series = prom.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const gauge = (name: string): string => {
    const line = prom.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? (Number(line.split(' ')[1]) / 1e6).toFixed(1) : '?';
  };
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  rows.push(
    `| ${label} | ${rssMb(pid).toFixed(1)} | ${gauge('kubefwd_nodejs_heap_size_used_bytes')} | ${gauge('kubefwd_nodejs_external_memory_bytes')} | ${fds} | ${net.data.listeners.length} | ${stats.data.totalEvents} | ${series} | ${ok} | ${failed} |`,
  );
  process.stdout.write(`${rows.at(-1)}\n`);
}
for (let m = 1; m <= MINUTES; m++) {
  await new Promise((r) => setTimeout(r, Math.max(0, t0 + m * 60_000 - Date.now())));
  await row(String(m));
}
stop = true;
clearInterval(deleter);
await Promise.all(workers);
// Then quiet: what the daemon gives back once traffic stops (its heap trim looks every 30 s).
const quiet = Date.now();
for (const s of [30, 60, 90]) {
  await new Promise((r) => setTimeout(r, Math.max(0, quiet + s * 1000 - Date.now())));
  await row(`quiet +${s} s`);
}
await daemon.stop();
await sim.close();
rmSync(dir, { recursive: true, force: true });
const report = [
  `# kubefwd soak (${MINUTES} min, ${new Date().toISOString()})`,
  '',
  `\`npm run soak -- --minutes ${MINUTES}\`: 8 clients (half keep-alive, 5 % of requests 4 MB, the rest small) through`,
  'one forwarded service with 3 pods; a forwarded pod deleted every 10 s. Daemon figures at each wall-clock minute.',
  'History rings hold at most 1,000 events each; metric series are bounded per key. Then 90 s without traffic.',
  '',
  ...rows,
  '',
].join('\n');
writeFileSync(new URL('results/soak.md', import.meta.url), report);
process.stdout.write(`\n${report}`);
