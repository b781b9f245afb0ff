import type { FlagSpec } from './flags.ts';
import type { CommandIo } from './io.ts';
import { PF_FLAGS } from './port-forward-command.ts';
import { SVC_FLAGS } from './svc-flags.ts';
import { TUI_FLAGS, wantsTui } from '../tui/tui-flags.ts';
import { packageVersion } from './version.ts';

/**
 * One subcommand. The table below is what dispatch, `kubefwd help`, `kubefwd help NAME` and the completion scripts
 * read, so a new subcommand is one entry here. Each command loads its module only when it runs: `kubefwd version`
 * and the completion helper must not pay for the Kubernetes client.
 */
export interface Command {
  name: string;
  aliases?: readonly string[];
  /** How it is invoked, after `kubefwd `. */
  synopsis: string;
  /** One line for `kubefwd help`. */
  summary: string;
  /** The full text of `kubefwd help NAME`. */
  help(): Promise<string>;
  run(argv: readonly string[], io: CommandIo): Promise<number>;
  /** Flags offered by the completion scripts (the command's own parser stays the judge). */
  flags?: readonly FlagSpec[];
  /** Words offered after the command name (e.g. the shells of `completion`). */
  words?: () => readonly string[];
  /** Left out of `kubefwd help` and of completion (the completion scripts' own helper). */
  hidden?: boolean;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

const SIM_FLAGS: readonly FlagSpec[] = [
  { name: 'kubeconfig', kind: 'string', help: 'where to write the kubeconfig for the simulated clusters' },
  { name: 'fixture', kind: 'string', help: 'YAML fixture of clusters and objects' },
  { name: 'version', kind: 'string', help: 'Kubernetes version to report, e.g. 1.32' },
  { name: 'plain-http', kind: 'bool', help: 'serve plain HTTP instead of TLS' },
  { name: 'port', kind: 'int', help: 'API server port (default: any free port)' },
];

/** A command's output captured as text (the commands that print their own usage). */
async function captured(run: (io: CommandIo) => Promise<number>): Promise<string> {
  let text = '';
  const sink = { write: (chunk: string | Uint8Array) => ((text += String(chunk)), true) };
  await run({
    stdout: sink as unknown as NodeJS.WritableStream,
    stderr: sink as unknown as NodeJS.WritableStream,
    env: {},
    isTty: false,
    isRoot: false,
    signal: AbortSignal.abort(),
    onEmergency: () => undefined,
  });
  return text;
}

const text = (body: string) => (): Promise<string> => Promise.resolve(body);

export const COMMANDS: readonly Command[] = [
  {
    name: 'svc',
    aliases: ['svcs', 'services'],
    synopsis: 'svc [flags]',
    summary: 'forward services (no namespace: idle mode with the REST API); flags alone mean svc',
    flags: SVC_FLAGS,
    help: async () => (await import('./svc-command.ts')).svcUsage(),
    run: async (argv, io) =>
      wantsTui(argv)
        ? (await import('../tui/svc-tui.ts')).runSvcTui(argv, io)
        : (await import('./svc-command.ts')).runSvcCommand(argv, io),
  },
  {
    name: 'tui',
    synopsis: 'tui [--api-addr IP:PORT]',
    summary: 'the terminal UI attached to a running daemon (svc --tui: in-process)',
    flags: TUI_FLAGS,
    help: async () => (await import('../tui/tui-command.ts')).tuiUsage(),
    run: async (argv, io) => (await import('../tui/tui-command.ts')).runTuiCommand(argv, io),
  },
  {
    name: 'version',
    synopsis: 'version [quiet]',
    summary: 'print the version (also --version)',
    words: () => ['quiet'],
    help: text(
      'Print the version: "kubefwd version: X.Y.Z", or only "X.Y.Z" with quiet.\n\nUsage:\n  kubefwd version [quiet]\n',
    ),
    run: (argv, io) => {
      io.stdout.write(
        argv[0] === 'quiet' ? `${packageVersion()}\n` : `kubefwd version: ${packageVersion()}\n`,
      );
      return Promise.resolve(0);
    },
  },
  {
    name: 'sim',
    synopsis: 'sim --kubeconfig FILE',
    summary: 'run the simulated Kubernetes cluster and write a kubeconfig for it',
    flags: SIM_FLAGS,
    help: () => captured((io) => runSim(['--help'], io)),
    run: (argv, io) => runSim(argv, io),
  },
  {
    name: 'demo',
    synopsis: 'demo [svc flags]',
    summary: 'the simulated cluster plus the daemon, with a temporary hosts file',
    flags: SVC_FLAGS,
    help: text(
      'Run the simulated cluster with its demo services and forward them, the REST API on, against a temporary copy\nof the hosts file. Extra flags go to svc.\n\nUsage:\n  kubefwd demo [svc flags]\n',
    ),
    run: async (argv, io) => (await import('./demo-command.ts')).runDemoCommand(argv, io),
  },
  {
    name: 'port-forward',
    synopsis: 'port-forward TYPE/NAME [LOCAL:]REMOTE...',
    summary: 'kubectl port-forward that follows pod replacement (no root, no hosts file)',
    flags: PF_FLAGS,
    help: async () => (await import('./port-forward-command.ts')).portForwardUsage(),
    run: async (argv, io) => (await import('./port-forward-command.ts')).runPortForwardCommand(argv, io),
  },
  {
    name: 'completion',
    synopsis: 'completion bash|zsh|fish',
    summary: 'print a shell completion script',
    words: () => SHELLS,
    help: text(
      `Print a completion script for bash, zsh or fish: subcommands, flags, and contexts and namespaces named in the
kubeconfig.

Usage:
  kubefwd completion bash|zsh|fish

Load it in the current shell:
  bash:  source <(kubefwd completion bash)
  zsh:   source <(kubefwd completion zsh)
  fish:  kubefwd completion fish | source
Or keep it: kubefwd completion bash > /etc/bash_completion.d/kubefwd
`,
    ),
    run: async (argv, io) => (await import('./completion.ts')).runCompletionCommand(argv, io),
  },
  {
    name: 'mcp',
    synopsis: 'mcp [flags]',
    summary: "the MCP server on stdio for AI assistants, over the daemon's REST API (no root)",
    help: async () => (await import('../mcp/stdio-command.ts')).mcpUsage(),
    run: async (argv, io) => (await import('../mcp/stdio-command.ts')).runMcpCommand(argv, io),
  },
  {
    name: 'help',
    synopsis: 'help [command]',
    summary: 'help about any command',
    words: () => visibleCommands().map((c) => c.name),
    help: text('Print the list of commands, or the help of one.\n\nUsage:\n  kubefwd help [command]\n'),
    run: (argv, io) => runHelp(argv, io),
  },
  {
    name: '__complete',
    synopsis: '__complete contexts|namespaces [--kubeconfig FILE]',
    summary: 'values for the completion scripts',
    hidden: true,
    help: text('Values for the completion scripts: contexts or namespaces named in the kubeconfig.\n'),
    run: async (argv, io) => (await import('./completion.ts')).runCompleteCommand(argv, io),
  },
];

async function runSim(argv: readonly string[], io: CommandIo): Promise<number> {
  const { runSimCommand } = await import('../sim/cli.ts');
  return runSimCommand([...argv], { stdout: io.stdout, stderr: io.stderr, signal: io.signal });
}

export function visibleCommands(): Command[] {
  return COMMANDS.filter((c) => !c.hidden);
}

export function findCommand(word: string): Command | undefined {
  return COMMANDS.find((c) => c.name === word || c.aliases?.includes(word));
}

export function usage(): string {
  const rows = visibleCommands().map((c) => `  kubefwd ${c.synopsis.padEnd(30)} ${c.summary}`);
  return `kubefwd ${packageVersion()}: forward Kubernetes services to loopback IPs under their in-cluster names

Usage:
  sudo -E kubefwd [svc] [flags]
${rows.join('\n')}

Run 'kubefwd help COMMAND' for more about a command.
`;
}

async function runHelp(argv: readonly string[], io: CommandIo): Promise<number> {
  const [word] = argv;
  if (word === undefined) {
    io.stdout.write(usage());
    return 0;
  }
  const command = findCommand(word);
  if (!command || command.hidden) {
    io.stderr.write(`kubefwd: ${unknownCommand(word)}\n`);
    return 2;
  }
  io.stdout.write(await command.help());
  return 0;
}

/** The error for a word that is no command, with the nearest command names as a hint. */
export function unknownCommand(word: string): string {
  const names = visibleCommands().flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  const near = names
    .map((name) => ({ name, d: editDistance(word.toLowerCase(), name) }))
    .filter(
      ({ name, d }) => d <= Math.max(1, Math.floor(name.length / 3)) || name.startsWith(word.toLowerCase()),
    )
    .sort((a, b) => a.d - b.d)
    .map(({ name }) => `"${name}"`);
  const hint = near.length > 0 ? `did you mean ${near.slice(0, 2).join(' or ')}? ` : '';
  return `unknown command "${word}": ${hint}run 'kubefwd help' for the commands (flags alone mean svc)`;
}

/** Levenshtein distance: small words only (command names). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = row;
  }
  return prev[b.length] as number;
}
