// The main script of the standalone executable (scripts/build-binary.ts bundles it, with src/, into one CommonJS file:
// Node.js 24's single executable applications run only CommonJS and `require` only built-in modules there).
//
// The modules find their data files relative to their own URL (`new URL('../../openapi.yaml', import.meta.url)`),
// and swagger-ui-dist serves its files from its own folder on disk. The bundler rewrites each module's
// `import.meta.url` to the URL the module would have in a checkout, under a private folder where this script first
// writes the executable's assets, so the same code reads the same relative paths. The folder is made with mkdtemp
// (mode 0700, a random name; under /tmp, which is sticky, when running as root whatever TMPDIR says) and removed when
// the process exits.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getAsset } from 'node:sea';
import { pathToFileURL } from 'node:url';

declare global {
  /** The URL a module at `rel` (a path from the project root) has in the extracted tree. */
  var __kubefwdModuleUrl: (rel: string) => string;
  /** The folder `rel` (a path from the project root) has in the extracted tree. */
  var __kubefwdAssetDir: (rel: string) => string;
}

/** The asset that lists the others (paths from the project root): scripts/build-binary.ts writes it. */
const MANIFEST_KEY = 'kubefwd-assets.json';

function extractAssets(): string {
  const base = typeof process.getuid === 'function' && process.getuid() === 0 ? '/tmp' : tmpdir();
  const root = mkdtempSync(join(base, 'kubefwd-'));
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  const files = JSON.parse(getAsset(MANIFEST_KEY, 'utf8')) as string[];
  for (const rel of files) {
    const to = join(root, rel);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, new Uint8Array(getAsset(rel)));
  }
  return root;
}

// Written when a module first asks for its URL, so commands that read no file (completion, help) write nothing.
let root: string | undefined;
globalThis.__kubefwdModuleUrl = (rel) => pathToFileURL(join((root ??= extractAssets()), rel)).href;
globalThis.__kubefwdAssetDir = (rel) => join((root ??= extractAssets()), rel);

// Imported only now (not hoisted like a static import): the modules need the functions above when they first run.
import('../src/cli/main.ts')
  .then(({ runFromProcess }) => runFromProcess())
  .catch((err: unknown) => {
    process.stderr.write(`kubefwd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
