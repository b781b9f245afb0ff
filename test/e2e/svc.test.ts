import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { ORIGINAL_HOSTS, httpGet, ipOf, startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { waitFor } from '../helpers/wait-for.ts';

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2eEnv();
});
afterAll(async () => env.close());

// A test that fails before it stops its daemon must not leave it holding the loopback addresses of the next.
const started = new Set<CliProcess>();
afterEach(async () => {
  await Promise.all([...started].map((c) => c.stop('SIGTERM')));
  started.clear();
});

async function start(args: string[]): Promise<CliProcess> {
  const cli = runCli(['svc', ...args, ...env.flags()]);
  started.add(cli);
  await cli.waitForOutput(/Forwarding \d+ service/, 30_000);
  return cli;
}

interface Identity {
  pod: string;
  port: number;
  path: string;
}

const identity = (body: string): Identity => JSON.parse(body) as Identity;

function echo(ip: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, ip, () => s.write(text));
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('error', reject);
  });
}

describe('kubefwd svc against the simulated cluster', () => {
  it('forwards every kind of service, writes the names, and leaves the hosts file byte-identical on SIGTERM', async () => {
    const cli = await start(['-n', 'alpha,beta', '-x', 'one']);
    const hosts = env.hosts();
    // Normal service with a named targetPort; short names for the first namespace.
    const webIp = ipOf(hosts, 'web');
    expect(webIp).toBe('127.1.27.1');
    for (const name of ['web.alpha', 'web.alpha.svc', 'web.alpha.svc.cluster.local', 'web.alpha.one'])
      expect(ipOf(hosts, name)).toBe(webIp);
    const web = identity((await httpGet(`http://${webIp}:8080/hi`)).body);
    expect(web.pod).toMatch(/^web-/);
    expect(web.port).toBe(3000);
    expect(web.path).toBe('/hi');
    // Multi-port: HTTP on one port, echo on the other; the UDP port is skipped.
    const multiIp = ipOf(hosts, 'multi.alpha') as string;
    expect(identity((await httpGet(`http://${multiIp}:8081/`)).body).pod).toBe('multi-0');
    expect(await echo(multiIp, 9091, 'ping')).toBe('ping');
    expect(cli.stderr()).toMatch(/skipping UDP port 5353/);
    // Headless: the service name to the first pod, each pod under its own name and IP; second namespace qualified.
    expect(ipOf(hosts, 'db')).toBeUndefined();
    const db0 = ipOf(hosts, 'db-0.db.beta') as string;
    const db1 = ipOf(hosts, 'db-1.db.beta.svc.cluster.local') as string;
    expect(new Set([db0, db1, ipOf(hosts, 'db.beta')]).size).toBe(3);
    expect(identity((await httpGet(`http://${db1}:5432/`)).body).pod).toBe('db-1');
    // Without selector: skipped with a warning, no names.
    expect(ipOf(hosts, 'external.beta')).toBeUndefined();
    expect(cli.stderr()).toMatch(/skipping external\.beta\.one: services without a selector/);
    // No ready pod: names and listener exist, the summary says so.
    expect(ipOf(hosts, 'pending.beta')).toBeDefined();
    expect(cli.stdout()).toMatch(/pending\.beta.*\(no ready pod\)/);
    // Readiness is one log record before the summary, with the summary's counts.
    const ready = cli
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"msg":"ready: '))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(ready).toHaveLength(1);
    const [, services, active] = /Forwarding (\d+) service\(s\), (\d+) port/.exec(cli.stdout()) ?? [];
    expect(ready[0]).toMatchObject({ services: Number(services), activePorts: Number(active), level: 30 });
    expect(ready[0]?.ports).toBe(
      cli
        .stdout()
        .split('\n')
        .filter((l) => l.includes(' → ')).length,
    );
    expect(ready[0]?.startMs).toBeGreaterThan(0);

    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(env.hosts()).toBe(ORIGINAL_HOSTS);
  });

  it('follows the pod: delete the forwarded pod, the next request within a second is served by another, same IP', async () => {
    const cli = await start(['-n', 'alpha', '-x', 'one', '-l', 'tier=front']);
    const ip = ipOf(env.hosts(), 'web') as string;
    expect(ipOf(env.hosts(), 'multi.alpha')).toBeUndefined();
    const first = identity((await httpGet(`http://${ip}:8080/`)).body).pod;
    const deletedAt = Date.now();
    env.sim.cluster('one').remove({ name: 'pods' } as never, 'alpha', first);
    const next = await waitFor(
      async () => {
        const r = await httpGet(`http://${ip}:8080/`).catch(() => undefined);
        const pod = r && r.status === 200 ? identity(r.body).pod : undefined;
        return pod && pod !== first ? pod : undefined;
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    expect(Date.now() - deletedAt).toBeLessThan(1000);
    expect(next).not.toBe(first);
    expect(ipOf(env.hosts(), 'web')).toBe(ip);
    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(env.hosts()).toBe(ORIGINAL_HOSTS);
  });

  it('maps ports (-m), reserves IPs (-r), adds a domain (-d) and filters by field (-f)', async () => {
    const cli = await start([
      '-n',
      'alpha',
      '-x',
      'one',
      '-m',
      '8080:18080',
      '-r',
      'web:127.1.27.77',
      '-d',
      'example.test',
      '-f',
      'metadata.name=web',
    ]);
    const hosts = env.hosts();
    expect(ipOf(hosts, 'web')).toBe('127.1.27.77');
    expect(ipOf(hosts, 'web.example.test')).toBe('127.1.27.77');
    expect(ipOf(hosts, 'multi.alpha')).toBeUndefined();
    expect(identity((await httpGet('http://127.1.27.77:18080/')).body).port).toBe(3000);
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('forwards two contexts and all namespaces (-A) with context-qualified names', async () => {
    const cli = await start(['-A', '-x', 'one,two']);
    const hosts = env.hosts();
    const two = ipOf(hosts, 'web.alpha.two') as string;
    expect(two).toMatch(/^127\.2\./);
    expect(ipOf(hosts, 'web.alpha.one')).toBe(ipOf(hosts, 'web'));
    expect(identity((await httpGet(`http://${two}:8080/`)).body).pod).toBe('web-two');
    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(env.hosts()).toBe(ORIGINAL_HOSTS);
  });

  it('after SIGKILL the next start removes the dead run’s entries', async () => {
    const cli = await start(['-n', 'alpha', '-x', 'one']);
    expect(ipOf(env.hosts(), 'web')).toBeDefined();
    await cli.stop('SIGKILL');
    expect(ipOf(env.hosts(), 'web')).toBeDefined();
    const again = await start(['-n', 'beta', '-x', 'one']);
    expect(ipOf(env.hosts(), 'web')).toBeUndefined();
    expect(await again.stop('SIGTERM')).toBe(0);
    expect(env.hosts()).toBe(ORIGINAL_HOSTS);
  });
});
