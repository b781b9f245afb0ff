#!/usr/bin/env node
// Launcher. The sources are TypeScript with erasable syntax only, run directly by a Node.js that strips types
// (22.18+). When the Node.js on PATH cannot, re-run with the Node.js 24 pinned in this package's devDependencies
// so `npx kubefwd` works whatever the machine's Node.js is. Only this file and src/cli/main.ts's caller exit.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');

if (process.features.typescript) {
  const { runFromProcess } = await import(entry);
  await runFromProcess();
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    process.stderr.write(
      `kubefwd: Node.js ${process.version} cannot run TypeScript sources; install Node.js >= 22.19 or run 'npm ci' first\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGKILL' ? 137 : 1)));
}
