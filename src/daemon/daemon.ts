import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { createClusterClient, type ClusterClient } from '../cluster/cluster-client.ts';
import { defaultNamespaceOf, loadKubeConfig, resolveContexts } from '../cluster/kubeconfig.ts';
import { fromKubeError } from '../cluster/kube-errors.ts';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { createEventBus, type EventBus } from './bus.ts';
import type { DaemonConfig } from './config.ts';
import { createNamespaceManager, type NamespaceManager } from './namespace-manager.ts';
import { createServiceRegistry, type ServiceRegistry } from './service-registry.ts';
import { createEngine, type Engine } from './engine.ts';

export interface DaemonDeps {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Overrides for tests: a ready KubeConfig instead of loading one. */
  kubeConfig?: KubeConfig;
}

export interface StartSummary {
  /** One line per forward: hostnames → IP:port → pod. */
  forwards: string[];
  text: string;
}

export interface Daemon {
  start(signal?: AbortSignal): Promise<StartSummary>;
  close(): Promise<void>;
  /** Second-signal path: remove our hosts entries synchronously. */
  emergencyCleanup(): void;
  readonly bus: EventBus;
  readonly engine: Engine | undefined;
}

const REACH_TIMEOUT_MS = 10_000;

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KubefwdError('TIMEOUT', message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The composition root: loads the kubeconfig, checks every context before anything is touched, then builds the
 * engine (hosts, allocator, forwarder, watches, metrics, API) and starts it.
 */
export function createDaemon(config: DaemonConfig, deps: DaemonDeps): Daemon {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const bus = createEventBus({
    now,
    onListenerError: (err) => log.error({ err: describeError(err) }, 'event listener failed'),
  });
  let engine: Engine | undefined;
  let closing: Promise<void> | undefined;

  return {
    bus,
    get engine() {
      return engine;
    },
    async start(signal) {
      const base = deps.kubeConfig ?? loadKubeConfig(config.kubeconfig, deps.env);
      const contexts = resolveContexts(base, config.contexts);
      const clients = new Map<string, ClusterClient>();
      contexts.forEach((context, index) =>
        clients.set(context, createClusterClient({ base, context, index, log })),
      );
      if (!config.idle) {
        await Promise.all(
          [...clients.values()].map((c) =>
            withTimeout(
              c.serverVersion(),
              REACH_TIMEOUT_MS,
              `cannot reach the API server of context "${c.context}" (${c.server}): timed out`,
            ).catch((err: unknown) => {
              const e =
                err instanceof KubefwdError
                  ? err
                  : fromKubeError(err, `cannot reach the API server of context "${c.context}"`);
              throw e;
            }),
          ),
        );
      }
      if (signal?.aborted) throw new KubefwdError('SHUTTING_DOWN', 'interrupted while starting');
      mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
      engine = createEngine({
        config,
        log,
        bus,
        now,
        base,
        clients,
        statePath: join(config.stateDir, 'ips.json'),
      });
      await engine.start(signal);
      return engine.summary();
    },
    close() {
      closing ??= (async () => {
        if (engine) await engine.close();
      })();
      return closing;
    },
    emergencyCleanup() {
      engine?.emergencyCleanup();
    },
  };
}

export type { NamespaceManager, ServiceRegistry };
export { defaultNamespaceOf };
