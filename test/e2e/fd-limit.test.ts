import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFdLimits } from '../../src/daemon/fd-limit.ts';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';

const hasPrlimit =
  process.platform === 'linux' && spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
const own = parseFdLimits(readFileSync('/proc/self/limits', 'utf8'));

let env: E2eEnv | undefined;
let cli: CliProcess | undefined;
afterEach(async () => {
  await cli?.stop('SIGTERM');
  await env?.close();
});

describe.skipIf(!hasPrlimit || !own)('the daemon and its open-file limit (needs prlimit)', () => {
  it('runs with its hard limit when started with a soft limit of 256', async () => {
    const hard = Math.min(own?.hard ?? 0, 8192);
    env = await startE2eEnv();
    cli = runCli(['-x', 'one', '-n', 'alpha', ...env.flags()], { via: ['prlimit', `--nofile=256:${hard}`] });
    await cli.waitForOutput(/web\.alpha/, 30_000);
    const limits = parseFdLimits(readFileSync(`/proc/${cli.child.pid}/limits`, 'utf8'));
    expect(limits).toEqual({ soft: hard, hard });
    expect(cli.stdout() + cli.stderr()).not.toMatch(/open-file limit/);
  });
});
