import { parsePortSpec, parseTarget, type PortSpec, type TargetRef } from '../adhoc/target-spec.ts';
import { KubefwdError } from '../errors.ts';
import { FlagError, parseFlags, renderFlagHelp, type FlagSpec } from './flags.ts';
import type { CommandIo } from './io.ts';

/** kubectl port-forward's flags, spelled as kubectl spells them. */
export const PF_FLAGS: readonly FlagSpec[] = [
  {
    name: 'namespace',
    short: 'n',
    kind: 'string',
    help: 'namespace of the target',
    defaultText: "the context's",
  },
  { name: 'context', kind: 'string', help: 'kubeconfig context', defaultText: 'current context' },
  {
    name: 'kubeconfig',
    kind: 'string',
    help: 'kubeconfig file',
    defaultText: '$KUBECONFIG or ~/.kube/config',
  },
  {
    name: 'address',
    kind: 'strings',
    help: 'local addresses to listen on (comma-separated or repeated; localhost = 127.0.0.1 and ::1 if it has it)',
    defaultText: '127.0.0.1',
  },
  { name: 'verbose', short: 'v', kind: 'bool', help: 'debug logging on stderr' },
  { name: 'help', short: 'h', kind: 'bool', help: 'show this help' },
];

export function portForwardUsage(): string {
  return `Forward local ports to a pod, or to whichever pod backs a service, deployment or statefulset; reconnects and
follows pod replacement. Needs no root and writes no hosts file.

Usage:
  kubefwd port-forward TYPE/NAME [LOCAL:]REMOTE... [flags]

  TYPE/NAME   pod/NAME (or just NAME), svc/NAME, deploy/NAME, sts/NAME
  PORTS       8080:80 (local 8080), :80 (any free local port), 80 (the same locally), 8080:http (a named port);
              for a service, REMOTE is the service's port

Flags:
${renderFlagHelp(PF_FLAGS)}
`;
}

export interface PortForwardArgs {
  target: TargetRef;
  ports: PortSpec[];
  namespace: string | undefined;
  context: string | undefined;
  kubeconfig: string | undefined;
  addresses: string[];
  /** Addresses that may fail to bind as long as another works (`localhost`'s ::1, as kubectl). */
  optional: string[];
  verbose: boolean;
}

function parseArgs(argv: readonly string[]): PortForwardArgs | 'help' {
  const { values, positionals } = parseFlags(argv, PF_FLAGS);
  if (values.get('help') === true) return 'help';
  const [targetText, ...portTexts] = positionals;
  if (targetText === undefined || portTexts.length === 0)
    throw new KubefwdError(
      'BAD_REQUEST',
      'port-forward needs TYPE/NAME and at least one [LOCAL:]REMOTE port, e.g. kubefwd port-forward svc/web 8080:80',
    );
  const str = (k: string): string | undefined => (values.get(k) as string | undefined) || undefined;
  const asked = (values.get('address') as string[] | undefined) ?? ['127.0.0.1'];
  const addresses = asked.flatMap((a) => (a === 'localhost' ? ['127.0.0.1', '::1'] : [a]));
  const optional = asked.includes('localhost') && !asked.includes('::1') ? ['::1'] : [];
  return {
    target: parseTarget(targetText),
    ports: portTexts.map(parsePortSpec),
    namespace: str('namespace'),
    context: str('context'),
    kubeconfig: str('kubeconfig'),
    addresses: [...new Set(addresses)],
    optional,
    verbose: values.get('verbose') === true,
  };
}

/**
 * `kubefwd port-forward`: kubectl's command line, standalone (no daemon, no root, no hosts file), over the same
 * ad-hoc forwards the API creates. Prints each local port; Ctrl-C stops cleanly. Bad input: one line, exit 1.
 */
export async function runPortForwardCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let args: PortForwardArgs;
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      io.stdout.write(portForwardUsage());
      return 0;
    }
    args = parsed;
  } catch (err) {
    if (err instanceof FlagError || err instanceof KubefwdError) {
      io.stderr.write(`kubefwd: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // The cluster side loads only once the arguments are known good: bad input answers at once.
  const { forwardFromCli } = await import('./port-forward-run.ts');
  return forwardFromCli(args, io);
}
