import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../src/sim/index.ts';
import { daemonBin, nodeFlags, start, type Proc } from './procs.ts';

/** Where the daemon of scenario `tag` keeps its kubeconfig, hosts file and state in `dir` (no tag: `kc`, …). */
export const benchFiles = (dir: string, tag?: string) => ({
  kubeconfig: join(dir, tag ? `${tag}.kubeconfig` : 'kc'),
  hosts: join(dir, tag ? `${tag}.hosts` : 'hosts'),
  state: join(dir, tag ? `${tag}.state` : 'state'),
});

/**
 * The daemon as users run it (the launcher's Node.js flags), forwarding `namespaces` with its API on a free port of
 * 127.2.27.1, its files in `dir` (see benchFiles); `sim` writes the kubeconfig first when given. Resolves once the
 * API answers.
 */
export async function startBenchDaemon(options: {
  dir: string;
  tag?: string | undefined;
  sim?: Simulator | undefined;
  namespaces: string[];
  /** Contexts of the kubeconfig to forward from (`--context`); the current one when absent. */
  contexts?: string[] | undefined;
  apiKey: string;
  /** More flags for `svc`. */
  args?: string[];
  /** Another build's launcher (bench/ab.ts); the benchmarks' own by default. */
  launcher?: string | undefined;
}): Promise<{ proc: Proc; api: string }> {
  const launcher = options.launcher ?? daemonBin();
  const files = benchFiles(options.dir, options.tag);
  options.sim?.writeKubeconfig(files.kubeconfig);
  writeFileSync(files.hosts, '127.0.0.1 localhost\n');
  const proc = start(
    process.execPath,
    [
      ...nodeFlags(launcher),
      launcher,
      'svc',
      '-n',
      options.namespaces.join(','),
      ...(options.contexts?.length ? ['--context', options.contexts.join(',')] : []),
      '-c',
      files.kubeconfig,
      '--hosts-path',
      files.hosts,
      '--state-dir',
      files.state,
      '--api',
      '--api-addr',
      '127.2.27.1:0',
      '--log-format',
      'json',
      ...(options.args ?? []),
    ],
    { KUBEFWD_API_KEY: options.apiKey },
  );
  const api = (await proc.waitFor(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 120_000))[1] as string;
  return { proc, api };
}
