import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { kubeJson, type Query } from './kube-request.ts';
import type { ListResult } from './reflector.ts';

/** One LIST request answered as plain JSON (see kubeRequest): what a reflector lists before it watches. */
export function listJson<T>(kc: KubeConfig, path: string, query: Query = {}): Promise<ListResult<T>> {
  return kubeJson<ListResult<T>>(kc, 'GET', path, { query });
}
