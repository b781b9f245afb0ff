import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliToEnd } from '../helpers/cli.ts';
import { ORIGINAL_HOSTS, startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { deletePodNow } from '../helpers/delete-pod.ts';
import { anotherPodAt, podAt, refused } from '../helpers/probe.ts';
import { waitFor } from '../helpers/wait-for.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/portforward.yaml', import.meta.url));
let env: E2eEnv;

beforeAll(async () => {
  env = await startE2eEnv(FIXTURE);
});
afterAll(async () => {
  await env?.close();
});

describe('kubefwd port-forward', () => {
  it('prints its local port, forwards, follows a pod replacement and exits cleanly on SIGINT', async () => {
    const cli = runCli(['port-forward', 'svc/web', ':80', '-n', 'apps', '--kubeconfig', env.kubeconfig]);
    try {
      const [, port] = await cli.waitForOutput(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080\n/, 30_000);
      const local = Number(port);
      const first = await podAt(local);
      expect(first).toMatch(/^web-/);
      await deletePodNow(env.sim, 'apps', first);
      const next = await anotherPodAt(local, first);
      await cli.waitForOutput(new RegExp(`Pod ${first} is gone: forwarding to pod ${next}\\n`));
      expect(await cli.stop('SIGINT')).toBe(0);
      expect(cli.stderr()).toBe('');
      expect(await refused(local)).toBe(true);
      // Standalone: no hosts file touched, no API, no state.
      expect(env.hosts()).toBe(ORIGINAL_HOSTS);
    } finally {
      await cli.stop('SIGKILL');
    }
  });

  it('forwards several ports of a deployment on the addresses asked for, one local port for all of them', async () => {
    const cli = runCli([
      'port-forward',
      'deploy/api',
      ':api',
      '0:8081',
      '--address',
      '127.0.0.1,127.0.0.2',
      '-n',
      'apps',
      '--kubeconfig',
      env.kubeconfig,
    ]);
    try {
      await waitFor(() => (cli.stdout().match(/Forwarding from /g) ?? []).length === 4, {
        timeoutMs: 30_000,
        message: () => cli.stdout() + cli.stderr(),
      });
      const lines = [...cli.stdout().matchAll(/Forwarding from (127\.0\.0\.[12]):(\d+) -> 8081/g)];
      expect(lines.map((m) => m[1]).sort()).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2']);
      // The port picked for :api on the first address is taken on the second, as kubectl does.
      expect(lines[0]?.[2]).toBe(lines[1]?.[2]);
      expect(lines[2]?.[2]).toBe(lines[3]?.[2]);
      for (const [, host, port] of lines) expect(await podAt(Number(port), host)).toMatch(/^api-/);
      expect(await cli.stop('SIGINT')).toBe(0);
    } finally {
      await cli.stop('SIGKILL');
    }
  });

  it('takes --address localhost as kubectl does: 127.0.0.1, and ::1 where the machine has it', async () => {
    const probe = net.createServer();
    const hasV6 = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(0, '::1', () => resolve(true));
    });
    probe.close();
    const cli = runCli([
      'port-forward',
      'pod/solo',
      ':http',
      '--address',
      'localhost',
      '-n',
      'apps',
      '--kubeconfig',
      env.kubeconfig,
    ]);
    try {
      const [, port] = await cli.waitForOutput(/Forwarding from 127\.0\.0\.1:(\d+) -> 9000\n/, 30_000);
      expect(await podAt(Number(port))).toBe('solo');
      if (hasV6) {
        await cli.waitForOutput(new RegExp(`Forwarding from \\[::1\\]:${port} -> 9000\n`));
        expect(await podAt(Number(port), '::1')).toBe('solo');
      }
      expect(await cli.stop('SIGINT')).toBe(0);
      expect(cli.stdout().match(/Forwarding from /g)).toHaveLength(hasV6 ? 2 : 1);
    } finally {
      await cli.stop('SIGKILL');
    }
  });

  it('refuses bad targets, ports and a taken port with one clear line and exit 1', async () => {
    const holder = net.createServer();
    holder.listen(0, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const taken = (holder.address() as net.AddressInfo).port;
    const cluster = ['-n', 'apps', '--kubeconfig', env.kubeconfig];
    const cases: Array<[string[], RegExp]> = [
      [['job/x', '80'], /^kubefwd: invalid target "job\/x": expected pod\/NAME, svc\/NAME/],
      [['svc/web'], /^kubefwd: port-forward needs TYPE\/NAME and at least one \[LOCAL:\]REMOTE port/],
      [['svc/web', '8080:x:y'], /^kubefwd: invalid port "8080:x:y"/],
      [['svc/web', '99999'], /^kubefwd: invalid remote port "99999": out of range/],
      [['svc/web', '81', ...cluster], /^kubefwd: service web has no port 81 \(it has http \(80\)\)/],
      [
        ['svc/nope', '80', ...cluster],
        /^kubefwd: reading service\/nope in namespace "apps".*services "nope" not found/,
      ],
      [['pod/solo', ':nope', ...cluster], /^kubefwd: no pod of pod\/solo has a port named "nope"/],
      [['svc/web', '--bogus'], /^kubefwd: unknown flag: --bogus/],
      [
        ['svc/web', `${taken}:80`, ...cluster],
        new RegExp(`^kubefwd: 127\\.0\\.0\\.1:${taken} is already in use by pid ${process.pid} \\(`),
      ],
    ];
    try {
      for (const [args, message] of cases) {
        const r = await runCliToEnd(['port-forward', ...args], { timeoutMs: 30_000 });
        expect({ args, code: r.code, stdout: r.stdout }).toEqual({
          args,
          code: 1,
          stdout: expect.not.stringContaining('Forwarding from') as unknown,
        });
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      }
    } finally {
      holder.close();
    }
  });
});
