import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import { createSimulator, type Simulator } from '../../src/sim/index.ts';
import type { KObject } from '../../src/sim/store.ts';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startBenchDaemon } from './daemon.ts';
import { freePort, start, type Proc } from './procs.ts';
import { quantile, round } from './stats.ts';

/** Request loops running side by side, each sending its next request as soon as the last one ends. */
const LOOPS = 4;
/** Replacements become ready this long after they start (a readiness probe's delay). */
const READY_AFTER_MS = 500;
/** The old pods serve this long after deletion, then exit: the window covers their end. */
const GRACE_S = 3;
const PORT = 18090;

export interface RolloutFigures {
  requests: number;
  failed: number;
  p50_ms: number | null;
  p99_ms: number | null;
  window_s: number;
  /** The first error seen, if any. */
  first_error: string | null;
}

const fixture = () => ({
  clusters: [
    {
      name: 'roll',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'roll' } },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'roll' },
          spec: { selector: { app: 'web' }, ports: [{ port: PORT, targetPort: 8080 }] },
        },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'roll' },
          spec: {
            replicas: 3,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: {
                labels: { app: 'web' },
                annotations: { 'kubefwd.sim/ready-after-ms': String(READY_AFTER_MS) },
              },
              spec: {
                terminationGracePeriodSeconds: GRACE_S,
                containers: [{ name: 'web', image: 'sim', ports: [{ containerPort: 8080 }] }],
              },
            },
          },
        },
      ] as KObject[],
    },
  ],
});

function request(host: string, port: number): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t)
            : reject(new Error(`status ${res.statusCode}`)),
        );
        res.on('error', reject);
      })
      .on('error', reject)
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('timeout'));
      });
  });
}

/** Loops of requests until `until` resolves; latencies and failures counted from `measureFrom()` on. */
async function underLoad(host: string, port: number, during: () => Promise<void>): Promise<RolloutFigures> {
  let stop = false;
  let measuring = false;
  const times: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  const loop = async (): Promise<void> => {
    while (!stop) {
      try {
        const ms = await request(host, port);
        if (measuring) times.push(ms);
      } catch (err) {
        if (measuring) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
        // A refused connection fails at once; without a pause the loop would count thousands a second.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  const loops = Array.from({ length: LOOPS }, loop);
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const t0 = performance.now();
  await during();
  const window = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  return {
    requests: times.length + failed,
    failed,
    p50_ms: times.length ? round(quantile(times, 0.5), 2) : null,
    p99_ms: times.length ? round(quantile(times, 0.99), 2) : null,
    window_s: round(window, 1) ?? 0,
    first_error: firstError,
  };
}

/** `kubectl rollout restart`, then waits until every old pod has exited (its grace period over) and a second more. */
async function restart(sim: Simulator, kubeconfig: string): Promise<void> {
  const old = new Set(
    sim
      .cluster()
      .store.peek('pods', 'roll')
      .map((p) => p.metadata.name),
  );
  // Not spawnSync: the simulator answering kubectl runs on this thread.
  await promisify(execFile)('kubectl', ['rollout', 'restart', 'deployment/web', '-n', 'roll'], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  const deadline = Date.now() + 60_000;
  while (
    sim
      .cluster()
      .store.peek('pods', 'roll')
      .some((p) => old.has(p.metadata.name))
  ) {
    if (Date.now() > deadline) throw new Error('the old pods did not go within 60 s');
    await new Promise((r2) => setTimeout(r2, 50));
  }
  await new Promise((r2) => setTimeout(r2, 1000));
}

async function freshSim(): Promise<Simulator> {
  const sim = createSimulator({ control: false, fixture: fixture() });
  await sim.start();
  const deadline = Date.now() + 10_000;
  while (
    sim
      .cluster()
      .store.peek('pods', 'roll')
      .filter((p) => (p.status as { podIP?: string })?.podIP).length < 3
  ) {
    if (Date.now() > deadline) throw new Error('the deployment did not come up');
    await new Promise((r) => setTimeout(r, 20));
  }
  return sim;
}

/**
 * A rolling restart of a 3-replica Deployment under request loops without pause, through kubefwd and through
 * `kubectl port-forward svc/web` (each on its own simulator, the same restart): failed requests and latency over the
 * window from the restart until the old pods have exited.
 */
export async function rollingRestart(
  dir: string,
  apiKey: string,
  hasKubectl: boolean,
): Promise<{ kubefwd: RolloutFigures; kubectl: RolloutFigures | null }> {
  let sim = await freshSim();
  const own = mkdtempSync(join(dir, 'rollout-'));
  const d = await startBenchDaemon({ dir: own, sim, namespaces: ['roll'], apiKey });
  let kubefwd: RolloutFigures;
  try {
    kubefwd = await underLoad('127.1.27.1', PORT, () => restart(sim, join(own, 'kc')));
  } finally {
    await d.proc.stop();
    await sim.close();
  }
  if (!hasKubectl) return { kubefwd, kubectl: null };
  sim = await freshSim();
  const kc = join(mkdtempSync(join(dir, 'rollout-kubectl-')), 'kc');
  sim.writeKubeconfig(kc);
  const port = await freePort();
  let pf: Proc | undefined;
  try {
    pf = start('kubectl', ['port-forward', 'svc/web', `${port}:${PORT}`, '-n', 'roll'], { KUBECONFIG: kc });
    await pf.waitFor(/Forwarding from 127\.0\.0\.1/, 30_000);
    const kubectl = await underLoad('127.0.0.1', port, () => restart(sim, kc));
    return { kubefwd, kubectl };
  } finally {
    await pf?.stop();
    await sim.close();
  }
}

export function rollingRestartLines(r: Awaited<ReturnType<typeof rollingRestart>>): string[] {
  const row = (name: string, f: RolloutFigures | null): string =>
    f
      ? `| ${name} | ${f.requests} | ${f.failed} | ${f.p50_ms} | ${f.p99_ms} | ${f.window_s} | ${f.first_error ?? ''} |`
      : `| ${name} | n/a | n/a | n/a | n/a | n/a | kubectl not installed |`;
  return [
    `Rolling restart (kubectl rollout restart of 3 replicas, replacements ready after ${READY_AFTER_MS} ms, grace ${GRACE_S} s; ${LOOPS} request loops without pause; window from the restart until the old pods exited + 1 s; latency over the requests that succeeded):`,
    '',
    '| path | requests | failed | p50 ms | p99 ms | window s | first error |',
    '|---|---|---|---|---|---|---|',
    row('kubefwd', r.kubefwd),
    row('kubectl port-forward svc/web', r.kubectl),
  ];
}
