/**
 * The scale scenario alone (`node bench/scale.ts --services 10000 --contexts 2 --namespaces 100 [--idle 60]
 * [--starts 3]`): what
 * `npm run bench` measures at scale, printed as JSON without touching bench/results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scale } from './lib/scale.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    contexts: { type: 'string', default: '2' },
    namespaces: { type: 'string', default: '100' },
    idle: { type: 'string' },
    starts: { type: 'string', default: '1' },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-scale-'));
const idle = values.idle ? Number(values.idle) : undefined;
try {
  const result = await scale({
    dir,
    apiKey: 'bench-key',
    services: Number(values.services),
    contexts: Number(values.contexts),
    namespaces: Number(values.namespaces),
    idle: idle ? { seconds: idle, windowSeconds: idle } : undefined,
    extraStarts: Number(values.starts) - 1,
    log: (msg) => void process.stderr.write(`${msg}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
