import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonEnv } from '../../helpers/daemon.ts';
import { validateResponse } from '../../helpers/openapi.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { ADMIN_KEY, call, startApiDaemon } from './fixture.ts';

let env: DaemonEnv;
let base: string;
const api = (method: string, path: string, body?: unknown) =>
  call(base, ADMIN_KEY, method, path, body === undefined ? {} : { body });

beforeAll(async () => {
  ({ env, base } = await startApiDaemon('one-limited'));
}, 30_000);
afterAll(async () => {
  await env?.close();
});

describe('answers say what the context may not read', () => {
  it('refuses a namespace the context may not list with 403 and Kubernetes reason, and keeps no watch', async () => {
    const r = await api('POST', '/api/v1/namespaces', { namespace: 'beta' });
    expect(r.status, r.text).toBe(403);
    expect(r.json.error?.code).toBe('K8S_FORBIDDEN');
    expect(r.json.error?.message).toMatch(
      /services is forbidden: User "limited" cannot list resource "services" in API group "" in the namespace "beta"/,
    );
    expect(validateResponse('/api/v1/namespaces', 'post', 403, r.json)).toEqual([]);
    const list = await api('GET', '/api/v1/namespaces');
    expect((list.json.data.namespaces as Array<{ key: string }>).map((n) => n.key)).not.toContain(
      'beta.one-limited',
    );
    // Once refused, the same namespace can be asked for again (nothing was left behind) and is refused again.
    expect((await api('POST', '/api/v1/namespaces', { namespace: 'beta' })).status).toBe(403);
  });

  it('refuses a single service of such a namespace the same way', async () => {
    const r = await api('POST', '/api/v1/services', { namespace: 'beta', service_name: 'web' });
    expect(r.status, r.text).toBe(403);
    expect(r.json.error?.code).toBe('K8S_FORBIDDEN');
    expect(r.json.error?.message).toMatch(/User "limited" cannot get resource "services"/);
  });

  it('adds a namespace it may read with the services it found and nothing denied', async () => {
    const r = await api('POST', '/api/v1/namespaces', { namespace: 'alpha' });
    expect(r.status, r.text).toBe(201);
    expect(r.json.data).toMatchObject({
      key: 'alpha.one-limited',
      synced: true,
      services: ['web.alpha.one-limited'],
      denied: [],
    });
    expect(validateResponse('/api/v1/namespaces', 'post', 201, r.json)).toEqual([]);
  });

  it('adds a namespace it may read but not forward from, listing the denied port-forward', async () => {
    const r = await api('POST', '/api/v1/namespaces', { namespace: 'gamma' });
    expect(r.status, r.text).toBe(201);
    expect(r.json.data.services).toEqual(['web.gamma.one-limited']);
    expect(r.json.data.denied).toEqual([
      expect.objectContaining({
        context: 'one-limited',
        namespace: 'gamma',
        verb: 'create',
        resource: 'pods/portforward',
        reason: expect.stringContaining('gamma') as string,
      }),
    ]);
    expect(validateResponse('/api/v1/namespaces', 'post', 201, r.json)).toEqual([]);
  });

  it('lists forwarded services with an explicit empty denial list when every watch can read', async () => {
    const r = await api('GET', '/api/v1/services');
    expect(r.status).toBe(200);
    expect(r.json.data.denied).toEqual([]);
    expect(validateResponse('/api/v1/services', 'get', 200, r.json)).toEqual([]);
  });

  it('names a watched namespace in the services list once Kubernetes stops letting it be read', async () => {
    const core = env.sim.cluster('one');
    const limited = [...core.users.values()].find((u) => u.name === 'limited');
    if (!limited) throw new Error('no limited user');
    limited.rules = limited.rules.map((rule) => ({
      ...rule,
      namespaces: rule.namespaces?.filter((n) => n !== 'gamma'),
    }));
    core.store.closeWatches();
    const r = await waitFor(
      async () => {
        const answer = await api('GET', '/api/v1/services');
        const denied = answer.json.data.denied as Array<{ reason: string }>;
        return denied.some((d) => d.reason.includes('cannot list')) ? answer : undefined;
      },
      { timeoutMs: 15_000 },
    );
    // Which of the namespace's watches failed last (services, pods, ...) decides the denial's verb and resource, and
    // may differ between two reads: both lists are held to the same description, not to each other.
    const deniedGamma = [
      {
        context: 'one-limited',
        namespace: 'gamma',
        verb: expect.stringMatching(/^(list|watch)$/) as string,
        resource: expect.stringMatching(/^(services|pods|endpointslices)$/) as string,
        reason: expect.stringContaining('User "limited" cannot') as string,
      },
    ];
    expect(r.json.data.denied).toEqual(deniedGamma);
    // What can still be read is still listed.
    expect((r.json.data.services as Array<{ key: string }>).map((s) => s.key)).toContain(
      'web.alpha.one-limited',
    );
    expect(validateResponse('/api/v1/services', 'get', 200, r.json)).toEqual([]);
    const forwards = await api('GET', '/api/v1/forwards');
    expect(forwards.json.data.denied).toEqual(deniedGamma);
    expect(validateResponse('/api/v1/forwards', 'get', 200, forwards.json)).toEqual([]);
  });
});

describe('pod logs as text', () => {
  const path = '/api/v1/kubernetes/pods/alpha/web-0/logs';

  it('downloads text/plain as an attachment with Accept: text/plain or format=text', async () => {
    const json = await api('GET', `${path}?tail_lines=2`);
    expect(json.status).toBe(200);
    const lines = json.json.data.logs as string[];
    expect(lines).toHaveLength(2);
    for (const r of [
      await call(base, ADMIN_KEY, 'GET', `${path}?tail_lines=2`, { headers: { Accept: 'text/plain' } }),
      await call(base, ADMIN_KEY, 'GET', `${path}?tail_lines=2&format=text`),
      await call(base, ADMIN_KEY, 'GET', `${path}?tail_lines=2&format=text&container=web`, {
        headers: { Accept: 'application/json' },
      }),
    ]) {
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(r.headers.get('content-disposition')).toMatch(
        /^attachment; filename="?alpha_web-0(_web)?\.log"?$/,
      );
      expect(r.text).toBe(`${lines.join('\n')}\n`);
      expect(r.headers.get('x-ratelimit-limit')).not.toBeNull();
    }
    expect(
      (await call(base, ADMIN_KEY, 'GET', `${path}?format=pdf`, { headers: { Accept: 'text/plain' } })).json
        .error?.code,
    ).toBe('BAD_REQUEST');
  });

  it('answers a refusal in the envelope even when text was asked for', async () => {
    const r = await call(base, ADMIN_KEY, 'GET', '/api/v1/kubernetes/pods/beta/web-0/logs?format=text');
    expect(r.status).toBe(403);
    expect(r.json.error?.code).toBe('K8S_FORBIDDEN');
    expect(r.json.error?.message).toMatch(/cannot get resource "pods" subresource "log"/);
  });
});
