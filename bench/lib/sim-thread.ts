/**
 * `npm run bench -- --sim-thread`: the simulated cluster of the data-plane figures on a thread of its own instead of
 * the load generator's, as the API server and the kubelet are other machines in a real cluster. The pod's server
 * stays with the load generator, so the direct path is the same in both arrangements; the simulator reaches it through
 * `kubefwd.sim/target-<port>`. It shows how much of the distance to the direct path is the simulator's share of the
 * two cores (results in bench/results/sim-thread.{json,md}).
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { SimFixture } from '../../src/sim/fixture.ts';
import type { Simulator } from '../../src/sim/index.ts';

/** How a raw client reaches a simulator's first cluster. */
export interface SimEndpoint {
  url: string;
  token: string;
  ca: string | undefined;
}

export interface SimThread extends SimEndpoint {
  close(): Promise<void>;
}

export function endpointOf(sim: Simulator): SimEndpoint {
  const cluster = sim.cluster();
  return { url: cluster.url, token: [...cluster.users.values()][0]?.token ?? '', ca: cluster.tls?.caPem };
}

/** Starts the simulator on a worker thread; it has written `kubeconfig` when this resolves. */
export async function startSimThread(fixture: SimFixture, kubeconfig: string): Promise<SimThread> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { fixture, kubeconfig } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = await new Promise<SimEndpoint>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`simulator thread exited with ${code} before it served`)));
  });
  return {
    ...ready,
    async close() {
      worker.postMessage('close');
      await exited;
    },
  };
}

async function serve(): Promise<void> {
  const { createSimulator } = await import('../../src/sim/index.ts');
  const { fixture, kubeconfig } = workerData as { fixture: SimFixture; kubeconfig: string };
  const sim = createSimulator({ control: false, fixture });
  await sim.start();
  sim.writeKubeconfig(kubeconfig);
  parentPort?.once('message', () => void sim.close().then(() => parentPort?.close()));
  parentPort?.postMessage(endpointOf(sim));
}

if (!isMainThread && (workerData as { kubeconfig?: string } | undefined)?.kubeconfig) await serve();
