// What a user sees: on a terminal, pretty logs and one progress line that ends in the summary table; piped, JSON.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { KUBEFWD_BIN, runCli, runProgram } from '../helpers/cli.ts';
import { ORIGINAL_HOSTS, httpGet, readJsonLines, startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { waitFor } from '../helpers/wait-for.ts';

// util-linux's script(1) gives the CLI a pseudo-terminal.
const script = spawnSync('script', ['--version']).status === 0;
if (!script) console.warn('no script(1): the terminal output test is skipped');

let env: E2eEnv;
beforeAll(async () => {
  env = await startE2eEnv();
});
afterAll(async () => env.close());

/** The e2e flags without --log-format: the CLI chooses. */
const flags = (): string[] => {
  const all = env.flags();
  const i = all.indexOf('--log-format');
  return [...all.slice(0, i), ...all.slice(i + 2)];
};

/** Only the web service, on an address of its own: nothing else binds it, whatever else runs on this machine. */
const only = (ip: string): string[] => ['-x', 'one', '-l', 'tier=front', '-r', `web:${ip}`];

describe('kubefwd on a terminal and piped', () => {
  it.skipIf(!script)('draws a progress line while starting, pretty logs, then the summary', async () => {
    // exec: whatever $SHELL script(1) runs the command with (dash does not exec a lone command by itself), the
    // CLI must be script's own child, the process a user's Ctrl-C reaches.
    const command = [
      'exec',
      process.execPath,
      KUBEFWD_BIN,
      '-n',
      'alpha,beta',
      ...only('127.1.98.1'),
      ...flags(),
    ].join(' ');
    const cli = runProgram('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, NO_COLOR: '1', TERM: 'xterm' },
    });
    // script(1) runs the CLI as its child: that is the process to stop, as a user's Ctrl-C would.
    const children = (): number[] =>
      readFileSync(`/proc/${cli.child.pid}/task/${cli.child.pid}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number);
    const [kubefwd] = await waitFor(() => (children().length > 0 ? children() : undefined));
    onTestFinished(async () => {
      if (cli.child.exitCode === null) process.kill(kubefwd as number, 'SIGKILL');
      await cli.stop('SIGKILL', 1000);
    });
    await cli.waitForOutput(/Forwarding \d+ service\(s\)[^\n]*/, 30_000);
    const out = cli.stdout();
    const CLEAR = '\r\u001b[2K';
    expect(out).toMatch(/starting: 1 context, namespaces listed [0-2]\/2, services forwarded \d+\/\d+/);
    expect(out).toContain(`${CLEAR}starting: 1 context`);
    expect(out).toMatch(/INFO: forwarding web\.alpha\.one on 127\.1\.98\.1\b/);
    expect(readJsonLines(out)).toEqual([]);
    // The line is cleared before the table, whose first row starts where the line was.
    const row = out.search(/web, web\.alpha, web-alpha → 127\.1\.98\.1:8080 → web-/);
    expect(row).toBeGreaterThan(0);
    expect(out.slice(row - CLEAR.length, row)).toBe(CLEAR);
    expect(out.slice(row)).not.toContain('starting:');
    process.kill(kubefwd as number, 'SIGINT');
    expect(await cli.exited).toBe(0);
    expect(env.hosts()).toBe(ORIGINAL_HOSTS);
  });

  it('writes JSON log lines to stderr and only the summary to stdout when piped', async () => {
    const cli = runCli(['-n', 'alpha', ...only('127.1.98.2'), ...flags()]);
    onTestFinished(() => cli.stop('SIGKILL', 1000).then(() => undefined));
    await cli.waitForOutput(/Forwarding \d+ service/, 30_000);
    const records = readJsonLines(cli.stderr());
    expect(records.some((r) => r.msg === 'forwarding web.alpha.one on 127.1.98.2')).toBe(true);
    expect(cli.stderr()).not.toContain('starting:');
    expect(cli.stdout()).not.toContain('{');
    expect(cli.stdout()).toMatch(/^web, web\.alpha, web-alpha → 127\.1\.98\.2:8080 → web-/m);
    expect(await cli.stop('SIGTERM')).toBe(0);
  });

  it('keeps forwarding, then cleans up on SIGTERM, when the reader of its output goes away', async () => {
    // -v: each connection logs, so the writes after the reader left are many.
    const cli = runCli(['-n', 'alpha', '-v', ...only('127.1.98.3'), ...flags()]);
    onTestFinished(() => cli.stop('SIGKILL', 1000).then(() => undefined));
    await cli.waitForOutput(/Forwarding \d+ service/, 30_000);
    // As `kubefwd svc | head -1` does once it has its line.
    cli.child.stdout?.destroy();
    cli.child.stderr?.destroy();
    expect(env.hosts()).toMatch(/^127\.1\.98\.3 web /m);
    const before = JSON.parse((await httpGet('http://127.1.98.3:8080/a')).body) as { path: string };
    expect(before.path).toBe('/a');
    const after = JSON.parse((await httpGet('http://127.1.98.3:8080/b')).body) as { path: string };
    expect(after.path).toBe('/b');
    expect(cli.child.exitCode).toBeNull();
    // Shutting down logs too, before the hosts entries go.
    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(env.hosts()).toBe(ORIGINAL_HOSTS);
  });
});
