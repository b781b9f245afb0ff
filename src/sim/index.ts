import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import YAML from 'yaml';
import type { Logger } from '../log/logger.ts';
import { SimClusterCore } from './cluster-core.ts';
import { createControlServer, type ControlServer } from './control.ts';
import { expandObjects, loadFixture, type FixtureCluster, type SimFixture } from './fixture.ts';
import { ADMIN_RULES, type SimUser } from './rbac.ts';
import { generateTls } from './tls.ts';

export interface SimulatorOptions {
  fixture?: SimFixture | string;
  /** Overrides the fixture's (or the default) version of every cluster. */
  version?: string;
  tls?: boolean;
  host?: string;
  /** Port of the first cluster (0 = any). */
  port?: number;
  control?: boolean;
  log?: Logger;
  bookmarkIntervalMs?: number;
}

export type SimCluster = SimClusterCore;

export interface Simulator {
  start(): Promise<void>;
  close(): Promise<void>;
  cluster(name?: string): SimClusterCore;
  clusters(): SimClusterCore[];
  /** Writes a kubeconfig with one context per cluster (named after it) and one per extra user (`cluster-user`). */
  writeKubeconfig(path: string): void;
  kubeconfigYaml(): string;
  readonly controlUrl: string | undefined;
}

const DEFAULT_FIXTURE: SimFixture = {
  clusters: [
    { name: 'sim', objects: [{ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'default' } }] },
  ],
};

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const fixture = loadFixture(options.fixture ?? DEFAULT_FIXTURE);
  const cores: SimClusterCore[] = [];
  let control: ControlServer | undefined;
  let started: Promise<void> | undefined;

  async function build(spec: FixtureCluster, index: number): Promise<SimClusterCore> {
    const users: SimUser[] = [
      { name: 'admin', token: `admin-${spec.name}-${randomBytes(6).toString('hex')}`, rules: ADMIN_RULES },
    ];
    for (const u of spec.users ?? [])
      users.push({
        name: u.name,
        token: u.token ?? `${u.name}-${randomBytes(6).toString('hex')}`,
        rules: u.rules,
      });
    const core = new SimClusterCore({
      name: spec.name,
      version: options.version ?? spec.version ?? '1.32',
      spdyUpgrade: spec.spdyUpgrade,
      host: options.host ?? '127.0.0.1',
      port: index === 0 ? (options.port ?? 0) : 0,
      tls: options.tls === false ? undefined : await generateTls(),
      users,
      log: options.log,
      bookmarkIntervalMs: options.bookmarkIntervalMs,
    });
    for (const obj of expandObjects(structuredClone(spec.objects ?? []))) core.apply(obj);
    if (!core.store.get('namespaces', undefined, 'default'))
      core.apply({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'default' } });
    await core.start();
    return core;
  }

  const sim: Simulator = {
    start() {
      started ??= (async () => {
        for (const [i, c] of fixture.clusters.entries()) cores.push(await build(c, i));
        if (options.control !== false) {
          control = createControlServer(sim, options.host ?? '127.0.0.1');
          await control.start();
        }
      })();
      return started;
    },
    async close() {
      await control?.close();
      await Promise.all(cores.map((c) => c.close()));
    },
    cluster(name) {
      const c = name === undefined ? cores[0] : cores.find((x) => x.name === name);
      if (!c) throw new Error(`no simulated cluster ${name ?? ''}`);
      return c;
    },
    clusters: () => [...cores],
    kubeconfigYaml() {
      const clusters = cores.map((c) => ({
        name: c.name,
        cluster: {
          server: c.url,
          ...(c.tls
            ? { 'certificate-authority-data': Buffer.from(c.tls.caPem).toString('base64') }
            : { 'insecure-skip-tls-verify': true }),
        },
      }));
      const users: unknown[] = [];
      const contexts: unknown[] = [];
      for (const c of cores) {
        for (const u of c.users.values()) {
          const ctx = u.name === 'admin' ? c.name : `${c.name}-${u.name}`;
          users.push({ name: `${ctx}-user`, user: { token: u.token } });
          contexts.push({
            name: ctx,
            context: { cluster: c.name, user: `${ctx}-user`, namespace: 'default' },
          });
        }
      }
      return YAML.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters,
        users,
        contexts,
        'current-context': cores[0]?.name ?? '',
        preferences: {},
      });
    },
    writeKubeconfig(path) {
      writeFileSync(path, sim.kubeconfigYaml(), { mode: 0o600 });
    },
    get controlUrl() {
      return control?.url;
    },
  };
  return sim;
}
