import { createAdhocManager, type AdhocManager } from '../adhoc/adhoc-manager.ts';
import type { AdhocNotice } from '../adhoc/adhoc-forward.ts';
import { parsePortSpec, parseTarget, type PortSpec, type TargetRef } from '../adhoc/target-spec.ts';
import { createClusterClient } from '../cluster/cluster-client.ts';
import { defaultNamespaceOf, loadKubeConfig, resolveContexts } from '../cluster/kubeconfig.ts';
import { KubefwdError, describeError } from '../errors.ts';
import { createPodDialer } from '../forwarder/pod-dialer.ts';
import { createPodSessions } from '../forwarder/pod-sessions.ts';
import { createTransportChooser } from '../forwarder/transport-chooser.ts';
import { createLogger, silentLogger } from '../log/logger.ts';
import { FlagError, parseFlags, renderFlagHelp, type FlagSpec } from './flags.ts';
import type { CommandIo } from './io.ts';

/** kubectl port-forward's flags, spelled as kubectl spells them. */
const PF_FLAGS: readonly FlagSpec[] = [
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
    help: 'local addresses to listen on (comma-separated or repeated; localhost = 127.0.0.1)',
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

interface Parsed {
  target: TargetRef;
  ports: PortSpec[];
  namespace: string | undefined;
  context: string | undefined;
  kubeconfig: string | undefined;
  addresses: string[];
  verbose: boolean;
}

function parseArgs(argv: readonly string[]): Parsed | 'help' {
  const { values, positionals } = parseFlags(argv, PF_FLAGS);
  if (values.get('help') === true) return 'help';
  const [targetText, ...portTexts] = positionals;
  if (targetText === undefined || portTexts.length === 0)
    throw new KubefwdError(
      'BAD_REQUEST',
      'port-forward needs TYPE/NAME and at least one [LOCAL:]REMOTE port, e.g. kubefwd port-forward svc/web 8080:80',
    );
  const str = (k: string): string | undefined => (values.get(k) as string | undefined) || undefined;
  const addresses = ((values.get('address') as string[] | undefined) ?? ['127.0.0.1']).map((a) =>
    a === 'localhost' ? '127.0.0.1' : a,
  );
  return {
    target: parseTarget(targetText),
    ports: portTexts.map(parsePortSpec),
    namespace: str('namespace'),
    context: str('context'),
    kubeconfig: str('kubeconfig'),
    addresses: [...new Set(addresses)],
    verbose: values.get('verbose') === true,
  };
}

/** Prints each change once, even when several ports or addresses report the same pod. */
function noticePrinter(io: CommandIo) {
  let last = '';
  return (_id: string, n: AdhocNotice): void => {
    const line =
      n.type === 'error'
        ? `kubefwd: ${n.message}`
        : n.previous
          ? `Pod ${n.previous} is gone: forwarding to pod ${n.pod}`
          : `Forwarding to pod ${n.pod}`;
    if (line === last) return;
    last = line;
    (n.type === 'error' ? io.stderr : io.stdout).write(`${line}\n`);
  };
}

/**
 * `kubefwd port-forward`: kubectl's command line, standalone (no daemon, no root, no hosts file), over the same
 * ad-hoc forwards the API creates. Prints each local port; Ctrl-C stops cleanly. Bad input: one line, exit 1.
 */
export async function runPortForwardCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  let args: Parsed;
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
  const log = args.verbose
    ? createLogger({ level: 'debug', format: 'pretty', destination: io.stderr })
    : silentLogger();
  let manager: AdhocManager | undefined;
  let sessions: ReturnType<typeof createPodSessions> | undefined;
  try {
    const base = loadKubeConfig(args.kubeconfig, io.env);
    const [context = ''] = resolveContexts(base, args.context ? [args.context] : []);
    const client = createClusterClient({ base, context, index: 0, log });
    const namespace = args.namespace ?? defaultNamespaceOf(base, context);
    const transports = createTransportChooser({ log });
    sessions = createPodSessions({ log, dial: createPodDialer(() => client, transports) });
    manager = createAdhocManager({
      client: () => client,
      defaultContext: () => context,
      defaultNamespace: () => namespace,
      sessions,
      log,
      publish: () => undefined,
      // The user binds what they ask for, as with kubectl; loopback is only the API's default rule.
      allowedAddresses: args.addresses,
      onNotice: noticePrinter(io),
    });
    for (const port of args.ports) {
      for (const address of args.addresses) {
        if (io.signal.aborted) break;
        const f = await manager.create({ target: args.target, port, address, namespace, context });
        const host = address.includes(':') ? `[${address}]` : address;
        io.stdout.write(`Forwarding from ${host}:${f.localPort} -> ${f.podPort ?? f.remotePort}\n`);
      }
    }
  } catch (err) {
    io.stderr.write(`kubefwd: ${describeError(err)}\n`);
    await manager?.closeAll();
    await sessions?.closeAll();
    return 1;
  }
  if (!io.signal.aborted)
    await new Promise<void>((resolve) =>
      io.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  await manager.closeAll();
  await sessions.closeAll();
  return 0;
}
