import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const run = promisify(execFile);
const hasKubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);
if (!hasKubectl) console.warn('kubectl is not installed: the kubectl tests of the simulator are skipped');

let sim: Simulator;
let dir: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

const kubectl = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  run('kubectl', ['--request-timeout=10s', ...args], { env: { ...env, ...extraEnv }, timeout: 20_000 });

beforeAll(async () => {
  sim = createSimulator({
    control: false,
    fixture: {
      clusters: [
        {
          name: 'k',
          users: [
            {
              name: 'viewer',
              token: 'viewer-token',
              rules: [{ verbs: ['get', 'list'], resources: ['pods'], namespaces: ['default'] }],
            },
          ],
          objects: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
            {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name: 'api', namespace: 'default' },
              spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] },
            },
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'api-0', namespace: 'default', labels: { app: 'api' } },
              spec: { containers: [{ name: 'api', image: 'sim', ports: [{ containerPort: 8080 }] }] },
            },
          ],
        },
      ],
    },
  });
  await sim.start();
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-kubectl-'));
  sim.writeKubeconfig(join(dir, 'config'));
  env = { ...process.env, KUBECONFIG: join(dir, 'config'), HOME: dir };
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function portForward(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn('kubectl', ['port-forward', ...args], { env: { ...env, ...extraEnv } });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.skipIf(!hasKubectl)('the real kubectl against the simulator', () => {
  it('gets, creates, watches, deletes and checks access', async () => {
    const { stdout } = await kubectl(['get', 'ns,svc,pods', '-A']);
    expect(stdout).toMatch(/namespace\/default/);
    expect(stdout).toMatch(/service\/api/);
    expect(stdout).toMatch(/pod\/api-0/);
    const manifest = join(dir, 'pod.yaml');
    writeFileSync(
      manifest,
      'apiVersion: v1\nkind: Pod\nmetadata: {name: extra, labels: {app: extra}}\nspec: {containers: [{name: c, image: sim, ports: [{containerPort: 9000}]}]}\n',
    );
    expect((await kubectl(['create', '-f', manifest, '--validate=false'])).stdout).toMatch(
      /pod\/extra created/,
    );
    const watch = spawn('kubectl', ['get', 'pods', '-w', '--output-watch-events'], { env });
    children.push(watch);
    let watched = '';
    watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    await waitFor(() => watched.includes('extra'), { timeoutMs: 10_000 });
    expect((await kubectl(['delete', 'pod', 'extra', '--wait=false', '--grace-period=1'])).stdout).toMatch(
      /deleted/,
    );
    await waitFor(() => /DELETED\s+extra/.test(watched), { timeoutMs: 10_000 });
    watch.kill();
    expect((await kubectl(['auth', 'can-i', 'list', 'pods'])).stdout.trim()).toBe('yes');
    const denied = await kubectl(['--context', 'k-viewer', 'auth', 'can-i', 'delete', 'pods']).catch(
      (e: { stdout: string }) => e,
    );
    expect(denied.stdout.trim()).toBe('no');
  });

  it.each([
    ['WebSocket tunnel (default)', {}],
    ['plain SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
  ])('port-forwards over the %s with concurrent connections', async (_name, extraEnv) => {
    const port = await freePort();
    const pf = portForward(['pod/api-0', `${port}:8080`], extraEnv);
    await waitFor(() => pf.output().includes('Forwarding from 127.0.0.1'), { timeoutMs: 15_000 });
    const bodies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(`http://127.0.0.1:${port}/c${i}`).then(
          (r) => r.json() as Promise<{ pod: string; path: string }>,
        ),
      ),
    );
    bodies.forEach((b, i) => expect(b).toMatchObject({ pod: 'api-0', path: `/c${i}` }));
    pf.child.kill();
  });

  it("reports a refused pod port with kubectl's usual error", async () => {
    const port = await freePort();
    const pf = portForward(['pod/api-0', `${port}:9999`]);
    await waitFor(() => pf.output().includes('Forwarding from 127.0.0.1'), { timeoutMs: 15_000 });
    await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    await waitFor(() => pf.output().includes('connection refused'), { timeoutMs: 10_000 });
    expect(pf.output()).toMatch(/error forwarding port 9999 to pod .*connect: connection refused/);
    pf.child.kill();
  });
});
