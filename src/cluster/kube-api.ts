import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type {
  CoreV1EventList,
  V1Deployment,
  V1Endpoints,
  V1NamespaceList,
  V1Pod,
  V1PodList,
  V1SelfSubjectAccessReview,
  V1Service,
  V1ServiceList,
  V1StatefulSet,
  VersionInfo,
} from '@kubernetes/client-node';
import { kubeJson, kubeRequest, type Query } from './kube-request.ts';

const seg = encodeURIComponent;
const ns = (namespace: string): string => `/api/v1/namespaces/${seg(namespace)}`;
const apps = (namespace: string): string => `/apis/apps/v1/namespaces/${seg(namespace)}`;

/**
 * The API calls the daemon makes besides its reflectors' lists and watches, by the names and parameters of
 * client-node's generated CoreV1Api (and AppsV1Api, VersionApi, AuthorizationV1Api), answered as the server's plain
 * JSON (kubeRequest). The types are the generated ones, for reading; timestamps in them are strings.
 */
export function createKubeApi(kc: KubeConfig) {
  const get = <T>(path: string, query?: Query): Promise<T> => kubeJson<T>(kc, 'GET', path, { query });
  return {
    getCode: () => get<VersionInfo>('/version'),
    createSelfSubjectAccessReview: (p: { body: V1SelfSubjectAccessReview }) =>
      kubeJson<V1SelfSubjectAccessReview>(
        kc,
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          body: p.body,
        },
      ),
    listNamespace: () => get<V1NamespaceList>('/api/v1/namespaces'),
    listNamespacedService: (p: { namespace: string }) => get<V1ServiceList>(`${ns(p.namespace)}/services`),
    readNamespacedService: (p: { namespace: string; name: string }) =>
      get<V1Service>(`${ns(p.namespace)}/services/${seg(p.name)}`),
    listNamespacedPod: ({
      namespace,
      ...query
    }: {
      namespace: string;
      labelSelector?: string;
      fieldSelector?: string;
    }) => get<V1PodList>(`${ns(namespace)}/pods`, query),
    readNamespacedPod: (p: { namespace: string; name: string }) =>
      get<V1Pod>(`${ns(p.namespace)}/pods/${seg(p.name)}`),
    readNamespacedPodLog: ({
      namespace,
      name,
      ...query
    }: {
      namespace: string;
      name: string;
      container?: string;
      tailLines?: number;
      sinceSeconds?: number;
      previous?: boolean;
      timestamps?: boolean;
    }) => kubeRequest(kc, 'GET', `${ns(namespace)}/pods/${seg(name)}/log`, { query, accept: 'text/plain' }),
    listNamespacedEvent: ({
      namespace,
      ...query
    }: {
      namespace: string;
      fieldSelector?: string;
      limit?: number;
    }) => get<CoreV1EventList>(`${ns(namespace)}/events`, query),
    readNamespacedEndpoints: (p: { namespace: string; name: string }) =>
      get<V1Endpoints>(`${ns(p.namespace)}/endpoints/${seg(p.name)}`),
    readNamespacedDeployment: (p: { namespace: string; name: string }) =>
      get<V1Deployment>(`${apps(p.namespace)}/deployments/${seg(p.name)}`),
    readNamespacedStatefulSet: (p: { namespace: string; name: string }) =>
      get<V1StatefulSet>(`${apps(p.namespace)}/statefulsets/${seg(p.name)}`),
  };
}

export type KubeApi = ReturnType<typeof createKubeApi>;
