import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimFixture } from '../../../src/sim/fixture.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const fixture: SimFixture = {
  clusters: [
    {
      name: 'stale',
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rel' } },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'one', namespace: 'rel' },
          spec: { selector: { app: 'one' }, ports: [{ port: 28180, targetPort: 8080 }] },
        },
      ],
    },
  ],
};

let env: DaemonEnv;
beforeAll(async () => {
  env = await startDaemonEnv(fixture);
});
afterAll(async () => env?.close());

const stale = (): boolean => env.daemon.engine!.namespaces.list().some((n) => n.watch.state().stale);

describe("the API's `stale` flag (meta.stale on answers from the daemon's cache)", () => {
  it('is false once synced, true while the API server is away, false again once a list or a watch event (a bookmark at least) arrives', async () => {
    expect(stale()).toBe(false);
    const c = env.sim.cluster();
    c.store.closeWatches();
    await c.stopServer();
    try {
      await waitFor(stale, {
        timeoutMs: 10_000,
        message: 'stale never became true while the API server was down',
      });
    } finally {
      await c.start();
    }
    await waitFor(() => !stale(), {
      timeoutMs: 40_000,
      message: 'stale stayed true after the API server came back',
    });
  });
});
