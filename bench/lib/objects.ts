import type { KObject } from '../../src/sim/store.ts';

/** Simulator objects for the benchmarks' fixtures. */
export const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
export const pod = (
  name: string,
  namespace: string,
  app: string,
  extra: Record<string, string> = {},
): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { app }, annotations: extra },
  spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
});
export const svc = (name: string, namespace: string, app: string, port: number): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector: { app }, ports: [{ port, targetPort: 8080 }] },
});

/** The data-plane figures' cluster: pod bench/bulk-0 (its server on 8080) behind service bulk on 18080. */
export const bulkObjects = (podAnnotations?: Record<string, string>): KObject[] => [
  ns('bench'),
  svc('bulk', 'bench', 'bulk', 18080),
  pod('bulk-0', 'bench', 'bulk', podAnnotations),
];
