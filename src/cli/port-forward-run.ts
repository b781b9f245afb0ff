import { createAdhocManager, type AdhocManager } from '../adhoc/adhoc-manager.ts';
import type { AdhocNotice } from '../adhoc/adhoc-forward.ts';
import { createClusterClient, type ClusterClient } from '../cluster/cluster-client.ts';
import { defaultNamespaceOf, loadKubeConfig, resolveContexts } from '../cluster/kubeconfig.ts';
import { describeError } from '../errors.ts';
import { createPodDialer } from '../forwarder/pod-dialer.ts';
import { createPodSessions } from '../forwarder/pod-sessions.ts';
import { createTransportChooser } from '../forwarder/transport-chooser.ts';
import { createLogger, silentLogger } from '../log/logger.ts';
import type { CommandIo } from './io.ts';
import type { PortForwardArgs } from './port-forward-command.ts';

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
 * The running part of `kubefwd port-forward`: one client for the context, pod sessions of its own and the ad-hoc
 * forwards the API uses, one per port and address. Prints each local port and each pod change; on the abort (Ctrl-C)
 * closes listeners and sessions and returns 0; any failure to start is one line and 1.
 */
export async function forwardFromCli(args: PortForwardArgs, io: CommandIo): Promise<number> {
  const log = args.verbose
    ? createLogger({ level: 'debug', format: 'pretty', destination: io.stderr })
    : silentLogger();
  let manager: AdhocManager | undefined;
  let sessions: ReturnType<typeof createPodSessions> | undefined;
  let client: ClusterClient | undefined;
  try {
    const base = loadKubeConfig(args.kubeconfig, io.env);
    const [context = ''] = resolveContexts(base, args.context ? [args.context] : []);
    const c = createClusterClient({ base, context, index: 0, log });
    client = c;
    const namespace = args.namespace ?? defaultNamespaceOf(base, context);
    const transports = createTransportChooser({ log });
    sessions = createPodSessions({ log, dial: createPodDialer(() => c, transports) });
    manager = createAdhocManager({
      client: () => c,
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
      // As kubectl: a port the system picks for the first address is used on the others too.
      let local = port.local;
      for (const address of args.addresses) {
        if (io.signal.aborted) break;
        const request = { target: args.target, port: { ...port, local }, address, namespace, context };
        const f = await manager.create(request).catch((err: unknown) => {
          if (args.optional.includes(address)) return undefined;
          throw err;
        });
        if (!f) continue;
        local = f.localPort;
        const host = address.includes(':') ? `[${address}]` : address;
        io.stdout.write(`Forwarding from ${host}:${f.localPort} -> ${f.podPort ?? f.remotePort}\n`);
      }
    }
  } catch (err) {
    io.stderr.write(`kubefwd: ${describeError(err)}\n`);
    await manager?.closeAll();
    await sessions?.closeAll();
    await client?.close();
    return 1;
  }
  if (!io.signal.aborted)
    await new Promise<void>((resolve) =>
      io.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  await manager.closeAll();
  await sessions.closeAll();
  await client?.close();
  return 0;
}
