import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimFixture } from '../../../src/sim/fixture.ts';
import type { DaemonEvent } from '../../../src/daemon/bus.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { deletePodNow } from '../../helpers/delete-pod.ts';
import { waitFor } from '../../helpers/wait-for.ts';

/** 60 services behind one pod: deleting it changes every service of the namespace at once. */
const SERVICES = 60;
const fixture: SimFixture = {
  clusters: [
    {
      name: 'large',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rel' } },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'shared-0', namespace: 'rel', labels: { app: 'shared' } },
          spec: { containers: [{ name: 'web', image: 'sim', ports: [{ containerPort: 8080 }] }] },
        },
        ...Array.from({ length: SERVICES }, (_, i) => ({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: `s${i}`, namespace: 'rel' },
          // A port no other test forwards: tests of several files run at once on the same loopback IPs.
          spec: { selector: { app: 'shared' }, ports: [{ port: 28291, targetPort: 8080 }] },
        })),
      ],
    },
  ],
};

let env: DaemonEnv;
beforeAll(async () => {
  env = await startDaemonEnv(fixture);
});
afterAll(async () => env?.close());

describe('a change that touches every service of a namespace', () => {
  it('is applied over several turns of the event loop, so events and API answers go out while it runs, and reaches every service', async () => {
    const registry = env.daemon.engine!.registry;
    const withPod = (): number => registry.list().filter((r) => r.pods.length > 0).length;
    await waitFor(() => registry.list().length === SERVICES && withPod() === SERVICES, {
      timeoutMs: 20_000,
      message: `not every one of ${SERVICES} services had its pod`,
    });
    let removed = 0;
    // How many services had published their pod.removed when the loop first turned after the first one.
    let atFirstTurn: number | undefined;
    const off = env.daemon.bus.subscribe((e: DaemonEvent) => {
      if (e.type !== 'pod.removed') return;
      if (removed++ === 0) setImmediate(() => (atFirstTurn = removed));
    });
    try {
      await deletePodNow(env.sim, 'rel', 'shared-0');
      await waitFor(() => removed === SERVICES && withPod() === 0, {
        timeoutMs: 20_000,
        message: `pod.removed for ${removed} of ${SERVICES} services`,
      });
    } finally {
      off();
    }
    expect(atFirstTurn).toBeGreaterThan(0);
    expect(atFirstTurn).toBeLessThan(SERVICES);
  });
});
