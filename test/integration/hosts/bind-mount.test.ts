import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHosts } from '../../../src/hosts/hosts-text.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/hosts/in-namespace.ts', import.meta.url));
const ORIGINAL = '127.0.0.1 localhost\n# container hosts\n10.0.0.7 db.corp';

const isRoot = process.getuid?.() === 0;
const hasUnshare = spawnSync('unshare', ['--version']).status === 0;
const canRun = isRoot && hasUnshare && spawnSync('unshare', ['-m', 'true']).status === 0;
if (!canRun)
  console.log(
    `skipping the bind-mount test: ${!isRoot ? 'not root' : !hasUnshare ? 'unshare is missing' : 'unshare -m is not permitted here'}`,
  );

const dir = mkdtempSync(join(tmpdir(), 'kubefwd-bind-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a bind-mounted hosts file (rename gives EBUSY)', () => {
  it.skipIf(!canRun)('is written in place inside a private mount namespace, and restored on close', () => {
    const source = join(dir, 'real-hosts');
    const target = join(dir, 'etc', 'hosts');
    writeFileSync(source, ORIGINAL);
    mkdirSync(join(dir, 'etc'));
    writeFileSync(target, 'placeholder, hidden by the bind mount\n');
    // Everything below runs in the child's own mount namespace; the mount vanishes with it.
    const result = spawnSync(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$1" "$2" && exec "$3" "$4" "$2"',
        'sh',
        source,
        target,
        process.execPath,
        FIXTURE,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      during: string;
      after: string;
      status: { writes: number; inPlaceWrites: number; lastError?: string };
    };
    expect(parseHosts(report.during).filter((l) => l.ip.startsWith('127.1.27.'))).toHaveLength(50);
    expect(report.during.startsWith(`${ORIGINAL}\n`)).toBe(true);
    expect(report.status.writes).toBeGreaterThan(0);
    expect(report.status.inPlaceWrites).toBe(report.status.writes);
    expect(report.status.lastError).toBeUndefined();
    expect(report.after).toBe(ORIGINAL);
    // The bind mount wrote through to the real file, which is byte-identical again; the placeholder was never touched.
    expect(readFileSync(source, 'utf8')).toBe(ORIGINAL);
    expect(readFileSync(target, 'utf8')).toBe('placeholder, hidden by the bind mount\n');
  });
});
