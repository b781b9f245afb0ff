import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { WEB_DIST } from './paths.ts';

const ENTRY = fileURLToPath(new URL('./app/main.ts', import.meta.url));

export interface BuiltFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}

const ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2563eb"/>' +
  '<path d="M4 8h8M9 5l3 3-3 3" stroke="#fff" stroke-width="1.6" fill="none"/></svg>\n';

const page = (js: string, css: string, icon: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>kubefwd</title>
<link rel="icon" href="/assets/${icon}" type="image/svg+xml">
<link rel="stylesheet" href="/assets/${css}">
<script type="module" src="/assets/${js}"></script>
</head>
<body>
<noscript>The kubefwd console needs JavaScript. The API and its documentation are at <a href="/docs/">/docs/</a>.</noscript>
<div id="app"></div>
</body>
</html>
`;

const hashOf = (data: string | Buffer): string =>
  createHash('sha256').update(data).digest('hex').slice(0, 12);

/**
 * Bundles the console (TypeScript, uPlot, styles) into content-hashed files under `outDir/assets` and writes
 * `outDir/index.html` naming them, so the daemon can let browsers cache every asset forever and the page never.
 * Built beside the target and renamed over it, so a running daemon never serves half a build.
 */
export async function buildWeb(options: { outDir?: string; minify?: boolean } = {}): Promise<BuiltFile[]> {
  const outDir = options.outDir ?? WEB_DIST;
  const staging = `${outDir.replace(/\/+$/, '')}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const assets = join(staging, 'assets');
  mkdirSync(assets, { recursive: true });
  const result = await build({
    entryPoints: { app: ENTRY },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox121', 'safari17'],
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: 'eof',
    entryNames: '[name]-[hash]',
    outdir: assets,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((n) => n.endsWith('.js'));
  const css = outputs.find((n) => n.endsWith('.css'));
  if (!js || !css) throw new Error(`web build produced ${outputs.join(', ')}: expected one .js and one .css`);
  const icon = `icon-${hashOf(ICON)}.svg`;
  writeFileSync(join(assets, icon), ICON);
  writeFileSync(join(staging, 'index.html'), page(js, css, icon));
  rmSync(outDir, { recursive: true, force: true });
  renameSync(staging, outDir);
  return [
    'index.html',
    ...readdirSync(join(outDir, 'assets'))
      .sort()
      .map((n) => `assets/${n}`),
  ].map((name) => {
    const data = readFileSync(join(outDir, name));
    return { name, bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = await buildWeb({ outDir: process.argv[2] });
  // Sizes go to stderr: `npm pack --json` runs this through prepack, and its stdout must stay JSON.
  const say = (line: string): boolean => process.stderr.write(`${line}\n`);
  for (const f of files) say(`${f.name.padEnd(34)} ${String(f.bytes).padStart(8)} B  gzip ${f.gzipBytes} B`);
  const sum = (k: 'bytes' | 'gzipBytes'): number => files.reduce((n, f) => n + f[k], 0);
  say(`${'total'.padEnd(34)} ${String(sum('bytes')).padStart(8)} B  gzip ${sum('gzipBytes')} B`);
}
