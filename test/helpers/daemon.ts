import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createDaemon, type Daemon, type DaemonDeps, type StartSummary } from '../../src/daemon/daemon.ts';
import type { DaemonConfig } from '../../src/daemon/config.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createSimulator, type Simulator } from '../../src/sim/index.ts';
import type { SimFixture } from '../../src/sim/fixture.ts';

export interface DaemonEnv {
  sim: Simulator;
  daemon: Daemon;
  /** What start() printed: the forwards and, with the API on, its URL. */
  summary: StartSummary;
  hostsPath: string;
  stateDir: string;
  hosts(): string;
  close(): Promise<void>;
}

/** The real daemon in-process against a simulator: for fault tests that need to look inside. */
export async function startDaemonEnv(
  fixture: SimFixture,
  overrides: Partial<DaemonConfig> = {},
  deps: Partial<DaemonDeps> = {},
): Promise<DaemonEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefwd-rel-'));
  const sim = createSimulator({ fixture, control: false, bookmarkIntervalMs: 200 });
  await sim.start();
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml());
  const hostsPath = join(dir, 'hosts');
  writeFileSync(hostsPath, '127.0.0.1 localhost\n');
  const config: DaemonConfig = {
    kubeconfig: undefined,
    contexts: [],
    namespaces: ['rel'],
    allNamespaces: false,
    selector: undefined,
    fieldSelector: undefined,
    domain: undefined,
    clusterDomain: 'cluster.local',
    mappings: [],
    reservations: [],
    fwdConf: undefined,
    timeoutMs: 5000,
    hostsPath,
    backupPath: join(dir, 'hosts.original'),
    refreshBackup: false,
    purgeStaleIps: false,
    resyncIntervalMs: 300_000,
    retryIntervalMs: 10_000,
    autoReconnect: true,
    portForwardProtocol: 'auto',
    lbPolicy: 'round-robin',
    lbSessions: 8,
    bulkSessions: 4,
    metricsPerPod: false,
    verbose: false,
    api: false,
    apiAddr: { host: '127.2.27.1', port: 0 },
    apiKey: 'k',
    logFormat: 'json',
    stateDir: join(dir, 'state'),
    idle: false,
    ...overrides,
  };
  const daemon = createDaemon(config, { log: silentLogger(), kubeConfig: kc, ...deps });
  const summary = await daemon.start();
  return {
    sim,
    daemon,
    summary,
    hostsPath,
    stateDir: config.stateDir,
    hosts: () => readFileSync(hostsPath, 'utf8'),
    async close() {
      await daemon.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
