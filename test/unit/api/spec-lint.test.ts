import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = (name: string): string => join(ROOT, 'node_modules', '.bin', name);
const tmp = mkdtempSync(join(tmpdir(), 'kubefwd-spec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('openapi.yaml as the one contract', () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const { stdout } = await run(BIN('redocly'), ['lint', 'openapi.yaml', '--format=json'], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; message: string }>;
    };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('has its generated TypeScript types up to date (npm run gen:api)', async () => {
    const out = join(tmp, 'openapi-types.ts');
    await run(BIN('openapi-typescript'), ['openapi.yaml', '--empty-objects-unknown', '-o', out], {
      cwd: ROOT,
    });
    expect(readFileSync(join(ROOT, 'src/contract/openapi-types.ts'), 'utf8')).toBe(readFileSync(out, 'utf8'));
  });
});
