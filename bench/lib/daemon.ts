import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../src/sim/index.ts';
import { BIN, NODE_FLAGS, start, type Proc } from './procs.ts';

/**
 * The daemon as users run it (the launcher's Node.js flags), forwarding `namespaces` of `sim` with its API on a free
 * port of 127.2.27.1, its kubeconfig, hosts file and state in `dir`; resolves once the API answers.
 */
export async function startBenchDaemon(options: {
  dir: string;
  sim: Simulator;
  namespaces: string[];
  apiKey: string;
}): Promise<{ proc: Proc; api: string }> {
  const { dir } = options;
  options.sim.writeKubeconfig(join(dir, 'kc'));
  writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n');
  const proc = start(
    process.execPath,
    [
      ...NODE_FLAGS,
      BIN,
      'svc',
      '-n',
      options.namespaces.join(','),
      '-c',
      join(dir, 'kc'),
      '--hosts-path',
      join(dir, 'hosts'),
      '--state-dir',
      join(dir, 'state'),
      '--api',
      '--api-addr',
      '127.2.27.1:0',
      '--log-format',
      'json',
    ],
    { KUBEFWD_API_KEY: options.apiKey },
  );
  const api = (await proc.waitFor(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 120_000))[1] as string;
  return { proc, api };
}
