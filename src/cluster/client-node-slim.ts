import * as nodeModule from 'node:module';

/**
 * Loads client-node without its generated API classes and models, which the daemon does not use (its API calls are
 * plain JSON: kube-request.ts, kube-api.ts). client-node's config.js imports gen/index.js, which re-exports ~870
 * generated modules, for two of its names; watch.js and log.js import it for ApiException. A resolve hook gives
 * those three, and client-node's other top-level modules, client-node-gen.ts instead: the same names minus models and
 * API classes. Importing KubeConfig, Watch and Log then took 0.36-0.40 s of CPU instead of 1.01-1.02 s, and left
 * RSS at 85 MB instead of 135 (without the compile cache; 14 instead of 29 MB of heap after a collection).
 *
 * Only the process's own command runs with it (src/cli/main.ts); tests that load the daemon in-process get the
 * whole of client-node, and the end-to-end tests the CLI as users run it. A client-node whose top-level modules
 * need a name client-node-gen.ts lacks fails at the first import with the name (test/unit/cluster/client-node-slim.test.ts).
 * `registerHooks` is Node.js 22.15+ (release candidate): without it everything loads as before.
 */
export function slimClientNode(): boolean {
  const register = (nodeModule as { registerHooks?: typeof nodeModule.registerHooks }).registerHooks;
  if (typeof register !== 'function') return false;
  const gen = new URL(`./client-node-gen${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
    .href;
  register({
    resolve(specifier, context, next) {
      if (specifier === './gen/index.js' && isClientNodeTopLevel(context.parentURL))
        return { url: gen, format: 'module', shortCircuit: true };
      return next(specifier, context);
    },
  });
  return true;
}

/** A module directly in client-node's dist/ (not in dist/gen/, whose own imports stay as they are). */
function isClientNodeTopLevel(parentURL: string | undefined): boolean {
  if (!parentURL) return false;
  const at = parentURL.lastIndexOf('/@kubernetes/client-node/dist/');
  return at >= 0 && !parentURL.slice(at + '/@kubernetes/client-node/dist/'.length).includes('/');
}
