/**
 * The rolling-restart scenario on its own (it is part of `npm run bench` too): `node bench/rolling-restart.ts`.
 * Writes bench/results/rolling-restart.{json,md}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandWorks } from './lib/procs.ts';
import { rollingRestart, rollingRestartLines } from './lib/rolling-restart.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-rollout-'));
const hasKubectl = commandWorks('kubectl', 'version', '--client');

try {
  const result = await rollingRestart(dir, 'bench-key', hasKubectl);
  const md = [
    `# Rolling restart (${new Date().toISOString()}, Node.js ${process.version})`,
    '',
    ...rollingRestartLines(result),
  ].join('\n');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'rolling-restart.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  writeFileSync(join(root, 'bench', 'results', 'rolling-restart.md'), `${md}\n`);
  process.stdout.write(`${md}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
