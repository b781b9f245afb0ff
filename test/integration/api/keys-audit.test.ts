import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonEnv } from '../../helpers/daemon.ts';
import { validateResponse } from '../../helpers/openapi.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { ADMIN_KEY, call, startApiDaemon } from './fixture.ts';

const READ_ENV_KEY = 'read-env-key-0123456789';
const CI_KEY = 'ci-read-key-0123456789abcdef';
const OPS_KEY = 'ops-control-key-0123456789abcdef';
const LATE_KEY = 'late-key-0123456789abcdef';
let env: DaemonEnv;
let base: string;
let stateDir: string;

const keyFile = (keys: Array<{ name: string; key: string; scope: string }>): string =>
  `keys:\n${keys.map((k) => `  - { name: ${k.name}, key: ${k.key}, scope: ${k.scope} }`).join('\n')}\n`;
const writeKeys = (text: string, mode = 0o600): void => {
  const path = join(stateDir, 'api-keys.yaml');
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
};

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'kubefwd-keys-'));
  writeKeys(
    keyFile([
      { name: 'ci', key: CI_KEY, scope: 'read' },
      { name: 'ops', key: OPS_KEY, scope: 'control' },
    ]),
  );
  ({ env, base } = await startApiDaemon('one', { apiReadKey: READ_ENV_KEY, stateDir }));
}, 30_000);
afterAll(async () => {
  await env?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Reads an SSE response until `pattern` shows up. */
async function until(body: ReadableStream<Uint8Array>, pattern: RegExp): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${String(pattern)}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe('scoped API keys', () => {
  it('lets a read key GET everything and follow events, and refuses it state changes naming the scope', async () => {
    for (const key of [CI_KEY, READ_ENV_KEY]) {
      for (const path of ['/api/v1/services', '/api/v1/namespaces', '/api/v1/audit', '/metrics'])
        expect((await call(base, key, 'GET', path)).status, `${path} with ${key}`).toBe(200);
      const post = await call(base, key, 'POST', '/api/v1/namespaces', { body: { namespace: 'alpha' } });
      expect(post.status).toBe(403);
      expect(post.json.error?.code).toBe('FORBIDDEN');
      expect(post.json.error?.message).toMatch(
        /has scope read: POST \/api\/v1\/namespaces needs scope control/,
      );
      expect(validateResponse('/api/v1/namespaces', 'post', 403, post.json)).toEqual([]);
      const del = await call(base, key, 'DELETE', '/api/v1/namespaces/alpha.one');
      expect(del.status).toBe(403);
      expect(del.json.error?.message).toMatch(/needs scope control/);
    }
    const stream = await fetch(`${base}/api/v1/events`, {
      headers: { Authorization: `Bearer ${CI_KEY}` },
      signal: AbortSignal.timeout(15_000),
    });
    expect(stream.status).toBe(200);
    const seen = until(
      stream.body as ReadableStream<Uint8Array>,
      /event: namespace\.added\n.*"key":"alpha\.one"/,
    );
    const added = await call(base, OPS_KEY, 'POST', '/api/v1/namespaces', { body: { namespace: 'alpha' } });
    expect(added.status, added.text).toBe(201);
    await seen;
    expect((await call(base, 'not-a-key-at-all', 'GET', '/api/v1/services')).status).toBe(401);
  });

  it('reloads api-keys.yaml when it changes and ignores it when others may read it', async () => {
    expect((await call(base, LATE_KEY, 'GET', '/api/v1/services')).status).toBe(401);
    writeKeys(
      keyFile([
        { name: 'ci', key: CI_KEY, scope: 'read' },
        { name: 'ops', key: OPS_KEY, scope: 'control' },
        { name: 'late', key: LATE_KEY, scope: 'read' },
      ]),
    );
    await waitFor(async () => (await call(base, LATE_KEY, 'GET', '/api/v1/services')).status === 200, {
      timeoutMs: 10_000,
      message: 'the new key was never accepted',
    });
    chmodSync(join(stateDir, 'api-keys.yaml'), 0o644);
    await waitFor(async () => (await call(base, LATE_KEY, 'GET', '/api/v1/services')).status === 401, {
      timeoutMs: 10_000,
      message: 'a key file readable by others was still trusted',
    });
    // The admin and environment keys do not depend on the file.
    expect((await call(base, ADMIN_KEY, 'GET', '/api/v1/services')).status).toBe(200);
    expect((await call(base, READ_ENV_KEY, 'GET', '/api/v1/services')).status).toBe(200);
    writeKeys(
      keyFile([
        { name: 'ci', key: CI_KEY, scope: 'read' },
        { name: 'ops', key: OPS_KEY, scope: 'control' },
      ]),
    );
    await waitFor(async () => (await call(base, OPS_KEY, 'GET', '/api/v1/services')).status === 200, {
      timeoutMs: 10_000,
    });
  });
});

describe('audit trail', () => {
  it('records each state change with its actor, outcome and request id, and filters them', async () => {
    const t0 = new Date().toISOString();
    const ops = await call(base, OPS_KEY, 'POST', '/api/v1/namespaces', { body: { namespace: 'gamma' } });
    expect(ops.status).toBe(201);
    const dup = await call(base, ADMIN_KEY, 'POST', '/api/v1/namespaces', { body: { namespace: 'gamma' } });
    expect(dup.status).toBe(409);
    const denied = await call(base, CI_KEY, 'DELETE', '/api/v1/namespaces/gamma.one');
    expect(denied.status).toBe(403);
    const removed = await call(base, ADMIN_KEY, 'DELETE', '/api/v1/namespaces/gamma.one');
    expect(removed.status).toBe(200);
    // Without a valid key nothing is recorded (see src/api/audit.ts).
    expect((await call(base, undefined, 'POST', '/api/v1/services/reconnect')).status).toBe(401);

    const all = await call(base, CI_KEY, 'GET', `/api/v1/audit?from=${encodeURIComponent(t0)}`);
    expect(all.status).toBe(200);
    expect(validateResponse('/api/v1/audit', 'get', 200, all.json)).toEqual([]);
    const items = all.json.data.items as Array<Record<string, unknown>>;
    expect(all.json.data.total).toBe(4);
    // Newest first.
    expect(items.map((e) => [e.actor, e.action, e.resource, e.outcome])).toEqual([
      ['admin', 'removeNamespace', 'namespace/gamma.one', 'success'],
      ['ci', 'removeNamespace', 'namespace/gamma.one', 'denied'],
      ['admin', 'addNamespace', 'namespace/gamma', 'failure'],
      ['ops', 'addNamespace', 'namespace/gamma', 'success'],
    ]);
    expect(items[3]?.requestId).toBe(ops.headers.get('x-request-id'));
    expect(items[2]?.details).toMatchObject({
      status: 409,
      error: 'ALREADY_EXISTS',
      body: { namespace: 'gamma' },
    });
    const ids = items.map((e) => e.id as number);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const byUser = await call(
      base,
      ADMIN_KEY,
      'GET',
      `/api/v1/audit?user=ops&from=${encodeURIComponent(t0)}`,
    );
    expect((byUser.json.data.items as Array<{ actor: string }>).map((e) => e.actor)).toEqual(['ops']);
    const byAction = await call(
      base,
      ADMIN_KEY,
      'GET',
      `/api/v1/audit?action=removeNamespace&from=${encodeURIComponent(t0)}`,
    );
    expect(byAction.json.data.total).toBe(2);
    const paged = await call(
      base,
      ADMIN_KEY,
      'GET',
      `/api/v1/audit?limit=2&offset=1&from=${encodeURIComponent(t0)}`,
    );
    expect((paged.json.data.items as Array<{ id: number }>).map((e) => e.id)).toEqual(ids.slice(1, 3));
    expect(paged.json.data.total).toBe(4);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await call(base, ADMIN_KEY, 'GET', `/api/v1/audit?from=${encodeURIComponent(future)}`)).json.data
        .total,
    ).toBe(0);
    const to = await call(base, ADMIN_KEY, 'GET', `/api/v1/audit?to=${encodeURIComponent(t0)}`);
    expect((to.json.data.items as Array<{ timestamp: string }>).every((e) => e.timestamp <= t0)).toBe(true);
    expect((await call(base, ADMIN_KEY, 'GET', '/api/v1/audit?from=yesterday')).json.error?.code).toBe(
      'BAD_REQUEST',
    );
  });

  it('keeps the file to its owner and never writes a key into it', async () => {
    // A key sent where a name belongs, and in the body, is still kept out of the file.
    await call(base, ADMIN_KEY, 'DELETE', `/api/v1/services/${OPS_KEY}`);
    await call(base, OPS_KEY, 'POST', '/api/v1/services', {
      body: { namespace: 'alpha', service_name: CI_KEY, token: 'some-token-value-123' },
    });
    const path = join(stateDir, 'audit.jsonl');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    for (const secret of [ADMIN_KEY, READ_ENV_KEY, CI_KEY, OPS_KEY, LATE_KEY, 'some-token-value-123'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text.trim().split('\n').length).toBeGreaterThanOrEqual(7);
  });
});
