import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { packagedLauncher } from './package-build.ts';

let launcher: string | undefined;
/**
 * The daemon's launcher: the package build's (package-build.ts), made on the first call. BENCH_KUBEFWD_BIN runs
 * another launcher against the same scenarios: another checkout's (before/after), or this one's bin/kubefwd.js to
 * measure the sources as they run from a checkout.
 */
export function daemonBin(): string {
  launcher ??=
    process.env.BENCH_KUBEFWD_BIN ?? packagedLauncher(fileURLToPath(new URL('../..', import.meta.url)));
  return launcher;
}

/** The Node.js flags of the launcher's `#!/usr/bin/env -S node …` line: the daemon is measured as users run it. */
export function nodeFlags(launcher: string = daemonBin()): string[] {
  return [
    ...(readFileSync(launcher, 'utf8').split('\n')[0] ?? '')
      .split(/\s+/)
      .filter((word) => word.startsWith('--')),
    // For profiling a bench run (`BENCH_NODE_FLAGS='--trace-gc --cpu-prof' npm run bench`): flags NODE_OPTIONS refuses.
    ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
  ];
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Every process start() launched that has not exited: a failed bench run kills them rather than leave them behind. */
const running = new Set<ChildProcess>();

/** Kills what start() launched and is still running (a bench that failed half-way). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`${cmd} exited: ${out.slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** CPU seconds (user + system) the process used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A loopback port free right now (bound, then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** Whether `cmd args…` runs and exits 0 (a tool the benchmarks use when the machine has it). */
export const commandWorks = (cmd: string, ...args: string[]): boolean =>
  spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/** This process's CPU seconds so far (user + system, every thread). */
export function ownCpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** CPU seconds (user + system) of `pid` and every process below it, as far as /proc shows them now. */
export function treeCpuSeconds(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      total += cpuSeconds(p);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean);
      for (const c of children) stack.push(Number(c));
    } catch {
      // Gone meanwhile: its CPU went with it.
    }
  }
  return total;
}

/**
 * CPU seconds of `pid` with those of its children that exited and were waited for (cutime, cstime), once it has no
 * child left (waits for that up to 5 s): for a root that forks a child per connection (socat). Read while a child
 * ends, a tree would count it nowhere if the root reaped it between reading its own times and listing its children.
 */
export async function reapedCpuSeconds(pid: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  while (readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() !== '') {
    if (Date.now() > deadline) throw new Error(`process ${pid} still has children after 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/** The machine's CPU time so far from /proc/stat, in clock ticks: all of it and the part not idle. */
function machineTicks(): { total: number; busy: number; cpus: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const fields = (lines[0] ?? '').split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { total, busy: total - idle, cpus: lines.filter((l) => /^cpu\d/.test(l)).length };
}

/**
 * Measures how many of the machine's cores were busy (any process, this one included) from now until the returned
 * function is called: 2 on a two-core machine that had no idle time.
 */
export function machineBusy(): () => number {
  const t0 = machineTicks();
  return () => {
    const t1 = machineTicks();
    const total = t1.total - t0.total;
    return total > 0 ? ((t1.busy - t0.busy) / total) * t1.cpus : Number.NaN;
  };
}
