// esbuild plugins both bundles share: the npm package's (scripts/build-js.ts) and the standalone executable's
// (scripts/build-binary.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';

const CLIENT_NODE_DIST = '/@kubernetes/client-node/dist/';

/**
 * client-node without its generated models and API classes, as src/cluster/client-node-slim.ts's resolve hook loads
 * it from a checkout: client-node's own top-level modules get src/cluster/client-node-gen.ts for `./gen/index.js`.
 * Inside a bundle no module is resolved at run time, so the hook itself becomes a function that registers nothing.
 */
export function slimClientNodeBundle(root: string): Plugin {
  const gen = join(root, 'src', 'cluster', 'client-node-gen.ts');
  return {
    name: 'kubefwd-slim-client-node',
    setup(b) {
      b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) => {
        const at = args.importer.replaceAll('\\', '/').lastIndexOf(CLIENT_NODE_DIST);
        if (at < 0 || args.importer.slice(at + CLIENT_NODE_DIST.length).includes('/')) return undefined;
        return { path: gen };
      });
      b.onLoad({ filter: /[/\\]src[/\\]cluster[/\\]client-node-slim\.ts$/ }, () => ({
        contents: 'export function slimClientNode() { return false; }\n',
        loader: 'js',
      }));
    },
  };
}

/**
 * Gives each of our modules (the .ts files under src/) the `import.meta.url` that `urlOf` writes for its path, an
 * expression: the URL the module's file has where the bundle runs, so it finds its data files at the same relative
 * paths.
 */
export function moduleUrls(urlOf: (path: string) => string): Plugin {
  return {
    name: 'kubefwd-module-urls',
    setup(b) {
      b.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, (args) => ({
        contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', urlOf(args.path)),
        loader: 'ts',
      }));
    },
  };
}
