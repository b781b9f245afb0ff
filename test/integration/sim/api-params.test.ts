import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';
import { fields } from '../../../src/sim/protobuf.ts';

// What other clients than kubectl meet: query parameters read as the API server reads them, aggregated discovery,
// the OpenAPI documents, the patch types and the pod log options.
let sim: Simulator;
let base: string;
let token: string;

beforeAll(async () => {
  sim = createSimulator({
    control: false,
    tls: false,
    fixture: {
      clusters: [
        {
          name: 'p',
          objects: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'two', namespace: 'default', labels: { app: 'two' } },
              spec: {
                containers: [
                  { name: 'a', image: 'sim', ports: [{ containerPort: 8080 }] },
                  { name: 'b', image: 'sim' },
                ],
              },
            },
          ],
        },
      ],
    },
  });
  await sim.start();
  base = sim.cluster().url;
  token = [...sim.cluster().users.values()][0]!.token;
});
afterAll(async () => sim?.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}`, ...headers } });

/** The first line of a watch stream (or of any body), read without waiting for the end. */
async function firstLine(res: Response): Promise<string> {
  let text = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += Buffer.from(chunk).toString();
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}

describe('query parameters', () => {
  it.each(['true', 'True', 'TRUE', 't', '1', 'yes', ''])('watch=%s streams watch events', async (v) => {
    const res = await get(`/api/v1/namespaces/default/pods?watch=${v}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(await firstLine(res))).toMatchObject({ type: 'ADDED', object: { kind: 'Pod' } });
  });

  it.each(['false', 'False', 'FALSE', '0'])('watch=%s lists', async (v) => {
    const res = await get(`/api/v1/namespaces/default/pods?watch=${v}`);
    expect(await res.json()).toMatchObject({ kind: 'PodList' });
  });

  it('refuses a malformed integer with strconv text', async () => {
    const res = await get('/api/v1/namespaces/default/pods?timeoutSeconds=soon');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      message: 'strconv.ParseInt: parsing "soon": invalid syntax',
      reason: 'BadRequest',
    });
  });

  it('refuses an unknown fieldValidation directive', async () => {
    const res = await fetch(`${base}/api/v1/namespaces/default/pods?fieldValidation=Loose`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'sim' }] } }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });
});

describe('patches and field validation over HTTP', () => {
  const patch = (type: string, body: unknown, query = '') =>
    fetch(`${base}/api/v1/namespaces/default/pods/two${query}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': type },
      body: JSON.stringify(body),
    });

  it('applies a JSON patch, and refuses a failed test operation', async () => {
    const ok = await patch('application/json-patch+json', [
      { op: 'add', path: '/metadata/labels/tier', value: 'x' },
      { op: 'test', path: '/metadata/labels/app', value: 'two' },
    ]);
    expect(((await ok.json()) as { metadata: { labels: unknown } }).metadata.labels).toEqual({
      app: 'two',
      tier: 'x',
    });
    const failed = await patch('application/json-patch+json', [
      { op: 'test', path: '/metadata/labels/app', value: 'no' },
    ]);
    expect(failed.status).toBe(422);
  });

  it('warns by default (no fieldValidation) with a Warning header and drops the field', async () => {
    const res = await patch('application/merge-patch+json', { spec: { extra: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('warning')).toBe('299 - "unknown field \\"spec.extra\\""');
    expect(((await res.json()) as { spec: object }).spec).not.toHaveProperty('extra');
  });

  it('ignores with Ignore and refuses with Strict', async () => {
    const ignored = await patch(
      'application/merge-patch+json',
      { spec: { extra: 1 } },
      '?fieldValidation=Ignore',
    );
    expect(ignored.headers.get('warning')).toBeNull();
    const strict = await patch(
      'application/merge-patch+json',
      { spec: { extra: 1 } },
      '?fieldValidation=Strict',
    );
    expect(strict.status).toBe(422);
    expect(((await strict.json()) as { message: string }).message).toMatch(
      /^ "" is invalid: patch: Invalid value: "\{.*\}": strict decoding error: unknown field "spec.extra"$/,
    );
  });

  it('answers 415 for a patch type it does not take', async () => {
    expect((await patch('application/apply-patch+yaml', {})).status).toBe(415);
  });
});

describe('pod log options', () => {
  it('wants a container for a pod with two, and checks the options', async () => {
    const none = await get('/api/v1/namespaces/default/pods/two/log');
    expect(((await none.json()) as { message: string }).message).toBe(
      'a container name must be specified for pod two, choose one of: [a b]',
    );
    expect((await get('/api/v1/namespaces/default/pods/two/log?container=zz')).status).toBe(400);
    expect((await get('/api/v1/namespaces/default/pods/two/log?container=a&previous=true')).status).toBe(400);
    const tail = await get('/api/v1/namespaces/default/pods/two/log?container=a&tailLines=-1');
    expect(tail.status).toBe(422);
    expect(await (await get('/api/v1/namespaces/default/pods/two/log?container=a&tailLines=1')).text()).toBe(
      'listening (http) on :8080\n',
    );
    expect(await (await get('/api/v1/namespaces/default/pods/two/log?container=a&limitBytes=8')).text()).toBe(
      'starting',
    );
    expect(
      await (await get('/api/v1/namespaces/default/pods/two/log?container=a&sinceSeconds=3600')).text(),
    ).toMatch(/^starting a /);
  });
});

describe('Table output', () => {
  const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  it('renders the columns kubectl prints, for lists, single objects and watch events', async () => {
    const list = await get('/api/v1/namespaces/default/pods', { Accept: TABLE });
    expect(list.headers.get('content-type')).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    const table = (await list.json()) as {
      columnDefinitions: Array<{ name: string }>;
      rows: Array<{ cells: string[]; object: { kind: string } }>;
    };
    expect(table.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(table.rows[0]?.cells.slice(0, 4)).toEqual(['two', '2/2', 'Running', '0']);
    expect(table.rows[0]?.object.kind).toBe('PartialObjectMetadata');
    const one = (await (await get('/api/v1/namespaces/default', { Accept: TABLE })).json()) as {
      rows: unknown[];
    };
    expect(one.rows).toHaveLength(1);
    const watch = await get('/api/v1/namespaces/default/pods?watch=1', { Accept: TABLE });
    expect(JSON.parse(await firstLine(watch))).toMatchObject({ type: 'ADDED', object: { kind: 'Table' } });
    const plain = (await (await get('/api/v1/namespaces/default/pods')).json()) as { kind: string };
    expect(plain.kind).toBe('PodList');
  });
});

describe('discovery and OpenAPI', () => {
  it('answers aggregated discovery when asked, the legacy document otherwise', async () => {
    for (const v of ['v2', 'v2beta1']) {
      const res = await get('/apis', {
        Accept: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList,application/json`,
      });
      expect(res.headers.get('content-type')).toBe(
        `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`,
      );
      const body = (await res.json()) as { items: Array<{ metadata: { name: string } }> };
      expect(body.items.map((i) => i.metadata.name)).toContain('discovery.k8s.io');
    }
    const core = (await (
      await get('/api', { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })
    ).json()) as { items: Array<{ versions: Array<{ resources: Array<Record<string, unknown>> }> }> };
    const pods = core.items[0]?.versions[0]?.resources.find((r) => r.resource === 'pods');
    expect(pods).toMatchObject({ scope: 'Namespaced', shortNames: ['po'], categories: ['all'] });
    expect(await (await get('/api')).json()).toMatchObject({ kind: 'APIVersions' });
  });

  it('serves v3 per group-version with fieldValidation on every write, and v2 in protobuf', async () => {
    const index = (await (await get('/openapi/v3')).json()) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    expect(Object.keys(index.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/discovery.k8s.io/v1']));
    const doc = (await (await get(index.paths['api/v1']!.serverRelativeURL)).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string }> }>>;
    };
    const podPatch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch;
    expect(podPatch?.parameters?.map((p) => p.name)).toContain('fieldValidation');
    const proto = await get('/openapi/v2', {
      Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
    });
    const top = fields(Buffer.from(await proto.arrayBuffer()));
    expect(top.get(1)?.[0]?.toString()).toBe('2.0');
    const definitions = fields(top.get(9)![0]!)
      .get(1)!
      .map((d) => fields(d).get(1)![0]!.toString());
    expect(definitions).toEqual(
      expect.arrayContaining(['io.k8s.api.core.v1.Pod', 'io.k8s.api.apps.v1.Deployment']),
    );
  });
});
