import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.ts';

export const KUBEFWD_BIN = fileURLToPath(new URL('../../bin/kubefwd.js', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout+stderr match `pattern`; fails with the output so far. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code (or 128+n for a signal death). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
  exited: Promise<number>;
}

/** Runs the real CLI (`bin/kubefwd.js`) as a child process with the pinned Node.js. */
export function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** A command that execs the CLI, e.g. prlimit. */
    via?: string[];
  } = {},
): CliProcess {
  const [cmd = process.execPath, ...pre] = [...(options.via ?? []), process.execPath, KUBEFWD_BIN];
  return runProgram(cmd, [...pre, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    cwd: options.cwd,
  });
}

/** Runs `file` (an installed kubefwd, the standalone executable) with exactly the environment given. */
export function runProgram(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string | undefined },
): CliProcess {
  const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) =>
      resolve(code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : 1)),
    );
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForOutput(pattern, timeoutMs = 20_000) {
      let done = false;
      const early = exited.then((code) => {
        if (!done) throw new Error(`kubefwd exited with ${code} before ${String(pattern)}:\n${out}\n${err}`);
        return undefined as never;
      });
      try {
        return await Promise.race([
          waitFor(() => (out + err).match(pattern), {
            timeoutMs,
            message: () => `no ${String(pattern)} in output:\n${out}\n${err}`,
          }),
          early,
        ]);
      } finally {
        done = true;
        early.catch(() => undefined);
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export async function runCliToEnd(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = runCli(args, options);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const [code] = (await Promise.all([cli.exited, once(cli.child, 'close')])) as [number, unknown];
  clearTimeout(timer);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}
