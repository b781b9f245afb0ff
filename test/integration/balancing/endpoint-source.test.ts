import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimFixture } from '../../../src/sim/fixture.ts';
import type { KObject } from '../../../src/sim/store.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const fixture: SimFixture = {
  clusters: [
    {
      name: 'src',
      users: [
        {
          name: 'limited',
          token: 'limited-token',
          rules: [
            { verbs: ['get', 'list', 'watch'], resources: ['services', 'pods', 'namespaces'] },
            { verbs: ['create', 'get'], resources: ['pods/portforward'] },
          ],
        },
      ],
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rel' } },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'rel' },
          spec: { selector: { app: 'web' }, ports: [{ port: 29095, targetPort: 8080 }] },
        },
        ...['web-a', 'web-b'].map((name): KObject => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'rel', labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
        })),
      ],
    },
  ],
};

let env: DaemonEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const served = async (e: DaemonEnv, n: number): Promise<Set<string>> => {
  const ip = e.daemon.engine?.registry.get(`web.rel.${e.daemon.engine.defaultContext()}`)?.ip ?? '';
  const out = new Set<string>();
  for (let i = 0; i < n; i++)
    out.add(
      await new Promise<string>((resolve, reject) =>
        http
          .get({ host: ip, port: 29095, agent: false }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve((JSON.parse(body) as { pod: string }).pod));
          })
          .on('error', reject),
      ),
    );
  return out;
};

const namespaceState = (e: DaemonEnv) => e.daemon.engine?.namespaces.list()[0]?.watch.state();

describe('endpoints as the source of truth', () => {
  it('an endpoint the EndpointSlice calls not ready takes no connections though its pod says Ready', async () => {
    env = await startDaemonEnv(fixture);
    const e = env;
    await waitFor(() => namespaceState(e)?.endpointSource === 'endpointslices');
    await waitFor(async () => (await served(e, 6)).size === 2);
    const core = e.sim.cluster();
    const slice = core.store
      .peek('endpointslices', 'rel')
      .find((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web') as KObject;
    const endpoints = slice.endpoints as Array<{
      targetRef: { name: string };
      conditions: Record<string, boolean>;
    }>;
    core.store.update('endpointslices', {
      ...slice,
      endpoints: endpoints.map((ep) =>
        ep.targetRef.name === 'web-a'
          ? { ...ep, conditions: { ready: false, serving: true, terminating: false } }
          : ep,
      ),
    });
    await waitFor(async () => {
      const seen = await served(e, 6);
      return seen.size === 1 && seen.has('web-b');
    });
  });

  it('without access to EndpointSlices, the pods decide and diagnostics say so', async () => {
    env = await startDaemonEnv(fixture, { contexts: ['src-limited'] });
    const e = env;
    await waitFor(() => namespaceState(e)?.endpointSlicesError);
    expect(namespaceState(e)).toMatchObject({ endpointSource: 'pods', forbidden: undefined });
    expect(namespaceState(e)?.endpointSlicesError).toMatch(/forbidden/i);
    await waitFor(async () => (await served(e, 6)).size === 2);
  });
});
