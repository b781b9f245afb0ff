import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubefwdClient, type KubefwdClient } from '../../src/client/index.ts';
import { primaryHost } from '../../src/tui/rows.ts';
import { KUBEFWD_BIN, runCli, runCliToEnd, type CliProcess } from '../helpers/cli.ts';
import { ORIGINAL_HOSTS, ipOf, startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { HAS_TMUX, startInTmux, type TmuxPane } from '../helpers/tmux.ts';
import { waitFor } from '../helpers/wait-for.ts';

const KEY = 'tui-e2e-key';
if (!HAS_TMUX) console.warn('tui e2e skipped: tmux is not installed');

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.2.27.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Table rows on the screen: lines with a local→pod port. */
const tableRows = (screen: string): string[] => screen.split('\n').filter((l) => /\d+→(\d+|\?)/.test(l));

// Asynchronous: the simulated pods serve from this process, so a blocking child would wait on itself.
async function curl(name: string, port: number, ip: string, path: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'curl',
    [
      '-sS',
      '--noproxy',
      '*',
      '--max-time',
      '5',
      '--resolve',
      `${name}:${port}:${ip}`,
      `http://${name}:${port}${path}`,
    ],
    { encoding: 'utf8' },
  );
  return stdout;
}

/** Every forward the API lists shows as a row with its hostname and local→pod port. */
async function expectRowsForEveryForward(
  pane: TmuxPane,
  client: KubefwdClient,
  count: number,
): Promise<void> {
  let listed = -1;
  const forwards = await waitFor(
    async () => {
      const data = await client.call(
        client.api.GET('/api/v1/forwards', { params: { query: { limit: 1000 } } }),
      );
      listed = data.forwards.length;
      return listed === count ? data.forwards : undefined;
    },
    {
      timeoutMs: 45_000,
      message: () => `${count} forwards listed, not ${listed}`,
    },
  );
  const screen = await pane.until((s) => tableRows(s).length === count, `${count} rows`);
  for (const f of forwards) {
    const pattern = new RegExp(
      `^${primaryHost(f).replace(/\./g, '\\.')}\\s+${f.localPort}→${f.podPort ?? '\\?'}\\s`,
      'm',
    );
    expect(screen).toMatch(pattern);
  }
}

/** `/` + text, Enter on the one row left, the HTTP tab shows a request made through the forward. */
async function filterOpenAndSeeRequest(pane: TmuxPane, hosts: () => string, path: string): Promise<void> {
  pane.keys('/');
  pane.type('web');
  pane.keys('Enter');
  await pane.until(
    (s) => tableRows(s).length === 1 && /^web\s/m.test(s) && s.includes('/web  (1 match)'),
    'filtered to web',
  );
  pane.keys('Enter');
  await pane.until(
    (s) => s.includes('Connect (1-9 or y copies)') && s.includes('1. web:8080'),
    'detail of web',
  );
  pane.keys('Tab');
  await pane.until((s) => s.includes('No HTTP requests captured') || /GET\s/.test(s), 'HTTP tab');
  const ip = ipOf(hosts(), 'web.alpha');
  expect(ip).toBeDefined();
  const answer = JSON.parse(await curl('web.alpha', 8080, ip as string, path)) as { pod?: unknown };
  expect(typeof answer.pod).toBe('string');
  await pane.until((s) => new RegExp(`GET\\s+${path}\\s+200`).test(s), 'the request in the HTTP tab');
  // Back on Info, the pod that answered shows in the Endpoints section with the connection counted.
  pane.keys('Left');
  await pane.until(
    (s) => new RegExp(`^\\s+${String(answer.pod)}\\s+ready\\s+\\d+/[1-9]\\d*\\s`, 'm').test(s),
    `pod ${String(answer.pod)} with a connection in the Endpoints section`,
  );
  // The Logs tab follows the pod's log: a request made after it opened shows as the pod's access log line.
  pane.keys('Left');
  await pane.until((s) => s.includes(`pod ${String(answer.pod)} (followed`), 'Logs tab');
  expect(await curl('web.alpha', 8080, ip as string, `${path}-followed`)).toContain(String(answer.pod));
  await pane.until((s) => s.includes(`GET ${path}-followed`), 'the new access log line in the Logs tab');
  pane.keys('Escape');
  await pane.until((s) => s.includes('HOSTNAME'), 'back to the table');
}

async function quitAndExpectRestoredTerminal(pane: TmuxPane): Promise<void> {
  expect(pane.display('#{alternate_on}')).toBe('1');
  pane.keys('q');
  await pane.until((s) => /EXIT=\d+/.test(s), 'exit', 30_000);
  expect(pane.capture()).toMatch(/EXIT=0/);
  expect(pane.display('#{alternate_on} #{cursor_flag}')).toBe('0 1');
}

describe('terminal UI flags', () => {
  it('refuses a bad theme and a missing terminal in one line each', async () => {
    const theme = await runCliToEnd(['tui', '--theme', 'pink', '--api-addr', '127.0.0.1:1']);
    expect(theme).toMatchObject({
      code: 2,
      stderr: 'kubefwd: invalid theme "pink": expected dark or light\n',
    });
    const noTty = await runCliToEnd(['svc', '--tui', '-n', 'alpha', '--hosts-path', '/dev/null']);
    expect(noTty).toMatchObject({
      code: 2,
      stderr: 'kubefwd: --tui needs a terminal: standard input is not a terminal\n',
    });
    const closed = `127.2.27.1:${await freePort()}`;
    const down = await runCliToEnd(['tui', '--api-addr', closed], { env: { KUBEFWD_API_KEY: KEY } });
    expect(down).toMatchObject({
      code: 1,
      stderr: `kubefwd: cannot attach to http://${closed}: kubefwd API at http://${closed} is not reachable: ECONNREFUSED\n`,
    });
  });
});

describe.skipIf(!HAS_TMUX)('terminal UI in a real terminal', () => {
  let env: E2eEnv;
  let pane: TmuxPane | undefined;
  beforeAll(async () => {
    env = await startE2eEnv();
  });
  afterAll(async () => {
    pane?.close();
    await env?.close();
  });

  it('svc --tui: rows for every forward, filter, detail with an HTTP capture, q quits and cleans up', async () => {
    const port = await freePort();
    pane = startInTmux(
      [
        process.execPath,
        KUBEFWD_BIN,
        'svc',
        '--tui',
        '-n',
        'alpha,beta',
        '--api-addr',
        `127.2.27.1:${port}`,
        ...env.flags(),
      ],
      { env: { KUBEFWD_API_KEY: KEY } },
    );
    try {
      const client = createKubefwdClient({ baseUrl: `http://127.2.27.1:${port}`, apiKey: KEY });
      await expectRowsForEveryForward(pane, client, 7);
      await filterOpenAndSeeRequest(pane, () => env.hosts(), '/tui-in-process');
      await quitAndExpectRestoredTerminal(pane);
      expect(env.hosts()).toBe(ORIGINAL_HOSTS);
    } finally {
      pane.close();
      pane = undefined;
    }
  });

  it('kubefwd tui --api-addr: attaches to an idle daemon, shows a namespace added through the API, leaves it running', async () => {
    const daemon: CliProcess = runCli(['--api-addr', '127.2.27.1:0', ...env.flags()], {
      env: { KUBEFWD_API_KEY: KEY },
    });
    try {
      const base = (await daemon.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
      const addr = base.replace('http://', '');
      const client = createKubefwdClient({ baseUrl: base, apiKey: KEY });

      const wrong = await runCliToEnd(['tui', '--api-addr', addr], { env: { KUBEFWD_API_KEY: 'wrong' } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toBe(
        `kubefwd: cannot attach to ${base}: the key from KUBEFWD_API_KEY was refused\n`,
      );

      pane = startInTmux([process.execPath, KUBEFWD_BIN, 'tui', '--api-addr', addr], {
        env: { KUBEFWD_API_KEY: KEY },
      });
      await pane.until((s) => s.includes('No forwards. Press f to browse'), 'empty table of an idle daemon');
      await client.call(
        client.api.POST('/api/v1/namespaces', { body: { namespace: 'alpha', context: 'one' } }),
      );
      await expectRowsForEveryForward(pane, client, 3);
      await filterOpenAndSeeRequest(pane, () => env.hosts(), '/tui-attached');
      await quitAndExpectRestoredTerminal(pane);
      const after = await client.call(client.api.GET('/api/v1/forwards'));
      expect(after.forwards).toHaveLength(3);
    } finally {
      pane?.close();
      pane = undefined;
      expect(await daemon.stop('SIGTERM')).toBe(0);
    }
    expect(env.hosts()).toBe(ORIGINAL_HOSTS);
  });
});
