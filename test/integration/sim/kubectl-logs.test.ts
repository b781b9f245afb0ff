import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait-for.ts';
import { hasKubectl, startKubectlEnv, type KubectlEnv } from './kubectl-env.ts';

if (!hasKubectl) console.warn('kubectl is not installed: the kubectl log tests of the simulator are skipped');

const RFC3339_NANO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) /;

describe.skipIf(!hasKubectl)('kubectl logs against the simulator', () => {
  let k: KubectlEnv;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    k = await startKubectlEnv({
      clusters: [
        {
          name: 'k',
          objects: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
            {
              apiVersion: 'v1',
              kind: 'Pod',
              metadata: { name: 'web', namespace: 'default' },
              spec: { containers: [{ name: 'web', image: 'sim', ports: [{ containerPort: 8080 }] }] },
            },
          ],
        },
      ],
    });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await k?.close();
  });

  it('prints what the pod wrote, with recent RFC 3339 timestamps on request', async () => {
    const start = Date.now();
    const plain = await k.kubectl(['logs', 'web']);
    expect(plain.stdout).toBe('starting web (image sim) in pod default/web\nlistening (http) on :8080\n');
    const stamped = (await k.kubectl(['logs', 'web', '--timestamps', '--tail=1'])).stdout.split('\n');
    expect(stamped).toHaveLength(2);
    const at = RFC3339_NANO.exec(stamped[0] ?? '')?.[1];
    expect(at, stamped[0]).toBeDefined();
    expect(Date.parse(at as string)).toBeGreaterThan(start - 60_000);
    expect(Date.parse(at as string)).toBeLessThanOrEqual(Date.now());
    expect(stamped[0]).toMatch(/ listening \(http\) on :8080$/);
  });

  it('follows: a line the pod writes later arrives, and the stream ends when the pod goes', async () => {
    const child = spawn('kubectl', ['logs', '-f', 'web'], { env: k.env });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('listening (http) on :8080'), { timeoutMs: 10_000 });
    const port = k.sim.cluster().runtime.backendPort('default', 'web', 8080);
    const res = await fetch(`http://127.0.0.1:${port}/after-follow`);
    expect(res.status).toBe(200);
    await waitFor(() => out.includes('"GET /after-follow HTTP/1.1" 200'), {
      timeoutMs: 10_000,
      message: () => `follow output: ${out}`,
    });
    const exited = once(child, 'exit');
    expect((await k.kubectl(['delete', 'pod', 'web', '--grace-period=0', '--force'])).code).toBe(0);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});
