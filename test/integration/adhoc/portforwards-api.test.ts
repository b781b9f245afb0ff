import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  createKubefwdClient,
  type DaemonEventMessage,
  type KubefwdClient,
} from '../../../src/client/index.ts';
import type { AdhocAudit } from '../../../src/adhoc/adhoc-manager.ts';
import { loadFixture } from '../../../src/sim/fixture.ts';
import { resourceByName, type ResourceDef } from '../../../src/sim/resources.ts';
import { startDaemonEnv, type DaemonEnv } from '../../helpers/daemon.ts';
import { deletePodNow } from '../../helpers/delete-pod.ts';
import { validateResponse } from '../../helpers/openapi.ts';
import { anotherPodAt, podAt, refused } from '../../helpers/probe.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { freePort, listenOn } from '../forwarder/fixture.ts';

const FIXTURE = loadFixture(fileURLToPath(new URL('../../fixtures/portforward.yaml', import.meta.url)));
const KEY = 'adhoc-key';
const PODS = resourceByName.get('pods') as ResourceDef;

let env: DaemonEnv;
let client: KubefwdClient;
let base: string;
const events: DaemonEventMessage[] = [];
const audit: Array<Parameters<AdhocAudit['record']>[0]> = [];
let follower: ReturnType<KubefwdClient['events']>;

const create = (body: Record<string, unknown>) =>
  client.call(client.api.POST('/api/v1/portforwards', { body }));
const remove = (id: string) =>
  client.call(client.api.DELETE('/api/v1/portforwards/{id}', { params: { path: { id } } }));
const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as ApiError,
  );
const eventsOf = (type: string, id: string) => events.filter((e) => e.type === type && e.data.id === id);

beforeAll(async () => {
  env = await startDaemonEnv(
    FIXTURE,
    {
      namespaces: [],
      idle: true,
      api: true,
      apiKey: KEY,
      apiAddr: { host: '127.0.0.1', port: 0 },
    },
    { audit: { record: (entry) => audit.push(entry) } },
  );
  base = /API: (http:\/\/127\.0\.0\.1:\d+)\//.exec(env.summary.text)?.[1] as string;
  client = createKubefwdClient({ baseUrl: base, apiKey: KEY });
  follower = client.events({
    types: ['portforward.added', 'portforward.removed', 'portforward.error'],
    onEvent: (e) => events.push(e),
  });
  await follower.opened;
});
afterAll(async () => {
  follower?.close();
  await env?.close();
});

describe('ad-hoc port-forwards over the API', () => {
  it("takes k13d's {namespace, pod, localPort, podPort} as is and answers through that port", async () => {
    const localPort = await freePort('127.0.0.1');
    const res = await client.api.POST('/api/v1/portforwards', {
      body: { namespace: 'apps', pod: 'solo', localPort, podPort: 9000 },
    });
    expect(res.response.status).toBe(201);
    expect(validateResponse('/api/v1/portforwards', 'post', 201, res.data)).toEqual([]);
    const pf = res.data?.data;
    expect(pf).toMatchObject({
      target: 'pod/solo',
      localAddress: '127.0.0.1',
      localPort,
      podPort: 9000,
      pod: 'solo',
      expiresAt: null,
    });
    expect(pf?.id).toMatch(/^pf-[0-9a-f]{8}$/);
    expect(await podAt(localPort)).toBe('solo');
    await waitFor(() => eventsOf('portforward.added', pf?.id ?? '').length === 1);
    const listed = await client.api.GET('/api/v1/portforwards');
    expect(validateResponse('/api/v1/portforwards', 'get', 200, listed.data)).toEqual([]);
    expect(listed.data?.data.portforwards.map((f) => f.id)).toEqual([pf?.id]);
    const one = await client.api.GET('/api/v1/portforwards/{id}', { params: { path: { id: pf?.id ?? '' } } });
    expect(validateResponse('/api/v1/portforwards/{id}', 'get', 200, one.data)).toEqual([]);
    const network = await client.call(client.api.GET('/api/v1/diagnostics/network'));
    expect(network.listeners).toContainEqual({
      key: pf?.id,
      address: `127.0.0.1:${localPort}`,
      status: 'active',
    });
    expect(one.data?.data).toMatchObject({
      id: pf?.id,
      connectionsTotal: 1,
      bytesOut: expect.any(Number) as unknown,
    });
    await remove(pf?.id ?? '');
  });

  it("takes kubectl's shape: svc/NAME with :PORT gets a free local port and survives the pod's replacement", async () => {
    const pf = await create({ target: 'svc/web', namespace: 'apps', port: ':80' });
    expect(pf.localPort).toBeGreaterThan(0);
    expect(pf.podPort).toBe(8080);
    const first = await podAt(pf.localPort);
    expect(first).toMatch(/^web-/);
    await deletePodNow(env.sim, 'apps', first);
    const next = await anotherPodAt(pf.localPort, first);
    expect(next).toMatch(/^web-/);
    const got = await client.call(
      client.api.GET('/api/v1/portforwards/{id}', { params: { path: { id: pf.id } } }),
    );
    expect(got.pod).toBe(next);
    await remove(pf.id);
  });

  it('follows a deployment (named container port) and a statefulset (matchExpressions) through their pods', async () => {
    const dep = await create({ deployment: 'api', namespace: 'apps', port: ':api', ttl: '10m' });
    expect(dep).toMatchObject({ target: 'deployment/api', podPort: 8081, remotePort: 'api' });
    expect(Date.parse(dep.expiresAt ?? '')).toBeGreaterThan(Date.now() + 9 * 60_000);
    const first = await podAt(dep.localPort);
    await deletePodNow(env.sim, 'apps', first);
    const next = await anotherPodAt(dep.localPort, first);
    expect(next).toMatch(/^api-/);
    const sts = await create({ target: 'sts/db', namespace: 'apps', port: ':5432' });
    expect(sts).toMatchObject({ pod: 'db-0', podPort: 5432 });
    await Promise.all([remove(dep.id), remove(sts.id)]);
  });

  it('reports the end of a pod it forwards to and carries on when the pod comes back under its name', async () => {
    const pf = await create({ target: 'pod/solo', namespace: 'apps', port: ':http' });
    expect(await podAt(pf.localPort)).toBe('solo');
    const core = env.sim.cluster();
    const gone = core.store.get('pods', 'apps', 'solo');
    await deletePodNow(env.sim, 'apps', 'solo');
    const error = await waitFor(() => eventsOf('portforward.error', pf.id)[0], { timeoutMs: 10_000 });
    expect(error.data.message).toMatch(/pod solo is gone/);
    expect(
      await client.call(client.api.GET('/api/v1/portforwards/{id}', { params: { path: { id: pf.id } } })),
    ).toMatchObject({ pod: null, status: 'pending' });
    core.create(PODS, {
      metadata: { name: 'solo', namespace: 'apps', labels: gone?.metadata.labels },
      spec: gone?.spec,
    });
    expect(await waitFor(() => podAt(pf.localPort).catch(() => undefined), { timeoutMs: 10_000 })).toBe(
      'solo',
    );
    await remove(pf.id);
  });

  it('DELETE stops it: the port is closed, the forward is gone and portforward.removed says why', async () => {
    const pf = await create({ target: 'svc/web', namespace: 'apps', port: ':http' });
    const res = await client.api.DELETE('/api/v1/portforwards/{id}', { params: { path: { id: pf.id } } });
    expect(validateResponse('/api/v1/portforwards/{id}', 'delete', 200, res.data)).toEqual([]);
    expect(await refused(pf.localPort)).toBe(true);
    const notFound = await failure(
      client.call(client.api.GET('/api/v1/portforwards/{id}', { params: { path: { id: pf.id } } })),
    );
    expect(notFound.code).toBe('NOT_FOUND');
    const removed = await waitFor(() => eventsOf('portforward.removed', pf.id)[0]);
    expect(removed.data.reason).toBe('deleted');
    expect(audit.filter((a) => a.resource === `portforward/${pf.id}`)).toMatchObject([
      {
        actor: 'kubefwd',
        action: 'portforward.create',
        details: { target: 'service/web', namespace: 'apps' },
      },
      { actor: 'kubefwd', action: 'portforward.delete', details: { reason: 'deleted' } },
    ]);
  });

  it('stops a forward once unused for its TTL, not while a connection is open', async () => {
    const ttlMs = 600;
    const pf = await create({ target: 'svc/web', namespace: 'apps', port: ':80', ttl: `${ttlMs}ms` });
    const held = net.connect({ host: '127.0.0.1', port: pf.localPort });
    await new Promise((r) => held.once('connect', r));
    // Watched for three TTLs with the connection open (an observation window, not a synchronisation): no expiry.
    const openUntil = Date.now() + 3 * ttlMs;
    await waitFor(() => Date.now() > openUntil, { timeoutMs: 5 * ttlMs });
    expect(eventsOf('portforward.removed', pf.id)).toEqual([]);
    const closedAt = Date.now();
    held.destroy();
    const removed = await waitFor(() => eventsOf('portforward.removed', pf.id)[0], { timeoutMs: 10 * ttlMs });
    expect(removed.data.reason).toBe('ttl');
    expect(audit.filter((a) => a.resource === `portforward/${pf.id}`).map((a) => a.action)).toEqual([
      'portforward.create',
      'portforward.expire',
    ]);
    expect(Date.parse(removed.timestamp) - closedAt).toBeGreaterThanOrEqual(ttlMs - 50);
    expect(await refused(pf.localPort)).toBe(true);
  });

  it('answers 409 naming who holds a taken port: another port-forward, or another program', async () => {
    const pf = await create({ target: 'svc/web', namespace: 'apps', port: ':80' });
    const clash = await failure(
      create({ target: 'pod/solo', namespace: 'apps', port: `${pf.localPort}:9000` }),
    );
    expect(clash.status).toBe(409);
    expect(clash.code).toBe('PORT_IN_USE');
    expect(clash.message).toBe(
      `127.0.0.1:${pf.localPort} is already in use by port-forward ${pf.id} (service/web in apps.pf)`,
    );
    const other = net.createServer();
    const port = await listenOn(other);
    try {
      const taken = await failure(create({ pod: 'solo', namespace: 'apps', localPort: port, podPort: 9000 }));
      expect(taken.code).toBe('PORT_IN_USE');
      // The daemon runs inside this test's process here, so the holder is found as itself.
      expect(taken.message).toBe(`127.0.0.1:${port} is already in use by this kubefwd (pid ${process.pid})`);
    } finally {
      other.close();
      await remove(pf.id);
    }
  });

  it('refuses bad requests with one clear line and a stable code', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ namespace: 'apps', port: '80' }, 'BAD_REQUEST', /give a target/],
      [{ target: 'job/x', port: '80' }, 'BAD_REQUEST', /invalid target "job\/x"/],
      [{ target: 'svc/web', namespace: 'apps' }, 'BAD_REQUEST', /give a port/],
      [{ target: 'svc/web', port: '8080:0' }, 'BAD_REQUEST', /invalid remote port "0"/],
      [{ target: 'svc/web', port: 'a:b:c' }, 'BAD_REQUEST', /expected \[LOCAL:\]REMOTE/],
      [{ pod: 'solo', podPort: 70000 }, 'BAD_REQUEST', /podPort must be an integer/],
      [
        { target: 'svc/web', namespace: 'apps', port: '81' },
        'BAD_REQUEST',
        /service web has no port 81 \(it has http \(80\)\)/,
      ],
      [
        { target: 'pod/solo', namespace: 'apps', port: ':nope' },
        'BAD_REQUEST',
        /no pod of pod\/solo has a port named "nope"/,
      ],
      [{ target: 'svc/web', namespace: 'apps', port: ':80', ttl: 'soon' }, 'BAD_REQUEST', /invalid ttl/],
      [
        { target: 'svc/web', namespace: 'apps', port: ':80', address: '10.1.2.3' },
        'FORBIDDEN',
        /not a loopback address/,
      ],
      [{ target: 'svc/nope', namespace: 'apps', port: ':80' }, 'K8S_NOT_FOUND', /services "nope" not found/],
      [
        { target: 'deploy/nope', namespace: 'apps', port: ':80' },
        'K8S_NOT_FOUND',
        /deployments.* "nope" not found/,
      ],
    ];
    for (const [body, code, message] of cases) {
      const err = await failure(create(body));
      expect({ body, code: err.code }).toEqual({ body, code });
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('\n');
    }
    expect((await client.call(client.api.GET('/api/v1/portforwards'))).portforwards).toEqual([]);
  });
});
