import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonEnv } from '../../helpers/daemon.ts';
import { validateResponse } from '../../helpers/openapi.ts';
import { ADMIN_KEY, call, startApiDaemon, type Answer } from './fixture.ts';

const READ_KEY = 'rate-read-key-0123456789';
const LIMIT = 5;
let env: DaemonEnv;
let base: string;

beforeAll(async () => {
  ({ env, base } = await startApiDaemon('one', {
    apiReadKey: READ_KEY,
    apiRateLimit: { limit: LIMIT, windowMs: 60_000 },
  }));
}, 30_000);
afterAll(async () => {
  await env?.close();
});

function limits(a: Answer) {
  const h = (n: string): string => a.headers.get(n) ?? '';
  return {
    limit: Number(h('x-ratelimit-limit')),
    remaining: Number(h('x-ratelimit-remaining')),
    reset: Number(h('x-ratelimit-reset')),
    ietf: h('ratelimit'),
    policy: h('ratelimit-policy'),
  };
}

describe('rate limits', () => {
  it('puts k13d and IETF rate-limit fields on every answer, counted per key and per address', async () => {
    const before = Date.now();
    const health = await call(base, undefined, 'GET', '/api/health');
    const after = Date.now();
    expect(health.status).toBe(200);
    const h = limits(health);
    expect(h).toMatchObject({ limit: LIMIT, remaining: LIMIT - 1 });
    // Unix seconds of the window's end: a minute after the first request, rounded up.
    expect(h.reset).toBeGreaterThanOrEqual(Math.ceil((before + 60_000) / 1000));
    expect(h.reset).toBeLessThanOrEqual(Math.ceil((after + 60_000) / 1000));
    expect(h.ietf).toMatch(/^"kubefwd"; r=4; t=(59|60)$/);
    expect(h.policy).toMatch(/^"kubefwd"; q=5; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    // A wrong key is counted against the address, a valid key against itself.
    expect(limits(await call(base, 'wrong-key', 'GET', '/api/v1/services')).remaining).toBe(LIMIT - 2);
    const first = await call(base, ADMIN_KEY, 'GET', '/api/v1/services');
    expect(first.status).toBe(200);
    expect(limits(first).remaining).toBe(LIMIT - 1);
  });

  it('answers 429 RATE_LIMITED with Retry-After past the limit, for that key only', async () => {
    for (let i = 2; i <= LIMIT; i++) {
      const r = await call(base, ADMIN_KEY, 'GET', '/api/v1/namespaces');
      expect(r.status).toBe(200);
      expect(limits(r).remaining).toBe(LIMIT - i);
    }
    const over = await call(base, ADMIN_KEY, 'POST', '/api/v1/namespaces', { body: { namespace: 'alpha' } });
    expect(over.status).toBe(429);
    expect(over.json.error?.code).toBe('RATE_LIMITED');
    expect(over.json.error?.message).toMatch(/5 requests per 60s reached for key "admin"/);
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    expect(limits(over).remaining).toBe(0);
    expect(validateResponse('/api/v1/namespaces', 'post', 429, over.json)).toEqual([]);
    // Refused before it was carried out, and kept out of the audit trail (which a flood could otherwise rotate
    // the real entries out of).
    const audit = await call(base, READ_KEY, 'GET', `/api/v1/audit?action=addNamespace`);
    expect(audit.status).toBe(200);
    expect(audit.json.data.total).toBe(0);
    expect((await call(base, READ_KEY, 'GET', '/api/v1/namespaces')).json.data.namespaces).toEqual([]);
  });

  it('counts an open event stream once however long it runs', async () => {
    const stream = await fetch(`${base}/api/v1/events`, {
      headers: { Authorization: `Bearer ${READ_KEY}` },
      signal: AbortSignal.timeout(15_000),
    });
    expect(stream.status).toBe(200);
    const atOpen = Number(stream.headers.get('x-ratelimit-remaining'));
    expect(atOpen).toBe(LIMIT - 3);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let i = 0; i < 20; i++) env.daemon.bus.publish('hosts.updated', { writes: i });
    while ((text.match(/event: hosts\.updated/g) ?? []).length < 20) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    const after = await call(base, READ_KEY, 'GET', '/api/v1/services');
    expect(limits(after).remaining).toBe(atOpen - 1);
    await reader.cancel();
  });
});
