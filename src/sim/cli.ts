import { fileURLToPath } from 'node:url';
import { createSimulator } from './index.ts';

export const DEMO_FIXTURE = fileURLToPath(new URL('./fixtures/demo.yaml', import.meta.url));

const USAGE =
  'usage: kubefwd sim --kubeconfig FILE [--fixture FILE] [--version X.Y] [--plain-http] [--port N]';

/** `kubefwd sim`: runs the simulated cluster in the foreground until the signal aborts. */
export async function runSimCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; signal: AbortSignal },
): Promise<number> {
  const opts: { kubeconfig?: string; fixture?: string; version?: string; plain?: boolean; port?: number } =
    {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`flag needs an argument: ${flag}`);
      return v;
    };
    try {
      if (flag === '--kubeconfig') opts.kubeconfig = value();
      else if (flag === '--fixture') opts.fixture = value();
      else if (flag === '--version') {
        opts.version = value();
        if (!/^1\.\d{1,2}$/.test(opts.version))
          throw new Error(`invalid --version "${opts.version}": expected 1.NN`);
      } else if (flag === '--port') {
        opts.port = Number(value());
        if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)
          throw new Error('invalid --port');
      } else if (flag === '--plain-http') opts.plain = true;
      else if (flag === '--help' || flag === '-h') {
        io.stdout.write(`${USAGE}\n`);
        return 0;
      } else throw new Error(`unknown flag: ${flag}`);
    } catch (err) {
      io.stderr.write(`kubefwd sim: ${(err as Error).message}\n`);
      return 2;
    }
  }
  if (!opts.kubeconfig) {
    io.stderr.write(`kubefwd sim: --kubeconfig is required (${USAGE})\n`);
    return 2;
  }
  let sim;
  try {
    sim = createSimulator({
      fixture: opts.fixture ?? DEMO_FIXTURE,
      version: opts.version,
      tls: !opts.plain,
      port: opts.port,
    });
    await sim.start();
  } catch (err) {
    io.stderr.write(`kubefwd sim: ${(err as Error).message}\n`);
    return 1;
  }
  sim.writeKubeconfig(opts.kubeconfig);
  for (const c of sim.clusters()) io.stdout.write(`cluster ${c.name} (v${c.version}) at ${c.url}\n`);
  io.stdout.write(`kubeconfig written to ${opts.kubeconfig}\ncontrol: ${sim.controlUrl ?? '-'}\n`);
  if (!io.signal.aborted)
    await new Promise<void>((r) => io.signal.addEventListener('abort', () => r(), { once: true }));
  await sim.close();
  return 0;
}
