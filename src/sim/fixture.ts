import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { Rule } from './rbac.ts';
import type { KObject } from './store.ts';

export interface FixtureUser {
  name: string;
  token?: string;
  rules: Rule[];
}

export interface FixtureCluster {
  name: string;
  version?: string;
  /**
   * false: the API server sits behind a proxy that passes WebSocket upgrades but strips SPDY ones (as many HTTP
   * proxies do), so a SPDY port-forward arrives as a plain request and is answered 400 "Upgrade request required".
   */
  spdyUpgrade?: boolean;
  users?: FixtureUser[];
  /** Namespace, Service and Pod manifests. A Pod annotated `kubefwd.sim/replicas: "N"` becomes N replicas. */
  objects?: KObject[];
}

export interface SimFixture {
  clusters: FixtureCluster[];
}

export function loadFixture(source: string | SimFixture): SimFixture {
  const data = typeof source === 'string' ? (YAML.parse(readFileSync(source, 'utf8')) as unknown) : source;
  const f = data as Partial<SimFixture> | null;
  if (!f || !Array.isArray(f.clusters) || f.clusters.length === 0)
    throw new Error('fixture: "clusters" must be a non-empty list');
  for (const c of f.clusters) {
    if (!c || typeof c.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name))
      throw new Error(`fixture: invalid cluster name ${JSON.stringify(c?.name)}`);
    for (const o of c.objects ?? []) {
      if (!o?.kind || !o.metadata?.name)
        throw new Error(`fixture: every object of cluster ${c.name} needs kind and metadata.name`);
    }
  }
  return f as SimFixture;
}

/** Expands replica shorthands and orders objects so namespaces exist before what lives in them. */
export function expandObjects(objects: KObject[]): KObject[] {
  const order = ['Namespace', 'Service', 'Pod', 'Deployment', 'ReplicaSet', 'StatefulSet'];
  const out: KObject[] = [];
  for (const o of objects) {
    const replicas = Number(o.metadata.annotations?.['kubefwd.sim/replicas'] ?? 0);
    if (o.kind === 'Pod' && replicas > 0) {
      for (let i = 0; i < replicas; i++) {
        out.push({
          ...structuredClone(o),
          metadata: {
            ...structuredClone(o.metadata),
            name: `${o.metadata.name}-${i.toString(36).padStart(5, 'x')}`,
            generateName: `${o.metadata.name}-`,
            annotations: {
              ...o.metadata.annotations,
              'kubefwd.sim/replace-on-delete':
                o.metadata.annotations?.['kubefwd.sim/replace-on-delete'] ?? 'true',
            },
          },
        });
      }
    } else out.push(o);
  }
  return out.sort((a, b) => order.indexOf(a.kind ?? '') - order.indexOf(b.kind ?? ''));
}
