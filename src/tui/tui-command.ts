import { ApiError } from '../client/api-error.ts';
import { createKubefwdClient } from '../client/client.ts';
import { resolveConnection } from '../client/connection.ts';
import { FlagError, parseFlags, renderFlagHelp } from '../cli/flags.ts';
import type { CommandIo } from '../cli/io.ts';
import { createClipboard } from './clipboard.ts';
import { createClientStore } from './client-store.ts';
import { runTui, terminalProblem, type TerminalIo } from './run-tui.ts';
import { resolveTheme, type Theme } from './theme.ts';
import { TUI_FLAGS } from './tui-flags.ts';

export function tuiUsage(): string {
  return `The terminal UI attached to a running kubefwd daemon (no root needed; quitting leaves the daemon running).

Usage:
  kubefwd tui [--api-addr IP:PORT] [flags]

Flags:
${renderFlagHelp(TUI_FLAGS)}
`;
}

export const terminalOf = (): TerminalIo => ({ stdin: process.stdin, stdout: process.stdout });

/** `kubefwd tui`: attaches through the REST API and its event stream. */
export async function runTuiCommand(
  argv: readonly string[],
  io: CommandIo,
  terminal: TerminalIo = terminalOf(),
): Promise<number> {
  let theme: Theme;
  let conn: ReturnType<typeof resolveConnection>;
  try {
    const parsed = parseFlags(argv, TUI_FLAGS);
    if (parsed.values.get('help') === true) {
      io.stdout.write(tuiUsage());
      return 0;
    }
    if (parsed.positionals.length > 0) throw new FlagError(`unexpected argument "${parsed.positionals[0]}"`);
    const str = (n: string): string | undefined => (parsed.values.get(n) as string | undefined) || undefined;
    theme = resolveTheme(str('theme'), io.env);
    conn = resolveConnection({
      apiUrl: str('api-url'),
      apiAddr: str('api-addr') ?? '127.2.27.1:80',
      apiKey: str('api-key'),
      env: io.env,
    });
  } catch (err) {
    io.stderr.write(`kubefwd: ${(err as Error).message}\n`);
    return 2;
  }
  if (!conn.apiKey) {
    io.stderr.write(
      `kubefwd: no API key for ${conn.baseUrl}: pass --api-key or set KUBEFWD_API_KEY (the daemon's key file is not readable)\n`,
    );
    return 2;
  }
  const client = createKubefwdClient({ baseUrl: conn.baseUrl, apiKey: conn.apiKey });
  const store = createClientStore({ client });
  try {
    // The key and the address are checked before the screen is taken, so a mistake is one line in the shell.
    await client.call(client.api.GET('/api/v1/info'));
    const problem = terminalProblem(terminal);
    if (problem) throw new Error(`kubefwd tui needs a terminal: ${problem}`);
    await store.start();
  } catch (err) {
    store.close();
    const why =
      err instanceof ApiError && err.code === 'UNAUTHORIZED'
        ? `the key from ${conn.keySource} was refused`
        : (err as Error).message;
    io.stderr.write(`kubefwd: cannot attach to ${conn.baseUrl}: ${why}\n`);
    return 1;
  }
  try {
    await runTui({
      ...terminal,
      store,
      theme,
      copy: createClipboard(io.env),
      attachedTo: conn.baseUrl,
      signal: io.signal,
    });
  } finally {
    store.close();
  }
  return 0;
}
