/**
 * What MCP costs over the REST API it wraps: `kubefwd mcp` start-up until tools/list answers, and the latency of
 * one tool call (list_services with a namespace of services forwarded) over stdio, over /mcp in both protocol eras,
 * and the REST call it makes. `npm run bench:mcp [-- --calls N]`; prints a table, writes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createKubefwdClient } from '../src/client/index.ts';
import { createSimulator } from '../src/sim/index.ts';
import { daemonBin, start } from './lib/procs.ts';
import { median, quantile, round } from './lib/stats.ts';

const argCalls = process.argv.indexOf('--calls');
const CALLS = argCalls > 0 ? Number(process.argv[argCalls + 1]) : 200;
const KEY = 'bench-key';
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-mcp-bench-'));
const sim = createSimulator({
  fixture: new URL('../test/fixtures/e2e.yaml', import.meta.url).pathname,
  control: false,
});
await sim.start();
const kubeconfig = join(dir, 'kubeconfig');
sim.writeKubeconfig(kubeconfig);
writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n');
const daemon = start(
  process.execPath,
  [
    daemonBin(),
    '--api-addr',
    '127.2.27.1:0',
    '-r',
    'web:127.1.78.1',
    '-r',
    'multi:127.1.78.2',
    '-c',
    kubeconfig,
    '--hosts-path',
    join(dir, 'hosts'),
    '--state-dir',
    join(dir, 'state'),
  ],
  { KUBEFWD_API_KEY: KEY },
);
const base = (await daemon.waitFor(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
const rest = createKubefwdClient({ baseUrl: base, apiKey: KEY });
await rest.call(rest.api.POST('/api/v1/namespaces', { body: { namespace: 'alpha', context: 'one' } }));

async function timed(label: string, call: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 20; i++) await call();
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await call();
    ms.push(performance.now() - t);
  }
  return `| ${label} | ${round(median(ms), 2)} | ${round(quantile(ms, 0.99), 2)} |`;
}

const rows: string[] = [];
const t0 = performance.now();
const stdio = new Client({ name: 'bench', version: '1' });
await stdio.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: [daemonBin(), 'mcp', '--api-url', base],
    env: { KUBEFWD_API_KEY: KEY, PATH: process.env.PATH ?? '' },
  }),
);
await stdio.listTools();
const startup = performance.now() - t0;
const listServices = (c: Client) => () =>
  c.callTool({ name: 'list_services', arguments: { namespace: 'alpha' } });
rows.push(
  await timed('REST GET /api/v1/services (typed client)', () =>
    rest.call(rest.api.GET('/api/v1/services', { params: { query: { namespace: 'alpha' } } })),
  ),
);
rows.push(await timed('stdio `kubefwd mcp` list_services', listServices(stdio)));
for (const era of ['legacy', 'modern'] as const) {
  const c = new Client(
    { name: 'bench', version: '1' },
    era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await c.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${KEY}` } },
    }),
  );
  rows.push(
    await timed(
      `/mcp ${era === 'modern' ? '2026-07-28' : '2025 era (session)'} list_services`,
      listServices(c),
    ),
  );
  await c.close();
}
await stdio.close();
process.stdout.write(
  `kubefwd mcp start-up to tools/list answered: ${round(startup, 0)} ms\n\n| call (${CALLS} each) | p50 ms | p99 ms |\n|---|---|---|\n${rows.join('\n')}\n`,
);
await daemon.stop();
await sim.close();
rmSync(dir, { recursive: true, force: true });
