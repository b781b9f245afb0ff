import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { createKubefwdClient, type KubefwdClient } from '../client/client.ts';
import { FlagError, parseFlags } from '../cli/flags.ts';
import type { CommandIo } from '../cli/io.ts';
import { runSvcCommand } from '../cli/svc-command.ts';
import { SVC_FLAGS, configFromFlags } from '../cli/svc-flags.ts';
import type { ApiAddress } from '../daemon/config.ts';
import { KubefwdError } from '../errors.ts';
import { createClipboard } from './clipboard.ts';
import { createClientStore } from './client-store.ts';
import { runTui, terminalProblem, type TerminalIo } from './run-tui.ts';
import { terminalOf } from './tui-command.ts';
import { resolveTheme, type Theme } from './theme.ts';

/** A port the API can take when --api-addr asks for port 0: the UI must know where to attach before it starts. */
async function freePort(host: string): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Waits until the daemon's API answers, or the daemon ended (its start failed). */
async function untilApiAnswers(client: KubefwdClient, ended: Promise<number>): Promise<boolean> {
  let done = false;
  void ended.then(() => (done = true));
  while (!done) {
    try {
      await client.call(client.api.GET('/api/health'));
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

const discard = (): Writable => new Writable({ write: (_chunk, _enc, cb) => cb() });

/**
 * `kubefwd svc --tui`: the daemon runs in this process with its API on a loopback address, and the UI attaches to
 * it through the typed client exactly as `kubefwd tui` does. Quitting aborts the daemon as SIGTERM would.
 */
export async function runSvcTui(
  argv: readonly string[],
  io: CommandIo,
  terminal: TerminalIo = terminalOf(),
): Promise<number> {
  let theme: Theme;
  let apiAddr: ApiAddress;
  let apiKey: string;
  try {
    const parsed = parseFlags(argv, SVC_FLAGS);
    if (parsed.values.get('help') === true || parsed.values.get('tui') !== true)
      return await runSvcCommand(argv, io);
    theme = resolveTheme((parsed.values.get('theme') as string | undefined) || undefined, io.env);
    const problem = terminalProblem(terminal);
    if (problem) throw new FlagError(`--tui needs a terminal: ${problem}`);
    const config = configFromFlags(parsed, io);
    apiAddr =
      config.apiAddr.port === 0
        ? { ...config.apiAddr, port: await freePort(config.apiAddr.host) }
        : config.apiAddr;
    apiKey = config.apiKey ?? randomBytes(24).toString('base64url');
  } catch (err) {
    if (
      err instanceof FlagError ||
      err instanceof KubefwdError ||
      /invalid theme/.test((err as Error).message)
    ) {
      io.stderr.write(`kubefwd: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }

  const stop = new AbortController();
  io.signal.addEventListener('abort', () => stop.abort(), { once: true });
  let errors = '';
  const daemonIo: CommandIo = {
    ...io,
    // The log goes to the UI's panel (through the API's log ring), never over the screen.
    stdout: discard(),
    stderr: new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        errors += chunk.toString();
        cb();
      },
    }),
    isTty: false,
    signal: stop.signal,
  };
  const daemon = runSvcCommand(argv, daemonIo, { api: true, apiAddr, apiKey });
  const baseUrl = `http://${apiAddr.host}:${apiAddr.port}`;
  const client = createKubefwdClient({ baseUrl, apiKey });
  if (!(await untilApiAnswers(client, daemon))) {
    io.stderr.write(errors);
    return daemon;
  }
  const store = createClientStore({ client });
  try {
    await store.start();
    await runTui({ ...terminal, store, theme, copy: createClipboard(io.env), signal: stop.signal });
  } catch (err) {
    errors += `kubefwd: ${(err as Error).message}\n`;
  } finally {
    store.close();
    stop.abort();
  }
  io.stdout.write('kubefwd: shutting down\n');
  const code = await daemon;
  io.stderr.write(errors);
  return code;
}
