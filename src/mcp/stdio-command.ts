import { once } from 'node:events';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { createKubefwdClient } from '../client/client.ts';
import { resolveConnection, DEFAULT_API_URL } from '../client/connection.ts';
import { FlagError, parseFlags, renderFlagHelp, type FlagSpec } from '../cli/flags.ts';
import type { CommandIo } from '../cli/io.ts';
import { packageVersion } from '../cli/version.ts';
import { describeError } from '../errors.ts';
import { createChangeFeed } from './change-feed.ts';
import { createKubefwdMcpServer } from './server.ts';

export const MCP_FLAGS: FlagSpec[] = [
  { name: 'api-url', kind: 'string', help: 'URL of the kubefwd daemon', defaultText: DEFAULT_API_URL },
  {
    name: 'api-key',
    kind: 'string',
    help: 'API key (else KUBEFWD_API_KEY, else STATE_DIR/api-key when readable)',
  },
  {
    name: 'state-dir',
    kind: 'string',
    help: "The daemon's state directory, to read its api-key from",
    defaultText: '/var/lib/kubefwd, ~/.kubefwd',
  },
  {
    name: 'verbose',
    short: 'v',
    kind: 'bool',
    help: 'Log more (to stderr; stdout carries only the protocol)',
  },
  { name: 'help', short: 'h', kind: 'bool', help: 'Show this help' },
];

export function mcpUsage(): string {
  return `Serve the Model Context Protocol on stdin/stdout for AI assistants (Claude, Cursor, VS Code, ...), over the
REST API of a running kubefwd. Needs no root: the daemon (sudo -E kubefwd) does the forwarding.

Usage:
  kubefwd mcp [flags]

Flags:
${renderFlagHelp(MCP_FLAGS)}

Configure a client (Claude Desktop, Cursor, Claude Code: the "mcpServers" entry of its JSON settings):
  {
    "mcpServers": {
      "kubefwd": { "command": "kubefwd", "args": ["mcp"], "env": { "KUBEFWD_API_KEY": "<key>" } }
    }
  }
VS Code (.vscode/mcp.json): { "servers": { "kubefwd": { "type": "stdio", "command": "kubefwd", "args": ["mcp"] } } }

The key: the one you gave the daemon (KUBEFWD_API_KEY), or the generated one it keeps in STATE_DIR/api-key
(sudo cat /var/lib/kubefwd/api-key). Without a daemon the server still starts; its tools answer api_unavailable
with how to start one.

Clients that speak Streamable HTTP can skip this bridge: the daemon serves MCP itself at http://kubefwd.internal/mcp
(header Authorization: Bearer <key>). See docs/mcp.md.
`;
}

/** `--api-url http://kubefwd.internal/api`, as the original kubefwd took it, names the same daemon. */
const originOf = (url: string): string => url.replace(/\/+$/, '').replace(/\/api$/, '');

export async function runMcpCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Map<string, unknown>;
  try {
    values = parseFlags(argv, MCP_FLAGS).values;
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr.write(`kubefwd mcp: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (values.get('help') === true) {
    io.stdout.write(mcpUsage());
    return 0;
  }
  const verbose = values.get('verbose') === true;
  const log = (message: string): void => void io.stderr.write(`kubefwd mcp: ${message}\n`);
  const apiUrl = values.get('api-url') as string | undefined;
  const stateDir = values.get('state-dir') as string | undefined;
  const conn = resolveConnection({
    apiUrl: originOf(apiUrl ?? DEFAULT_API_URL),
    apiKey: values.get('api-key') as string | undefined,
    env: io.env,
    ...(stateDir ? { stateDirs: [stateDir] } : {}),
  });
  const client = createKubefwdClient({ baseUrl: conn.baseUrl, apiKey: conn.apiKey });
  const version = packageVersion();
  const feed = createChangeFeed({ client, ...(verbose ? { log } : {}) });

  // Say at once whether a daemon answers: the server starts either way, and its tools explain what is missing.
  try {
    await client.call(client.api.GET('/api/health'));
    if (verbose) log(`daemon at ${conn.baseUrl}, key from ${conn.keySource}`);
  } catch (err) {
    log(
      `no kubefwd daemon answers at ${conn.baseUrl} (${describeError(err)}): tools will answer api_unavailable until one runs; start it with: sudo -E kubefwd`,
    );
  }
  // Follow the daemon's events before the first request, so a change right after connecting is not missed.
  await feed.start(2000);
  if (!conn.apiKey)
    log('no API key found: pass --api-key, set KUBEFWD_API_KEY, or make STATE_DIR/api-key readable');

  const transport = new StdioServerTransport();
  // The client ends the session by closing our stdin ('end' on a pipe, possibly no 'close' on a file like /dev/null).
  const closed = Promise.race([once(process.stdin, 'end'), once(process.stdin, 'close')]).catch(
    () => undefined,
  );
  const handle = serveStdio(
    ({ era }) => createKubefwdMcpServer({ client, conn, version, actor: 'mcp-stdio', feed, era }),
    { transport, onerror: (err) => verbose && log(`protocol error: ${err.message}`) },
  );
  const stop = once(io.signal, 'abort').catch(() => undefined);
  await Promise.race([closed, stop]);
  feed.close();
  await handle.close().catch(() => undefined);
  return 0;
}
