import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBEFWD_BIN } from '../helpers/cli.ts';
import { startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const hasUnshare = spawnSync('unshare', ['--version']).status === 0;
const canNamespace =
  isRoot && hasUnshare && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
if (!canNamespace)
  console.warn(
    `privileged e2e skipped: ${!isRoot ? 'not root' : !hasUnshare ? 'unshare missing' : 'cannot create a mount namespace'}`,
  );

let env: E2eEnv;
beforeAll(async () => {
  if (canNamespace) env = await startE2eEnv();
});
afterAll(async () => env?.close());

describe.skipIf(!canNamespace)('as root, with /etc/hosts bind-mounted in a private mount namespace', () => {
  it('resolves our names with getent and serves a real curl; the in-place write path keeps the file intact', async () => {
    const fake = join(env.dir, 'etc-hosts');
    writeFileSync(fake, '127.0.0.1 localhost\n::1 localhost\n');
    const script = join(env.dir, 'inside.sh');
    // Everything below runs in the child's own mount namespace: the machine's /etc/hosts is never touched.
    writeFileSync(
      script,
      `set -eu
mount --bind "${fake}" /etc/hosts
"${process.execPath}" "${KUBEFWD_BIN}" svc -n alpha -x one -c "${env.kubeconfig}" --hosts-path /etc/hosts --state-dir "${env.stateDir}" --log-format json > "${env.dir}/out.log" 2>&1 &
pid=$!
for i in $(seq 1 200); do grep -q "Forwarding" "${env.dir}/out.log" && break; sleep 0.1; done
getent hosts web.alpha.svc.cluster.local
curl -s --max-time 5 http://web.alpha:8080/from-curl
echo
kill -TERM $pid
wait $pid || true
cat /etc/hosts
`,
    );
    const { stdout } = await run('unshare', ['-m', '--propagation', 'private', 'sh', script], {
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^127\.1\.27\.1\s.*\sweb\.alpha\.svc\.cluster\.local\s/m);
    expect(stdout).toMatch(/"path":"\/from-curl"/);
    expect(stdout.trim().endsWith('127.0.0.1 localhost\n::1 localhost'.trim())).toBe(true);
    // The bind mount forced the in-place path: the fake file is intact and ours are gone.
    expect(spawnSync('cat', [fake]).stdout.toString()).toBe('127.0.0.1 localhost\n::1 localhost\n');
  });
});
