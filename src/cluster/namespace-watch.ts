import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import type { ClusterClient } from './cluster-client.ts';
import { fromKubeError, isForbidden } from './kube-errors.ts';
import { listJson } from './list-json.ts';
import { createReflector, type Reflector, type ReflectorEvent } from './reflector.ts';

export type NamespaceChange =
  | { kind: 'service'; type: ReflectorEvent; service: V1Service }
  | { kind: 'pod'; type: ReflectorEvent; pod: V1Pod }
  | { kind: 'slice'; type: ReflectorEvent; slice: V1EndpointSlice };

/**
 * Where readiness comes from: the Service's EndpointSlices (as kube-proxy), or the pods' own conditions while slices
 * are not listed yet or cannot be read (RBAC).
 */
export type EndpointSource = 'endpointslices' | 'pods';

export interface NamespaceWatchState {
  synced: boolean;
  /** Set while Kubernetes refuses to let us read services or pods here. */
  forbidden: string | undefined;
  lastError: string | undefined;
  listCalls: number;
  endpointSource: EndpointSource;
  /** Why EndpointSlices are not used (forbidden), when they are not. */
  endpointSlicesError: string | undefined;
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
  /** The namespace's EndpointSlices, or undefined while the pods' conditions stand in for them. */
  slices(): V1EndpointSlice[] | undefined;
  state(): NamespaceWatchState;
  /**
   * state().forbidden and state().stale without building the state: every services list reads both for each watched
   * namespace (100 of them cost ~0.2 ms a request that way).
   */
  forbidden(): string | undefined;
  stale(): boolean;
}

/**
 * Watches the services (filtered by the user's selectors), pods and EndpointSlices of one namespace with one
 * list+watch each: the number of API requests grows with namespaces, never with services. EndpointSlices that cannot
 * be read leave the namespace working from the pods' conditions.
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
      listJson<V1Service>(client.kc, `${base}/services`, {
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
    list: () => listJson<V1Pod>(client.kc, `${base}/pods`),
    onEvent: (type, pod) => onChange({ kind: 'pod', type, pod }),
    onError,
    log,
  });

  let slicesError: string | undefined;
  const single = /^metadata\.name=([^,]+)$/.exec(options.fieldSelector ?? '')?.[1];
  const sliceSelector = single ? `kubernetes.io/service-name=${single}` : undefined;
  const slicesPath = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`;
  const slices: Reflector<V1EndpointSlice> = createReflector<V1EndpointSlice>({
    kc: client.kc,
    path: slicesPath,
    // A watch of one service (metadata.name=NAME) needs that service's slices only.
    labelSelector: sliceSelector,
    list: () => listJson<V1EndpointSlice>(client.kc, slicesPath, { labelSelector: sliceSelector }),
    onEvent: (type, slice) => {
      slicesError = undefined;
      onChange({ kind: 'slice', type, slice });
    },
    onError: (err) => {
      const translated = fromKubeError(
        err,
        `watching EndpointSlices of "${namespace}" in "${client.context}"`,
      );
      if (isForbidden(err) && !slicesError)
        log.warn(
          { context: client.context, namespace },
          `${translated.message}: readiness is taken from the pods instead`,
        );
      if (isForbidden(err)) slicesError = translated.message;
    },
    log,
  });
  const slicesInUse = (): boolean => slices.isSynced && slicesError === undefined;

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
      slices.start();
    },
    async close() {
      await Promise.all([services.close(), pods.close(), slices.close()]);
    },
    synced,
    services: () => services.items(),
    service: (name) => services.get(name),
    pods: () => pods.items(),
    slices: () => (slicesInUse() ? slices.items() : undefined),
    forbidden: () => forbidden,
    stale: () => services.stale || pods.stale,
    state: () => ({
      synced: services.isSynced && pods.isSynced,
      forbidden,
      lastError,
      listCalls: services.listCount + pods.listCount + slices.listCount,
      endpointSource: slicesInUse() ? 'endpointslices' : 'pods',
      endpointSlicesError: slicesError,
      stale: services.stale || pods.stale,
    }),
  };
}
