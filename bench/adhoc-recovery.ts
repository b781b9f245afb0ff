/**
 * How long an ad-hoc forward (what POST /api/v1/portforwards and `kubefwd port-forward` create) takes to answer from
 * another pod after the one it used is deleted: a service with a second ready pod (failover) and a deployment with
 * one replica (the replacement has to start). `node bench/adhoc-recovery.ts [rounds]`; prints p50 and max.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { fileURLToPath } from 'node:url';
import { createAdhocManager } from '../src/adhoc/adhoc-manager.ts';
import type { TargetKind } from '../src/adhoc/target-spec.ts';
import { createClusterClient } from '../src/cluster/cluster-client.ts';
import { createPodDialer } from '../src/forwarder/pod-dialer.ts';
import { createPodSessions } from '../src/forwarder/pod-sessions.ts';
import { createTransportChooser } from '../src/forwarder/transport-chooser.ts';
import { silentLogger } from '../src/log/logger.ts';
import { loadFixture } from '../src/sim/fixture.ts';
import { createSimulator } from '../src/sim/index.ts';
import { resourceByName, type ResourceDef } from '../src/sim/resources.ts';
import { podAt } from '../test/helpers/probe.ts';
import { median, round } from './lib/stats.ts';

const rounds = Number(process.argv[2] ?? 10);
const fixture = loadFixture(fileURLToPath(new URL('../test/fixtures/portforward.yaml', import.meta.url)));
const sim = createSimulator({ fixture, control: false, bookmarkIntervalMs: 200 });
await sim.start();
const kc = new KubeConfig();
kc.loadFromString(sim.kubeconfigYaml());
const log = silentLogger();
const client = createClusterClient({ base: kc, context: 'pf', index: 0, log });
const sessions = createPodSessions({ log, dial: createPodDialer(() => client, createTransportChooser()) });
const manager = createAdhocManager({
  client: () => client,
  defaultContext: () => 'pf',
  defaultNamespace: () => 'apps',
  sessions,
  log,
  publish: () => undefined,
});
const pods = resourceByName.get('pods') as ResourceDef;
const targets: Array<[TargetKind, string, number]> = [
  ['service', 'web', 80],
  ['deployment', 'api', 8081],
];
for (const [kind, name, remote] of targets) {
  const f = await manager.create({ target: { kind, name }, port: { local: 0, remote } });
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const first = await podAt(f.localPort);
    const t = performance.now();
    sim.cluster().remove(pods, 'apps', first);
    for (;;) {
      const pod = await podAt(f.localPort).catch(() => undefined);
      if (pod && pod !== first) break;
    }
    times.push(performance.now() - t);
  }
  console.log(
    `${kind}/${name}: answered from another pod after p50 ${round(median(times), 1)} ms, max ${round(Math.max(...times), 1)} ms (${rounds} deletions)`,
  );
}
await manager.closeAll();
await sessions.closeAll();
await sim.close();
