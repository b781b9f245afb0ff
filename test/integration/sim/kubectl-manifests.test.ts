import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasKubectl, startKubectlEnv, type KubectlEnv } from './kubectl-env.ts';

// The real kubectl with its default flags (validation Strict, client-side apply) against the simulator: it reads the
// OpenAPI documents, leaves field validation to the server, and patches with a three-way strategic merge patch.
if (!hasKubectl)
  console.warn('kubectl is not installed: the kubectl manifest tests of the simulator are skipped');

const NS = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } };

const pod = (name: string, container: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${name}}}
spec:
  containers:
  - name: c
    image: sim
    ports: [{containerPort: 8080}]
${container}`;

describe.skipIf(!hasKubectl)('kubectl create and apply with default flags', () => {
  let k: KubectlEnv;
  beforeAll(async () => {
    k = await startKubectlEnv({ clusters: [{ name: 'k', objects: [NS] }] });
  });
  afterAll(async () => k?.close());

  const podJson = async (name: string) =>
    JSON.parse((await k.kubectl(['get', 'pod', name, '-o', 'json'])).stdout) as {
      metadata: { annotations?: Record<string, string> };
      spec: { containers: Array<Record<string, unknown> & { env?: Array<{ name: string; value: string }> }> };
    };

  it('creates, and refuses an unknown field with the API server text', async () => {
    const ok = await k.kubectl(['create', '-f', k.manifest('ok.yaml', pod('made', ''))]);
    expect(ok).toMatchObject({ code: 0, stdout: 'pod/made created\n' });

    const bad = k.manifest('bad.yaml', pod('bad', '    foo: 1\n'));
    const refused = await k.kubectl(['create', '-f', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `Error from server (BadRequest): error when creating "${bad}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].foo"`,
    );
    expect((await k.kubectl(['get', 'pod', 'bad'])).code).toBe(1);

    // A value of the wrong type fails decoding whatever the validation directive.
    const typed = k.manifest('typed.yaml', pod('typed', '    env: [{name: A, value: 1}]\n'));
    const wrongType = await k.kubectl(['create', '-f', typed, '--validate=false']);
    expect(wrongType.stderr.trim()).toBe(
      `Error from server (BadRequest): error when creating "${typed}": Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string`,
    );
  });

  it('warns about an unknown field with --validate=warn and stores the object without it', async () => {
    const warned = await k.kubectl([
      'create',
      '-f',
      k.manifest('warn.yaml', pod('warned', '    foo: 1\n')),
      '--validate=warn',
    ]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('Warning: unknown field "spec.containers[0].foo"');
    expect((await podJson('warned')).spec.containers[0]).not.toHaveProperty('foo');
  });

  it('applies, applies a changed manifest, and leaves an unchanged one alone', async () => {
    const file = k.manifest(
      'apply.yaml',
      pod('applied', '    env: [{name: A, value: "1"}, {name: B, value: "b"}]\n'),
    );
    expect((await k.kubectl(['apply', '-f', file])).stdout).toBe('pod/applied created\n');
    const first = await podJson('applied');
    expect(first.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"value":"1"',
    );

    // A changed value, a removed list item and a new container: the three-way patch merges containers by name and
    // env by name, deletes B with a $patch directive and orders with $setElementOrder.
    k.manifest(
      'apply.yaml',
      pod('applied', '    env: [{name: A, value: "2"}]\n  - name: side\n    image: sim\n'),
    );
    expect((await k.kubectl(['apply', '-f', file])).stdout).toBe('pod/applied configured\n');
    const second = await podJson('applied');
    expect(second.spec.containers.map((c) => c.name)).toEqual(['c', 'side']);
    expect(second.spec.containers[0]?.env).toEqual([{ name: 'A', value: '2' }]);
    expect(second.spec.containers[0]?.ports).toEqual([{ containerPort: 8080 }]);
    expect((await k.kubectl(['apply', '-f', file])).stdout).toBe('pod/applied unchanged\n');
  });

  it('refuses an unknown field in a patch as an invalid patch, and warns with --validate=warn', async () => {
    const file = k.manifest('patched.yaml', pod('patched', ''));
    await k.kubectl(['apply', '-f', file]);
    k.manifest('patched.yaml', pod('patched', '    bar: 1\n'));
    const refused = await k.kubectl(['apply', '-f', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /^The request is invalid: patch: Invalid value: "map\[metadata:map\[annotations:map\[kubectl.kubernetes.io\/last-applied-configuration:.*\]\] spec:map\[\$setElementOrder\/containers:\[map\[name:c\]\] containers:\[map\[bar:1 name:c\]\]\]\]": strict decoding error: unknown field "spec.containers\[0\].bar"$/s,
    );
    const warned = await k.kubectl(['apply', '-f', file, '--validate=warn']);
    expect(warned).toMatchObject({ code: 0, stdout: 'pod/patched configured\n' });
    expect(warned.stderr).toContain('Warning: unknown field "spec.containers[0].bar"');
  });

  it('answers --dry-run=server without storing anything', async () => {
    const file = k.manifest('dry.yaml', pod('dry', ''));
    expect((await k.kubectl(['apply', '-f', file, '--dry-run=server'])).stdout).toBe(
      'pod/dry created (server dry run)\n',
    );
    expect((await k.kubectl(['get', 'pod', 'dry'])).code).toBe(1);
    await k.kubectl(['apply', '-f', file]);
    expect((await k.kubectl(['delete', 'pod', 'dry', '--dry-run=server'])).stdout).toBe(
      'pod "dry" deleted (server dry run)\n',
    );
    expect((await k.kubectl(['get', 'pod', 'dry'])).code).toBe(0);
  });

  it('applies a Deployment (apps/v1 from RESOURCES and the schema table), re-applies it, and validates it', async () => {
    const deploy = (replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers: [{name: c, image: sim${extra}}]
`;
    const file = k.manifest('deploy.yaml', deploy(1));
    expect((await k.kubectl(['apply', '-f', file])).stdout).toBe('deployment.apps/d created\n');
    k.manifest('deploy.yaml', deploy(3));
    expect((await k.kubectl(['apply', '-f', file])).stdout).toBe('deployment.apps/d configured\n');
    const got = JSON.parse((await k.kubectl(['get', 'deploy', 'd', '-o', 'json'])).stdout) as {
      spec: { replicas: number };
    };
    expect(got.spec.replicas).toBe(3);
    expect((await k.kubectl(['get', 'deploy', 'd'])).stdout).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/,
    );
    k.manifest('deploy.yaml', deploy(3, ', bogus: 1'));
    const refused = await k.kubectl(['apply', '-f', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unknown field "spec.template.spec.containers[0].bogus"');
  });

  it('applies a service and merges its ports by port', async () => {
    const svc = (ports: string) =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: s}\n  ports: ${ports}\n`;
    const file = k.manifest('svc.yaml', svc('[{name: a, port: 80, targetPort: 8080}]'));
    expect((await k.kubectl(['apply', '-f', file])).stdout).toBe('service/s created\n');
    k.manifest('svc.yaml', svc('[{name: a, port: 80, targetPort: 9090}, {name: b, port: 81}]'));
    expect((await k.kubectl(['apply', '-f', file])).stdout).toBe('service/s configured\n');
    const got = JSON.parse((await k.kubectl(['get', 'svc', 's', '-o', 'json'])).stdout) as {
      spec: { ports: unknown[] };
    };
    expect(got.spec.ports).toEqual([
      { name: 'a', port: 80, targetPort: 9090 },
      { name: 'b', port: 81 },
    ]);
  });
});

// kubectl 1.27 and 1.28 read the OpenAPI v2 document in protobuf before anything else; 1.29+ read v3 (JSON).
describe.skipIf(!hasKubectl).each(['1.27', '1.28', '1.30', '1.33'])('kubectl %s', (version) => {
  let k: KubectlEnv;
  beforeAll(async () => {
    k = await startKubectlEnv({ clusters: [{ name: 'k', objects: [NS] }] }, version);
  });
  afterAll(async () => k?.close());

  it('creates with its default validation and refuses an unknown field', async () => {
    expect((await k.kubectl(['apply', '-f', k.manifest('ok.yaml', pod('ok', ''))])).stdout).toBe(
      'pod/ok created\n',
    );
    const refused = await k.kubectl(['create', '-f', k.manifest('bad.yaml', pod('bad', '    foo: 1\n'))]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('strict decoding error: unknown field "spec.containers[0].foo"');
  });
});
