import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { SPEC } from '../helpers/openapi.ts';

const run = promisify(execFile);
const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (c) => spawnSync(c, ['--version']).status === 0,
);
const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!chromium) console.warn('no chromium: the /docs rendering test is skipped (.ci/run installs it)');
if (!promtool)
  console.warn('no promtool: the metrics format test is skipped (.ci/run installs Debian prometheus)');

let env: E2eEnv;
let cli: CliProcess;
let base: string;
beforeAll(async () => {
  env = await startE2eEnv();
  cli = runCli(['-x', 'one', '-n', 'alpha', '--api', '--api-addr', '127.2.27.1:0', ...env.flags()], {
    env: { KUBEFWD_API_KEY: 'k' },
  });
  base = (await cli.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
});
afterAll(async () => {
  await cli?.stop();
  await env?.close();
});

describe('with external tools', () => {
  it.skipIf(!chromium)('renders /docs in headless Chromium with every operation listed', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'kubefwd-chromium-'));
    try {
      const { stdout } = await run(
        chromium as string,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          `--user-data-dir=${profile}`,
          '--virtual-time-budget=15000',
          '--dump-dom',
          `${base}/docs/`,
        ],
        { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      );
      const ids = Object.values(SPEC.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
      const missing = ids.filter((id) => !stdout.includes(`operations-`) || !stdout.includes(id));
      expect(stdout).toContain('kubefwd REST API');
      expect(missing).toEqual([]);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it.skipIf(!promtool)(
    'serves Prometheus text that promtool accepts, every name prefixed kubefwd_',
    async () => {
      await fetch(`${base}/api/v1/services`, { headers: { Authorization: 'Bearer k' } });
      const text = await (await fetch(`${base}/metrics`, { headers: { Authorization: 'Bearer k' } })).text();
      const names = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
      expect(names.size).toBeGreaterThan(5);
      for (const n of names) expect(n).toMatch(/^kubefwd_/);
      expect(text).toMatch(
        /kubefwd_api_requests_total\{method="GET",route="\/api\/v1\/services",status="200"\}/,
      );
      const file = join(env.dir, 'metrics.txt');
      writeFileSync(file, text);
      const res = spawnSync('sh', ['-c', `promtool check metrics < "${file}"`]);
      expect(res.status, res.stderr.toString() + res.stdout.toString()).toBe(0);
    },
  );
});
