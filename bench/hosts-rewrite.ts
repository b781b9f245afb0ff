/**
 * The CPU of the hosts file's part of a start of 10,000 services, without the rest of the daemon:
 * `node bench/hosts-rewrite.ts [checkout]`. Names for 10,000 services in 2 contexts (as bench/scale.ts makes them),
 * put in one hosts file manager in 6 batches, each batch flushed: one rewrite each, of a block growing to 10,000
 * lines, in a file of its own under the system's temporary directory. Prints the CPU of making the names, of the
 * `set` calls and of the rewrites. With another checkout's root as argument it measures that checkout's modules
 * (before/after); no network, no privileges.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const { createHostsFile } = (await import(
  join(root, 'src/hosts/hosts-file.ts')
)) as typeof import('../src/hosts/hosts-file.ts');
const { buildHostnames } = (await import(
  join(root, 'src/hosts/hostnames.ts')
)) as typeof import('../src/hosts/hostnames.ts');

const SERVICES = 10_000;
const BATCHES = 6;
const ms = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

const dir = mkdtempSync(join(tmpdir(), 'kubefwd-hosts-bench-'));
try {
  const path = join(dir, 'hosts');
  writeFileSync(path, '127.0.0.1 localhost\n');
  const hosts = createHostsFile({ path, debounceMs: 3_600_000 });
  await hosts.start();
  const cpu = { names: 0, set: 0, rewrites: 0 };
  const perBatch = Math.ceil(SERVICES / BATCHES);
  for (let b = 0; b < BATCHES; b++) {
    const batch = [];
    let t = process.cpuUsage();
    for (let i = b * perBatch; i < Math.min(SERVICES, (b + 1) * perBatch); i++) {
      const ns = Math.floor(i / 100);
      const second = ns >= 50;
      const names = buildHostnames({
        service: `s${i % 100}`,
        namespace: `ns${ns % 50}`,
        context: second ? 'scale-b' : 'scale-a',
        contextIndex: second ? 1 : 0,
        namespaceIndex: ns % 50,
      }).hostnames;
      batch.push({
        key: `s${i}`,
        ip: `127.${second ? 2 : 1}.${27 + Math.floor((i % 5000) / 250)}.${(i % 250) + 1}`,
        names,
      });
    }
    cpu.names += ms(process.cpuUsage(t));
    t = process.cpuUsage();
    for (const e of batch) hosts.set(e.key, e.ip, e.names);
    cpu.set += ms(process.cpuUsage(t));
    t = process.cpuUsage();
    await hosts.flush();
    cpu.rewrites += ms(process.cpuUsage(t));
  }
  const status = hosts.status();
  await hosts.close();
  console.log(
    JSON.stringify({
      checkout: root,
      services: SERVICES,
      hostnames: status.hostnames,
      writes: status.writes,
      cpu_ms: { names: Math.round(cpu.names), set: Math.round(cpu.set), rewrites: Math.round(cpu.rewrites) },
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
