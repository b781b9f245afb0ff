// `npm run build:js` (run by `npm run build`, which `npm pack` runs through `prepack`): bundles src/ into dist/ with
// esbuild, then copies the files the modules read beside themselves at run time (the simulator's fixtures).
//
// A bundle, not a module per source file: loading the `svc` command's ~620 modules (122 of ours, 452 CommonJS files of
// its dependencies, each resolved, read and compiled on its own) cost a start 0.90-0.95 s; the bundle's chunks
// 0.3-0.45 s. Commands stay lazy: every `import()` of src/ is a chunk of its own (code splitting), loaded when the
// command runs. Left to Node.js to resolve from node_modules at run time: the native bufferutil; swagger-ui, which
// serves its files from its own folder; pino-pretty, required by name when the output is a terminal; and the terminal
// UI's Ink, React and yoga-layout, which load with top-level await.
//
// Modules find their data files relative to their own URL (`new URL('../../openapi.yaml', import.meta.url)`): each
// module's `import.meta.url` becomes the URL its file would have in dist/ (dist/api/app.js for src/api/app.ts), where
// the copied assets are. Every output file sits one folder below dist/ (dist/cli/main.js, dist/chunks/…), so one
// relative path from it serves the module whichever file holds it.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { moduleUrls, slimClientNodeBundle } from './bundle-plugins.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
/** dist/, or the folder named by the first argument (the benchmarks build a package of their own: bench/lib/package-build.ts). */
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');

/** What the package's modules load from node_modules at run time (see above). */
const RUNTIME_EXTERNAL = [
  'bufferutil',
  'swagger-ui-express',
  'swagger-ui-dist',
  'pino-pretty',
  'ink',
  'react',
  'yoga-layout',
];

/** Everything in dist/ but the standalone executables (`npm run build:binary`), which take longer to remake. */
function clean(): void {
  mkdirSync(dist, { recursive: true });
  for (const entry of readdirSync(dist)) {
    if (!entry.startsWith('kubefwd-')) rmSync(join(dist, entry), { recursive: true, force: true });
  }
}

/** Each module's URL in dist/, one folder below which every output file is. */
const distUrl = (path: string): string => {
  const inDist = relative(src, path).replace(/\.ts$/, '.js').replaceAll('\\', '/');
  return `new URL(${JSON.stringify(`../${inDist}`)}, import.meta.url).href`;
};

async function bundle(): Promise<void> {
  const result = await build({
    entryPoints: [join(src, 'cli', 'main.ts')],
    outdir: dist,
    entryNames: 'cli/[name]',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // engines.node's lowest
    target: 'node22.19',
    external: RUNTIME_EXTERNAL,
    // CommonJS dependencies inside an ES module still call `require` for Node.js's built-in modules.
    banner: {
      js: "import { createRequire as __kubefwdCreateRequire } from 'node:module'; const require = __kubefwdCreateRequire(import.meta.url);",
    },
    plugins: [slimClientNodeBundle(root), moduleUrls(distUrl)],
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error('bundling failed');
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
await bundle();
copyAssets();
