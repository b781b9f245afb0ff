import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { createClusterClient, type ClusterClient } from '../../../src/cluster/cluster-client.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dialPortForward } from '../../../src/portforward/dial.ts';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';

let sim: Simulator | undefined;
let client: ClusterClient | undefined;
afterEach(async () => {
  await client?.close();
  await sim?.close();
});

it('port-forward dials share one parsed TLS context per set of credentials, and dial with it', async () => {
  sim = createSimulator({
    control: false,
    fixture: {
      clusters: [
        {
          name: 'c',
          objects: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'p', namespace: 'ns' },
              spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
            },
          ],
        },
      ],
    },
  });
  await sim.start();
  const base = new KubeConfig();
  base.loadFromString(sim.kubeconfigYaml());
  client = createClusterClient({ base, context: base.getCurrentContext(), index: 0, log: silentLogger() });

  const first = await client.dialOptions('ns', 'p', [8080], 'spdy');
  const second = await client.dialOptions('ns', 'p', [8080], 'spdy');
  expect(first.ca).toBeDefined();
  expect(first.secureContext).toBeDefined();
  expect(second.secureContext).toBe(first.secureContext);

  // Both dials verify the server with the shared context (a wrong one would fail the handshake) and carry a PING.
  for (const options of [first, second]) {
    const session = await dialPortForward({ ...options, pingIntervalMs: 0 });
    expect(await session.ping()).toBeGreaterThanOrEqual(0);
    session.destroy();
  }
});
