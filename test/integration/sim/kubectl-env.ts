import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';
import type { SimFixture } from '../../../src/sim/fixture.ts';

const run = promisify(execFile);

/** Whether the real kubectl is on PATH (the tests that need it say so when it is not). */
export const hasKubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlEnv {
  sim: Simulator;
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Runs kubectl with the user's defaults (no extra flags); never throws on a non-zero exit. */
  kubectl(args: string[]): Promise<KubectlResult>;
  /** Writes a manifest into the temporary directory and returns its path. */
  manifest(name: string, text: string): string;
  close(): Promise<void>;
}

/**
 * A simulator with its kubeconfig in a temporary HOME, for tests that drive the real kubectl (the dispatcher on
 * PATH runs the kubectl of the simulator's minor version).
 */
export async function startKubectlEnv(fixture: SimFixture, version?: string): Promise<KubectlEnv> {
  const sim = createSimulator({ control: false, fixture, ...(version ? { version } : {}) });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'kubefwd-kubectl-'));
  sim.writeKubeconfig(join(dir, 'config'));
  const env = { ...process.env, KUBECONFIG: join(dir, 'config'), HOME: dir };
  return {
    sim,
    dir,
    env,
    kubectl: (args) =>
      run('kubectl', args, { env, timeout: 20_000 }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({
          code: typeof e.code === 'number' ? e.code : -1,
          stdout: e.stdout ?? '',
          stderr: e.stderr ?? '',
        }),
      ),
    manifest(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    async close() {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
