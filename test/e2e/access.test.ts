import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createKubefwdClient } from '../../src/client/index.ts';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';

const run = promisify(execFile);
const ADMIN = 'access-e2e-admin-key';
const READ = 'access-e2e-read-key-0123';
const OPS = 'access-e2e-ops-key-0123456789';
let env: E2eEnv;
let cli: CliProcess;
let base: string;

beforeAll(async () => {
  env = await startE2eEnv();
  mkdirSync(env.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(env.stateDir, 'api-keys.yaml'),
    `keys:\n  - {name: ops, key: ${OPS}, scope: control}\n`,
    {
      mode: 0o600,
    },
  );
  cli = runCli(['--api-addr', '127.2.27.1:0', '--api-rate-limit', '500/1m', ...env.flags()], {
    env: { KUBEFWD_API_KEY: ADMIN, KUBEFWD_API_READ_KEY: READ },
  });
  base = (await cli.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
});
afterAll(async () => {
  await cli?.stop('SIGTERM');
  await env?.close();
});

describe('keys, limits, audit and text logs through the CLI', () => {
  it('gives each key its scope, counts each against --api-rate-limit, and records who changed what', async () => {
    const reader = createKubefwdClient({ baseUrl: base, apiKey: READ });
    const ops = createKubefwdClient({ baseUrl: base, apiKey: OPS });
    const admin = createKubefwdClient({ baseUrl: base, apiKey: ADMIN });

    const listed = await reader.api.GET('/api/v1/services');
    expect(listed.response.status).toBe(200);
    expect(listed.response.headers.get('x-ratelimit-limit')).toBe('500');
    expect(listed.response.headers.get('ratelimit-policy')).toMatch(/^"kubefwd"; q=500; w=60; /);
    const refused = await reader
      .call(reader.api.POST('/api/v1/namespaces', { body: { namespace: 'beta' } }))
      .catch((e: unknown) => e);
    expect((refused as ApiError).code).toBe('FORBIDDEN');
    expect((refused as ApiError).message).toMatch(/needs scope control/);

    const added = await ops.call(ops.api.POST('/api/v1/namespaces', { body: { namespace: 'beta' } }));
    expect(added.services).toEqual(expect.arrayContaining(['db.beta.one']));
    expect(added.denied).toEqual([]);

    const audit = await admin.call(admin.api.GET('/api/v1/audit', { params: { query: { user: 'ops' } } }));
    expect(audit.total).toBe(1);
    expect(audit.items[0]).toMatchObject({
      actor: 'ops',
      action: 'addNamespace',
      resource: 'namespace/beta',
      outcome: 'success',
    });
    const file = readFileSync(join(env.stateDir, 'audit.jsonl'), 'utf8');
    for (const key of [ADMIN, READ, OPS]) expect(file).not.toContain(key);
  });

  it('downloads pod logs as a text file with curl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubefwd-logs-'));
    try {
      await run(
        'curl',
        [
          '-sfOJ',
          '-H',
          `Authorization: Bearer ${READ}`,
          `${base}/api/v1/kubernetes/pods/beta/db-0/logs?tail_lines=1&format=text`,
        ],
        { cwd: dir },
      );
      const text = readFileSync(join(dir, 'beta_db-0.log'), 'utf8');
      // The pod's log: its container's start line, then one per port it listens on; the newest line only.
      expect(text).toBe('listening (http) on :5432\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
