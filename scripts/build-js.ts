// `npm run build:js` (run by `npm run build`, which `npm pack` runs through `prepack`): compiles src/ into dist/ with
// tsc, relative `.ts` imports rewritten to `.js` (rewriteRelativeImportExtensions, tsconfig.build.json), then copies
// the files the modules read beside themselves at run time (the simulator's fixtures). Not a bundle: every module and
// dependency stays where Node.js resolves it, so what the package runs is what the tests run, file for file, and
// dependencies that find their files on disk (swagger-ui-dist through __dirname) keep working.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

/** Everything in dist/ but the standalone executables (`npm run build:binary`), which take longer to remake. */
function clean(): void {
  mkdirSync(dist, { recursive: true });
  for (const entry of readdirSync(dist)) {
    if (!entry.startsWith('kubefwd-')) rmSync(join(dist, entry), { recursive: true, force: true });
  }
}

function compile(): void {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

/** Non-TypeScript files under src/ (fixtures, and whatever else a module reads through import.meta.url). */
function copyAssets(): void {
  cpSync(src, dist, {
    recursive: true,
    filter: (from) => {
      const rel = relative(src, from);
      return !rel.endsWith('.ts') && !rel.split('/').includes('__tests__');
    },
  });
}

clean();
compile();
copyAssets();
