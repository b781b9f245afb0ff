import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../src/sim/index.ts';
import { BIN, NODE_FLAGS, start, type Proc } from './procs.ts';

/** Where the daemon of scenario `tag` reads its kubeconfig. */
export const kubeconfigIn = (dir: string, tag: string): string => join(dir, `${tag}.kubeconfig`);

/** Starts the daemon (as users run it) on the kubeconfig of `tag` in `dir`, which `sim` writes first when given. */
export async function startBenchDaemon(
  dir: string,
  sim: Simulator | undefined,
  namespaces: string[],
  tag: string,
  apiKey: string,
  extraArgs: string[] = [],
): Promise<{ proc: Proc; api: string; hostsPath: string }> {
  const kc = kubeconfigIn(dir, tag);
  sim?.writeKubeconfig(kc);
  const hostsPath = join(dir, `${tag}.hosts`);
  writeFileSync(hostsPath, '127.0.0.1 localhost\n');
  const proc = start(
    process.execPath,
    [
      ...NODE_FLAGS,
      BIN,
      'svc',
      '-n',
      namespaces.join(','),
      '-c',
      kc,
      '--hosts-path',
      hostsPath,
      '--state-dir',
      join(dir, `${tag}.state`),
      '--api',
      '--api-addr',
      '127.2.27.1:0',
      '--log-format',
      'json',
      ...extraArgs,
    ],
    { KUBEFWD_API_KEY: apiKey },
  );
  const m = await proc.waitFor(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 120_000);
  return { proc, api: m[1] as string, hostsPath };
}
