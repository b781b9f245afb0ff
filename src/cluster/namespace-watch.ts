import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import type { ClusterClient } from './cluster-client.ts';
import { fromKubeError, isForbidden } from './kube-errors.ts';
import { createReflector, type Reflector, type ReflectorEvent } from './reflector.ts';

export type NamespaceChange =
  | { kind: 'service'; type: ReflectorEvent; service: V1Service }
  | { kind: 'pod'; type: ReflectorEvent; pod: V1Pod };

export interface NamespaceWatchState {
  synced: boolean;
  /** Set while Kubernetes refuses to let us read services or pods here. */
  forbidden: string | undefined;
  lastError: string | undefined;
  listCalls: number;
  /** The cached services or pods may lag the cluster (not listed yet, or their watch is failing). */
  stale: boolean;
}

export interface NamespaceWatch {
  readonly context: string;
  readonly namespace: string;
  start(): void;
  close(): Promise<void>;
  /** Resolves once services and pods are listed (or rejects on a permission error, without stopping retries). */
  readonly synced: Promise<void>;
  services(): V1Service[];
  service(name: string): V1Service | undefined;
  pods(): V1Pod[];
  state(): NamespaceWatchState;
}

/**
 * Watches the services (filtered by the user's selectors) and pods of one namespace with one list+watch each: the
 * number of API requests grows with namespaces, never with services.
 */
export function createNamespaceWatch(options: {
  client: ClusterClient;
  namespace: string;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  log: Logger;
  onChange: (change: NamespaceChange) => void;
}): NamespaceWatch {
  const { client, namespace, log, onChange } = options;
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}`;
  let forbidden: string | undefined;
  let lastError: string | undefined;
  let rejectSynced: ((err: unknown) => void) | undefined;

  const onError = (err: unknown): void => {
    const translated = fromKubeError(err, `watching namespace "${namespace}" in context "${client.context}"`);
    lastError = translated.message;
    if (isForbidden(err)) {
      if (!forbidden) log.warn({ context: client.context, namespace }, translated.message);
      forbidden = translated.message;
      rejectSynced?.(translated);
    }
  };

  const services: Reflector<V1Service> = createReflector<V1Service>({
    kc: client.kc,
    path: `${base}/services`,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
    list: () =>
      client.core.listNamespacedService({
        namespace,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
      }),
    onEvent: (type, service) => {
      forbidden = undefined;
      onChange({ kind: 'service', type, service });
    },
    onError,
    log,
  });
  const pods: Reflector<V1Pod> = createReflector<V1Pod>({
    kc: client.kc,
    path: `${base}/pods`,
    list: () => client.core.listNamespacedPod({ namespace }),
    onEvent: (type, pod) => onChange({ kind: 'pod', type, pod }),
    onError,
    log,
  });

  const synced = new Promise<void>((resolve, reject) => {
    rejectSynced = reject;
    Promise.all([services.synced, pods.synced]).then(() => {
      forbidden = undefined;
      resolve();
    }, reject);
  });
  synced.catch(() => undefined);

  return {
    context: client.context,
    namespace,
    start() {
      services.start();
      pods.start();
    },
    async close() {
      await Promise.all([services.close(), pods.close()]);
    },
    synced,
    services: () => services.items(),
    service: (name) => services.get(name),
    pods: () => pods.items(),
    state: () => ({
      synced: services.isSynced && pods.isSynced,
      forbidden,
      lastError,
      listCalls: services.listCount + pods.listCount,
      stale: services.stale || pods.stale,
    }),
  };
}
