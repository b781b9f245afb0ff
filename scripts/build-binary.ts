// `npm run build:binary`: one executable file, dist/kubefwd-<os>-<arch>, that runs with no Node.js installed (for
// `sudo ./kubefwd-linux-x64 svc ...`, where sudo's PATH rarely holds a developer's Node.js). It is the Node.js 24
// pinned in devDependencies with a single-executable-application blob injected (postject, the tool the Node.js docs
// name): scripts/sea-main.ts and src/ bundled by esbuild into the one CommonJS script Node.js 24 accepts (client-node
// without its generated code, as the package has it: scripts/bundle-plugins.ts), plus the data files the modules read
// at run time (SEA_ASSETS) as assets.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { inject } from 'postject';
import { moduleUrls, slimClientNodeBundle } from './bundle-plugins.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Files (or folders, taken whole) the modules read at run time, as paths from the project root; the executable writes
 * them to the same relative places before it loads any module. Add here what a new module reads.
 */
export const SEA_ASSETS: readonly string[] = [
  'package.json',
  'openapi.yaml',
  'src/sim/fixtures',
  // What swagger-ui-express's page links to (the folder has 12 MB of other bundles and source maps).
  ...[
    'swagger-ui.css',
    'swagger-ui-bundle.js',
    'swagger-ui-standalone-preset.js',
    'favicon-16x16.png',
    'favicon-32x32.png',
  ].map((f) => `node_modules/swagger-ui-dist/${f}`),
];

/** V8 options the launcher's #! line gives the npm package (see bin/kubefwd.js for the measurements behind them). */
export const EXEC_ARGV = ['--single-threaded-gc', '--max-semi-space-size=4', '--initial-old-space-size=256'];

const MANIFEST_KEY = 'kubefwd-assets.json';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function listFiles(rel: string): string[] {
  const abs = join(root, rel);
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs).flatMap((entry) => listFiles(join(rel, entry)));
}

/** Each of our modules gets the URL it has in the extracted tree (scripts/sea-main.ts). */
const extractedUrl = (path: string): string => `__kubefwdModuleUrl(${JSON.stringify(relative(root, path))})`;

/** swagger-ui-dist serves its files from the folder they were extracted to. */
const swaggerDir: Plugin = {
  name: 'kubefwd-swagger-dir',
  setup(b) {
    b.onLoad({ filter: /swagger-ui-dist[/\\]absolute-path\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        '__dirname',
        '__kubefwdAssetDir("node_modules/swagger-ui-dist")',
      ),
      loader: 'js',
    }));
  },
};

/**
 * The terminal UI stays out of the executable: Ink and yoga-layout load with top-level await, which a CommonJS
 * bundle (what Node.js 24 runs as a single executable) cannot hold. Its two entry modules become one line saying so.
 */
const TUI_STUB = `
const refuse = (io) => {
  io.stderr.write('kubefwd: the terminal UI is not in the standalone executable; install the npm package for it\\n');
  return Promise.resolve(1);
};
export const runSvcTui = (_argv, io) => refuse(io);
export const runTuiCommand = (_argv, io) => refuse(io);
export const tuiUsage = () => 'The terminal UI is not in the standalone executable; install the npm package for it.\\n';
`;
const withoutTui: Plugin = {
  name: 'kubefwd-without-tui',
  setup(b) {
    b.onResolve({ filter: /tui[/\\](svc-tui|tui-command)\.ts$/ }, () => ({
      path: 'tui',
      namespace: 'kubefwd-stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'kubefwd-stub' }, () => ({ contents: TUI_STUB, loader: 'js' }));
  },
};

async function main(): Promise<void> {
  const work = join(root, '.tmp', 'sea');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const script = join(work, 'main.cjs');
  const result = await build({
    entryPoints: [join(root, 'scripts', 'sea-main.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [withoutTui, slimClientNodeBundle(root), moduleUrls(extractedUrl), swaggerDir],
  });
  if (result.errors.length > 0) throw new Error('bundling failed');

  const files = SEA_ASSETS.flatMap(listFiles);
  const assets: Record<string, string> = { [MANIFEST_KEY]: join(work, 'assets.json') };
  writeFileSync(assets[MANIFEST_KEY] as string, JSON.stringify(files));
  for (const rel of files) assets[rel] = join(root, rel);

  const node = join(root, 'node_modules', 'node', 'bin', 'node');
  const blob = join(work, 'sea.blob');
  const config = {
    main: script,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    useSnapshot: false,
    execArgv: EXEC_ARGV,
    // NODE_OPTIONS must not reach what will often run as root.
    execArgvExtension: 'none',
    assets,
  };
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config, null, 2));
  // The code cache is made under the flags the executable runs with: V8 rejects a cache made under other flags (one
  // of them, --initial-old-space-size, changes the flag hash), and says so on stderr at every start.
  execFileSync(node, [...EXEC_ARGV, '--experimental-sea-config', join(work, 'sea-config.json')], {
    stdio: 'inherit',
  });

  const target = join(root, 'dist', `kubefwd-${process.platform}-${process.arch}`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  // A copy, not the file itself: the pinned node binary is a hard link into npm's package store.
  copyFileSync(node, partial);
  if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', partial]);
  await inject(partial, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: SEA_FUSE,
    ...(process.platform === 'darwin' ? { machoSegmentName: 'NODE_SEA' } : {}),
  });
  if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', partial]);
  chmodSync(partial, 0o755);
  renameSync(partial, target);
  process.stdout.write(`${relative(root, target)}: ${(statSync(target).size / 1e6).toFixed(1)} MB\n`);
}

await main();
