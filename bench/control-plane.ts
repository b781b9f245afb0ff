/**
 * The REST control plane at scale, alone: `node bench/control-plane.ts [--scales 1000,10000] [--requests 200]
 * [--sse 5]`. Prints the figures as JSON on stdout (see lib/control-plane.ts); writes nothing else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlPlane } from './lib/control-plane.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-cp-bench-'));
try {
  const figures = await controlPlane({
    dir,
    apiKey: 'bench-key',
    scales: arg('scales')?.split(',').map(Number),
    requests: arg('requests') === undefined ? undefined : Number(arg('requests')),
    sseRepeats: arg('sse') === undefined ? undefined : Number(arg('sse')),
    log: (msg) => void process.stderr.write(`${msg}\n`),
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
