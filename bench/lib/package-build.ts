import { copyFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The daemon as the npm package runs it: src/ bundled by scripts/build-js.ts (what `npm pack` runs) into a package
 * folder of the benchmarks' own under .tmp/, with a copy of bin/kubefwd.js, which runs dist/ there as it does once
 * installed (no sources beside it), and links to package.json and openapi.yaml. Its modules find their dependencies
 * in the checkout's node_modules, the folder above, as an installed package finds its own. Returns the launcher.
 */
export function packagedLauncher(root: string): string {
  const dir = join(root, '.tmp', 'bench-package');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  execFileSync(process.execPath, [join(root, 'scripts', 'build-js.ts'), join(dir, 'dist')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  copyFileSync(join(root, 'bin', 'kubefwd.js'), join(dir, 'bin', 'kubefwd.js'));
  for (const file of ['package.json', 'openapi.yaml']) symlinkSync(join(root, file), join(dir, file));
  return join(dir, 'bin', 'kubefwd.js');
}
