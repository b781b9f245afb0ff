import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSimulator, type Simulator } from '../../src/sim/index.ts';

export const E2E_FIXTURE = fileURLToPath(new URL('../fixtures/e2e.yaml', import.meta.url));
export const ORIGINAL_HOSTS =
  '127.0.0.1 localhost\n# a comment that must survive\n::1 localhost ip6-localhost\n10.1.2.3 someone-elses-entry\n';

export interface E2eEnv {
  sim: Simulator;
  dir: string;
  kubeconfig: string;
  hostsPath: string;
  stateDir: string;
  hosts(): string;
  /** Common flags pointing the CLI at this environment. */
  flags(): string[];
  close(): Promise<void>;
}

export async function startE2eEnv(fixture = E2E_FIXTURE): Promise<E2eEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefwd-e2e-'));
  const sim = createSimulator({ fixture, control: false });
  await sim.start();
  const kubeconfig = join(dir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig);
  const hostsPath = join(dir, 'hosts');
  writeFileSync(hostsPath, ORIGINAL_HOSTS);
  const stateDir = join(dir, 'state');
  return {
    sim,
    dir,
    kubeconfig,
    hostsPath,
    stateDir,
    hosts: () => readFileSync(hostsPath, 'utf8'),
    flags: () => [
      '-c',
      kubeconfig,
      '--hosts-path',
      hostsPath,
      '--state-dir',
      stateDir,
      '--log-format',
      'json',
    ],
    async close() {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The IP our hosts block maps `name` to. */
export function ipOf(hostsText: string, name: string): string | undefined {
  for (const line of hostsText.split('\n')) {
    const [ip, ...names] = line.trim().split(/\s+/);
    if (names.includes(name)) return ip;
  }
  return undefined;
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

export const readJsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
