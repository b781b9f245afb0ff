import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_FIXTURE } from '../sim/cli.ts';
import { createSimulator } from '../sim/index.ts';
import type { CommandIo } from './io.ts';
import { runSvcCommand } from './svc-command.ts';

/**
 * `npm start`: the simulated cluster with its demo fixture plus the daemon with the API on, against a temporary
 * hosts file (the real /etc/hosts only when asked for with --hosts-path /etc/hosts as root).
 */
export async function runDemoCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefwd-demo-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sim = createSimulator({ fixture: DEMO_FIXTURE });
  try {
    await sim.start();
    sim.writeKubeconfig(kubeconfig);
    const hostsPath = join(dir, 'hosts');
    if (existsSync('/etc/hosts')) copyFileSync('/etc/hosts', hostsPath);
    else writeFileSync(hostsPath, '127.0.0.1 localhost\n');
    const privileged = io.isRoot;
    const apiAddr = privileged ? '127.2.27.1:80' : '127.2.27.1:8027';
    const args = [
      '-n',
      'default,shop,data',
      '-c',
      kubeconfig,
      '--hosts-path',
      hostsPath,
      '--state-dir',
      join(dir, 'state'),
      '--api',
      '--api-addr',
      apiAddr,
    ];
    if (!privileged) args.push('-m', '80:8080');
    const api = privileged ? 'http://127.2.27.1' : 'http://127.2.27.1:8027';
    const port = privileged ? '' : ':8080';
    io.stdout.write(
      [
        `Simulated cluster "demo" at ${sim.cluster().url} (kubeconfig ${kubeconfig}, fault control ${sim.controlUrl ?? '-'})`,
        `Hosts file for this demo: ${hostsPath} (pass --hosts-path /etc/hosts as root to use the real one)`,
        '',
        'Try, in another terminal:',
        `  curl --resolve api.default${port ? ':8080' : ':80'}:127.1.27.1 http://api.default${port}/hello`,
        `  curl -s ${api}/api/health`,
        `  curl -s -H "Authorization: Bearer $(cat ${join(dir, 'state', 'api-key')})" ${api}/api/v1/services`,
        `  KUBECONFIG=${kubeconfig} kubectl get pods -A`,
        `  curl -X POST ${sim.controlUrl ?? ''}/clusters/demo/pods/default/$(KUBECONFIG=${kubeconfig} kubectl get pods -o name | head -1 | cut -d/ -f2)/delete`,
        '',
      ].join('\n'),
    );
    return await runSvcCommand([...args, ...argv], io);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
