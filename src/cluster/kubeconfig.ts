import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { KubefwdError, describeError } from '../errors.ts';
import { SharedTlsKubeConfig } from './shared-tls-kubeconfig.ts';

/** Loads the kubeconfig as kubectl would: --kubeconfig, else $KUBECONFIG, else ~/.kube/config. Fails clearly. */
export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) {
      if (!existsSync(path)) throw new KubefwdError('CONFIG_INVALID', `kubeconfig not found: ${path}`);
      kc.loadFromFile(path);
    } else if (env.KUBECONFIG) {
      const files = env.KUBECONFIG.split(process.platform === 'win32' ? ';' : ':').filter(Boolean);
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length === files.length) {
        throw new KubefwdError(
          'CONFIG_INVALID',
          `kubeconfig not found: ${files.join(', ')} (from $KUBECONFIG)`,
        );
      }
      kc.loadFromDefault();
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof KubefwdError) throw err;
    throw new KubefwdError('CONFIG_INVALID', `cannot read kubeconfig: ${describeError(err)}`, { cause: err });
  }
  if (kc.getContexts().length === 0) {
    throw new KubefwdError('CONFIG_INVALID', `no contexts in kubeconfig${path ? ` ${path}` : ''}`);
  }
  return kc;
}

/**
 * One KubeConfig per context: client-node reads the current context on every request, so switching the context of a
 * shared instance would send one cluster's credentials to another.
 */
export function kubeConfigFor(base: KubeConfig, context: string): KubeConfig {
  const ctx = base.getContextObject(context);
  if (!ctx) {
    const known = base.getContexts().map((c) => c.name);
    throw new KubefwdError(
      'CONFIG_INVALID',
      `context "${context}" not found in kubeconfig (known: ${known.join(', ')})`,
    );
  }
  const kc = new SharedTlsKubeConfig();
  kc.loadFromOptions({
    clusters: base.getClusters(),
    users: base.getUsers(),
    contexts: base.getContexts(),
    currentContext: context,
  });
  return kc;
}

/** The contexts to forward from: the requested ones in order, else the current one. */
export function resolveContexts(base: KubeConfig, requested: readonly string[]): string[] {
  const names = requested.length > 0 ? [...requested] : [base.getCurrentContext()];
  for (const name of names) {
    if (!name || !base.getContextObject(name)) {
      const known = base.getContexts().map((c) => c.name);
      throw new KubefwdError(
        'CONFIG_INVALID',
        `context "${name}" not found in kubeconfig (known: ${known.join(', ')})`,
      );
    }
  }
  return names;
}

export function defaultNamespaceOf(base: KubeConfig, context: string): string {
  return base.getContextObject(context)?.namespace ?? 'default';
}
