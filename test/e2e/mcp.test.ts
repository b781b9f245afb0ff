import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { ipOf, startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { callTool, closedPort, httpClient, stdioClient, textOf } from '../helpers/mcp.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const KEY = 'mcp-e2e-key';
const TOOLS = [
  'add_namespace',
  'remove_namespace',
  'add_service',
  'remove_service',
  'get_connection_info',
  'list_k8s_namespaces',
  'list_k8s_services',
  'get_pod_logs',
  'list_pods',
  'get_pod',
  'get_events',
  'get_endpoints',
  'find_services',
  'list_hostnames',
  'list_services',
  'get_service',
  'reconnect_service',
  'reconnect_all_errors',
  'sync_service',
  'get_health',
  'get_metrics',
  'diagnose_errors',
  'get_logs',
  'get_analysis',
  'get_quick_status',
  'get_http_traffic',
  'list_contexts',
  'get_history',
];
/** Beyond the original: the ad-hoc port-forwards. */
const PORT_FORWARD_TOOLS = ['list_port_forwards', 'add_port_forward', 'remove_port_forward'];
/** Beyond the original: how a service spreads connections over its pods. */
const ENDPOINT_TOOLS = ['get_service_endpoints'];
const RESOURCES = [
  'services',
  'forwards',
  'metrics',
  'summary',
  'errors',
  'status',
  'http-traffic',
  'contexts',
].map((r) => `kubefwd://${r}`);
const PROMPTS = [
  'setup_local_dev',
  'connection_guide',
  'forward_namespace',
  'explain_status',
  'troubleshoot',
  'fix_errors',
  'monitor',
  'debug_service',
  'quick_connect',
  'analyze_issues',
];

let env: E2eEnv;
let daemon: CliProcess;
let base: string;

beforeAll(async () => {
  env = await startE2eEnv();
  // IPs of their own, so daemons of other suites on this machine (same fixture, same ports) never collide with ours.
  const reserved = ['-r', 'web:127.1.77.1', '-r', 'multi:127.1.77.2'];
  daemon = runCli(['--api-addr', '127.2.27.1:0', ...reserved, ...env.flags()], {
    env: { KUBEFWD_API_KEY: KEY },
  });
  base = (await daemon.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
});
afterAll(async () => {
  await daemon?.stop('SIGTERM');
  await env?.close();
});

async function expectCatalogue(client: Client): Promise<void> {
  const tools = (await client.listTools()).tools;
  expect(tools.map((t) => t.name).sort()).toEqual(
    [...TOOLS, ...PORT_FORWARD_TOOLS, ...ENDPOINT_TOOLS].sort(),
  );
  const byName = new Map(tools.map((t) => [t.name, t]));
  expect(byName.get('list_services')?.annotations?.readOnlyHint).toBe(true);
  expect(byName.get('remove_namespace')?.annotations).toMatchObject({
    readOnlyHint: false,
    destructiveHint: true,
  });
  expect(byName.get('add_service')?.inputSchema.required).toEqual(['namespace', 'service_name']);
  expect(byName.get('get_connection_info')?.outputSchema?.properties).toHaveProperty('envVars');
  const resources = (await client.listResources()).resources.map((r) => r.uri);
  expect(resources.filter((u) => !u.startsWith('kubefwd://services/'))).toEqual(RESOURCES);
  expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(PROMPTS);
}

describe('kubefwd mcp over stdio against a daemon', () => {
  let client: Client;
  beforeAll(async () => {
    ({ client } = await stdioClient(['--api-url', base], { KUBEFWD_API_KEY: KEY }));
  });
  afterAll(async () => {
    await client?.close();
  });

  it('lists the original 28 tools by name (and the ad-hoc port-forward ones), the 8 resources and the 10 prompts', async () => {
    await expectCatalogue(client);
    const prompt = await client.getPrompt({ name: 'connection_guide', arguments: { service_name: 'web' } });
    expect(JSON.stringify(prompt.messages)).toContain('get_connection_info');
  });

  it('forwards a namespace, answers from live state and notifies resource updates', async () => {
    const updated: string[] = [];
    let listChanged = 0;
    client.setNotificationHandler('notifications/resources/updated', (n) => void updated.push(n.params.uri));
    client.setNotificationHandler('notifications/resources/list_changed', () => void listChanged++);
    await client.subscribeResource({ uri: 'kubefwd://services' });

    const added = await callTool(client, 'add_namespace', { namespace: 'alpha', context: 'one' });
    expect(added.isError).toBeFalsy();
    expect(added.structuredContent).toMatchObject({ key: 'alpha.one', namespace: 'alpha', serviceCount: 2 });
    await waitFor(() => updated.includes('kubefwd://services') && listChanged > 0, { timeoutMs: 10_000 });
    expect(updated).not.toContain('kubefwd://metrics'); // not subscribed

    const listed = await waitFor(
      async () => {
        const r = await callTool(client, 'list_services', { namespace: 'alpha' });
        const services = r.structuredContent?.services as Array<{ serviceName: string }>;
        return services.length === 2 ? services : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(listed.map((s) => s.serviceName).sort()).toEqual(['multi', 'web']);
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toContain('kubefwd://services/web.alpha.one');

    const info = await callTool(client, 'get_connection_info', { service_name: 'web' });
    const ip = ipOf(env.hosts(), 'web.alpha') as string;
    expect(info.structuredContent).toMatchObject({
      key: 'web.alpha.one',
      localIP: ip,
      ports: [{ localPort: 8080 }],
      envVars: { WEB_HOST: 'web', WEB_IP: ip, WEB_PORT: '8080', WEB_URL: 'http://web:8080' },
    });

    for (let i = 0; i < 3; i++)
      await run('curl', ['-s', '-o', '/dev/null', `http://${ip}:8080/through-mcp/${i}`]);
    const traffic = await waitFor(
      async () => {
        const r = await callTool(client, 'get_http_traffic', { service_key: 'web.alpha.one' });
        return textOf(r).includes('/through-mcp/2') ? r : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(textOf(traffic)).toContain('/through-mcp/0');

    const logs = await callTool(client, 'get_logs', { count: 200 });
    expect((logs.structuredContent?.count as number) > 0).toBe(true);
    const history = await callTool(client, 'get_history', { type: 'events', event_type: 'service.added' });
    expect(textOf(history)).toContain('web.alpha.one');

    const removed = await callTool(client, 'remove_namespace', { namespace: 'alpha', context: 'one' });
    expect(removed.structuredContent).toMatchObject({ removed: true, key: 'alpha.one' });
    const after = await callTool(client, 'list_services', { namespace: 'alpha' });
    expect(after.structuredContent?.services).toEqual([]);
  });

  it('answers bad input with invalid_input and keeps serving', async () => {
    const wrongType = await callTool(client, 'list_services', { status: 'sideways' });
    expect(wrongType.isError).toBe(true);
    expect(textOf(wrongType)).toMatch(/invalid_input: status/);
    const missing = await callTool(client, 'get_http_traffic', {});
    expect(textOf(missing)).toMatch(/^invalid_input: /);
    const notFound = await callTool(client, 'get_service', { key: 'nope.alpha.one' });
    expect(textOf(notFound)).toMatch(/^service_not_found: /);
    expect((await callTool(client, 'get_quick_status')).isError).toBeFalsy();
  });

  it('says clearly that a key was refused', async () => {
    const { client: wrong } = await stdioClient(['--api-url', base, '--api-key', 'not-the-key']);
    try {
      const r = await callTool(wrong, 'list_services');
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/^permission_denied: the kubefwd API refused the key \(key from --api-key\)/);
      expect(textOf(r)).toContain('KUBEFWD_API_KEY');
    } finally {
      await wrong.close();
    }
  });
});

describe('/mcp on the daemon (Streamable HTTP)', () => {
  it('serves the same tools with the caller key, and add_service answers with its pods known', async () => {
    const client = await httpClient(base, KEY);
    try {
      await expectCatalogue(client);
      const added = await callTool(client, 'add_service', {
        namespace: 'alpha',
        service_name: 'web',
        context: 'one',
      });
      expect(added.isError).toBeFalsy();
      expect(added.structuredContent).toMatchObject({ key: 'web.alpha.one', ports: [{ localPort: 8080 }] });
      expect((added.structuredContent?.pods as string[]).length).toBeGreaterThan(0);
      const endpoints = await callTool(client, 'get_service_endpoints', { key: 'web.alpha.one' });
      expect(endpoints.structuredContent).toMatchObject({
        key: 'web.alpha.one',
        balancing: { policy: 'round-robin' },
      });
      expect((endpoints.structuredContent?.endpoints as unknown[]).length).toBeGreaterThan(0);
      const info = await callTool(client, 'get_connection_info', { service_name: 'web', namespace: 'alpha' });
      expect(info.structuredContent).toMatchObject({ envVars: { WEB_URL: 'http://web:8080' } });
      const read = await client.readResource({ uri: 'kubefwd://services/web.alpha.one' });
      expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ key: 'web.alpha.one' });
      const pf = await callTool(client, 'add_port_forward', {
        target: 'svc/web',
        port: ':8080',
        namespace: 'alpha',
        context: 'one',
      });
      expect(pf.isError).toBeFalsy();
      const { id, localPort } = pf.structuredContent as { id: string; localPort: number };
      expect((await fetch(`http://127.0.0.1:${localPort}/via-port-forward`)).status).toBe(200);
      expect(textOf(await callTool(client, 'list_port_forwards'))).toContain(id);
      expect((await callTool(client, 'remove_port_forward', { id })).structuredContent).toMatchObject({
        removed: true,
        id,
      });
      expect(textOf(await callTool(client, 'remove_port_forward', { id }))).toMatch(/^not_forwarding: /);
      const again = await callTool(client, 'add_service', {
        namespace: 'alpha',
        service_name: 'web',
        context: 'one',
      });
      expect(textOf(again)).toMatch(/^already_exists: /);
      expect((await callTool(client, 'remove_service', { key: 'web' })).structuredContent).toMatchObject({
        removed: true,
        key: 'web.alpha.one',
      });
      // The audit trail has each tool call that changed state, and the REST calls it made as the key's owner.
      const audit = (await (
        await fetch(`${base}/api/v1/audit?limit=200`, { headers: { Authorization: `Bearer ${KEY}` } })
      ).json()) as { data: { items: Array<{ actor: string; action: string; outcome: string }> } };
      const tools = audit.data.items
        .filter((e) => e.actor === 'mcp-http')
        .map((e) => `${e.action} ${e.outcome}`);
      expect(tools).toEqual(
        expect.arrayContaining([
          'mcp.add_service success',
          'mcp.add_port_forward success',
          'mcp.remove_port_forward success',
          'mcp.remove_service success',
        ]),
      );
      expect(audit.data.items.map((e) => e.action)).toEqual(
        expect.arrayContaining(['addService', 'removeService']),
      );
      expect(JSON.stringify(audit.data.items)).not.toContain(KEY);
    } finally {
      await client.close();
    }
  });

  it('delivers resource updates on a 2026-07-28 subscription stream', async () => {
    const client = await httpClient(base, KEY, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    try {
      const updated: string[] = [];
      client.setNotificationHandler(
        'notifications/resources/updated',
        (n) => void updated.push(n.params.uri),
      );
      const sub = await client.listen({
        resourceSubscriptions: ['kubefwd://services'],
        resourcesListChanged: true,
      });
      await callTool(client, 'add_service', { namespace: 'alpha', service_name: 'multi', context: 'one' });
      await waitFor(() => updated.includes('kubefwd://services'), { timeoutMs: 10_000 });
      await sub.close();
      await callTool(client, 'remove_service', { key: 'multi.alpha.one' });
    } finally {
      await client.close();
    }
  });

  it('keeps a session for a 2025-era client and notifies it of what it subscribed to', async () => {
    const client = await httpClient(base, KEY);
    try {
      const updated: string[] = [];
      client.setNotificationHandler(
        'notifications/resources/updated',
        (n) => void updated.push(n.params.uri),
      );
      await client.subscribeResource({ uri: 'kubefwd://forwards' });
      await callTool(client, 'add_service', { namespace: 'alpha', service_name: 'multi', context: 'one' });
      await waitFor(() => updated.includes('kubefwd://forwards'), { timeoutMs: 10_000 });
      expect(updated).not.toContain('kubefwd://services');
      await callTool(client, 'remove_service', { key: 'multi.alpha.one' });
    } finally {
      await client.close();
    }
  });

  it('refuses a wrong key before any MCP exchange', async () => {
    await expect(httpClient(base, 'not-the-key')).rejects.toThrow(/401|API key/);
  });

  it('checks Host and Origin as the REST API does', async () => {
    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    const headers = {
      Authorization: `Bearer ${KEY}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
    };
    const post = (extra: Record<string, string>) =>
      fetch(`${base}/mcp`, { method: 'POST', headers: { ...headers, ...extra }, body: initialize });
    expect((await post({ Origin: 'https://evil.example' })).status).toBe(403);
    expect(
      (await fetch(`${base}/mcp`, { headers: { ...headers, Origin: 'https://evil.example' } })).status,
    ).toBe(403);
    const local = await post({ Origin: 'http://localhost:3000' });
    expect(local.status).toBe(200);
    await local.body?.cancel();
    const rebound = await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'Host: attacker.example',
      '-H',
      `Authorization: Bearer ${KEY}`,
      '-X',
      'POST',
      '-d',
      initialize,
      `${base}/mcp`,
    ]);
    expect(rebound.stdout).toBe('403');
    const unknownSession = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'Mcp-Session-Id': 'no-such-session', 'Mcp-Protocol-Version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(unknownSession.status).toBe(404);
  });
});

describe('kubefwd mcp --help', () => {
  it('says how to configure a client', async () => {
    const help = runCli(['mcp', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('"mcpServers"');
    expect(help.stdout()).toContain('KUBEFWD_API_KEY');
    expect(help.stdout()).toContain('/mcp');
  });
});

describe('kubefwd mcp with no daemon running', () => {
  it('starts, answers api_unavailable with how to start the daemon, and stays up', async () => {
    const port = await closedPort();
    const { client, stderr } = await stdioClient(['--api-url', `http://127.0.0.1:${port}`], {
      KUBEFWD_API_KEY: KEY,
    });
    try {
      expect((await client.listTools()).tools).toHaveLength(
        TOOLS.length + PORT_FORWARD_TOOLS.length + ENDPOINT_TOOLS.length,
      );
      const health = await callTool(client, 'get_health');
      expect(health.isError).toBe(true);
      expect(textOf(health)).toMatch(/^api_unavailable: /);
      expect(textOf(health)).toContain('sudo -E kubefwd');
      const again = await callTool(client, 'add_namespace', { namespace: 'alpha' });
      expect(textOf(again)).toMatch(/^api_unavailable: /);
      await expect(client.readResource({ uri: 'kubefwd://status' })).rejects.toThrow(/api_unavailable/);
      expect((await client.listPrompts()).prompts).toHaveLength(10);
      expect(stderr()).toContain('no kubefwd daemon answers');
    } finally {
      await client.close();
    }
  });
});
