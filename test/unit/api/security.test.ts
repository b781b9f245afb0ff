import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from '../../helpers/api-harness.ts';
import { validateResponse } from '../../helpers/openapi.ts';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi({ bodyLimit: 1024 });
});
afterEach(async () => {
  await api.close();
});

const code = (a: { json: unknown }) => (a.json as { error?: { code: string } }).error?.code;
const envelopeOk = (template: string, method: string, a: { status: number; json: unknown }) =>
  expect(validateResponse(template, method, a.status, a.json)).toEqual([]);

describe('bearer token', () => {
  it('is required on the API and /metrics, not on health, the spec or the docs', async () => {
    const none = await api.call('GET', '/api/v1/services', { token: false });
    expect([none.status, code(none)]).toEqual([401, 'UNAUTHORIZED']);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    envelopeOk('/api/v1/services', 'get', none);
    const wrong = await api.call('GET', '/api/v1/services', { token: 'test-key-0123456788' });
    expect([wrong.status, (wrong.json as { error: { message: string } }).error.message]).toEqual([
      401,
      'Invalid API key',
    ]);
    const short = await api.call('GET', '/api/v1/services', { token: 'x' });
    expect(short.status).toBe(401);
    const basic = await api.call('GET', '/api/v1/services', {
      token: false,
      headers: { Authorization: 'Basic dGVzdA==' },
    });
    expect(basic.status).toBe(401);
    expect((await api.call('GET', '/metrics', { token: false })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/events', { token: false })).status).toBe(401);
    expect((await api.call('GET', '/api/health', { token: false })).status).toBe(200);
    expect((await api.call('GET', '/openapi.yaml', { token: false })).status).toBe(200);
    expect((await api.call('GET', '/docs/', { token: false })).status).toBe(200);
  });

  it('does not reveal routes to callers without it', async () => {
    const a = await api.call('GET', '/api/v1/nope', { token: false });
    expect(a.status).toBe(401);
  });
});

describe('Host header (DNS rebinding)', () => {
  it.each(['kubefwd.internal', 'kubefwd.internal:80', '127.0.0.1:1234', 'LOCALHOST', '127.2.27.1'])(
    'accepts %s',
    async (host) => {
      expect((await api.call('GET', '/api/v1/status', { headers: { Host: host } })).status).toBe(200);
    },
  );

  it.each(['evil.example', 'kubefwd.internal.evil.example', '127.0.0.2', 'localhost.', '[::1]', 'a b'])(
    'refuses %s with the envelope, even on health',
    async (host) => {
      const a = await api.call('GET', '/api/v1/status', { headers: { Host: host } });
      expect([a.status, code(a)]).toEqual([403, 'FORBIDDEN']);
      envelopeOk('/api/v1/status', 'get', a);
      expect((await api.call('GET', '/api/health', { headers: { Host: host } })).status).toBe(403);
    },
  );
});

describe('Origin and CORS', () => {
  it('refuses state changes from a foreign or opaque origin', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://kubefwd.internal.evil.example', 'file://']) {
      const a = await api.call('POST', '/api/v1/services/reconnect', { headers: { Origin: origin } });
      expect([origin, a.status, code(a)]).toEqual([origin, 403, 'FORBIDDEN']);
      const d = await api.call('DELETE', '/api/v1/services/api.default.kind', {
        headers: { Origin: origin },
      });
      expect(d.status).toBe(403);
    }
    expect(api.fake.calls).toEqual([]);
    expect(api.fake.services.has('api.default.kind')).toBe(true);
  });

  it('allows local origins and sends CORS headers only to them', async () => {
    const local = await api.call('POST', '/api/v1/services/reconnect', {
      headers: { Origin: 'http://kubefwd.internal' },
    });
    expect(local.status).toBe(200);
    expect(local.headers['access-control-allow-origin']).toBe('http://kubefwd.internal');
    const foreignGet = await api.call('GET', '/api/v1/status', {
      headers: { Origin: 'http://evil.example' },
    });
    expect(foreignGet.status).toBe(200);
    expect(foreignGet.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers preflights for local origins only', async () => {
    const ok = await api.call('OPTIONS', '/api/v1/services', {
      token: false,
      headers: { Origin: 'http://localhost:8080', 'Access-Control-Request-Method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-methods']).toContain('POST');
    const no = await api.call('OPTIONS', '/api/v1/services', {
      token: false,
      headers: { Origin: 'http://evil.example' },
    });
    expect(no.status).toBe(403);
  });
});

describe('bodies', () => {
  it('refuses bodies over the limit with 413', async () => {
    const a = await api.call('POST', '/api/v1/namespaces', { body: { namespace: 'x'.repeat(2000) } });
    expect([a.status, code(a)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    envelopeOk('/api/v1/namespaces', 'post', a);
  });

  it('answers malformed JSON with 400 and no stack', async () => {
    const a = await api.call('POST', '/api/v1/services', {
      raw: '{"namespace": "default",',
      headers: { 'Content-Type': 'application/json' },
    });
    expect([a.status, code(a)]).toEqual([400, 'BAD_REQUEST']);
    expect(a.text).not.toMatch(/at \w+ \(|node_modules|SyntaxError/);
  });

  it('takes only JSON objects, as application/json', async () => {
    const form = await api.call('POST', '/api/v1/services', {
      raw: 'namespace=default&service_name=web',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect([form.status, code(form)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const plain = await api.call('POST', '/api/v1/services', {
      raw: '{}',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    for (const raw of ['[]', '"x"', '1', 'null']) {
      const a = await api.call('POST', '/api/v1/services', {
        raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expect([raw, a.status]).toEqual([raw, 400]);
    }
    const gzip = await api.call('POST', '/api/v1/services', {
      raw: '{}',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'br' },
    });
    expect(gzip.status).toBe(415);
    const charset = await api.call('POST', '/api/v1/services', {
      raw: '{}',
      headers: { 'Content-Type': 'application/json; charset=koi8-r' },
    });
    expect(charset.status).toBe(415);
  });

  it('refuses injection in names', async () => {
    for (const name of ['web\r\n127.0.0.1 evil', 'we b', 'web#x', 'wéb', '-web', 'a'.repeat(64), '../etc']) {
      const a = await api.call('POST', '/api/v1/services', {
        body: { namespace: 'default', service_name: name },
      });
      expect([name, a.status, code(a)]).toEqual([name, 400, 'BAD_REQUEST']);
    }
    const ctx = await api.call('POST', '/api/v1/namespaces', { body: { namespace: 'x', context: 'a\nb' } });
    expect(ctx.status).toBe(400);
    const sel = await api.call('POST', '/api/v1/namespaces', {
      body: { namespace: 'x', selector: 'app=$(rm -rf)' },
    });
    expect(sel.status).toBe(400);
    expect(api.fake.calls).toEqual([]);
  });
});

describe('paths and ids', () => {
  it('answers unknown routes with the envelope 404', async () => {
    const a = await api.call('GET', '/api/v1/nope');
    expect([a.status, code(a)]).toEqual([404, 'NOT_FOUND']);
    expect((await api.call('PUT', '/api/v1/services')).status).toBe(404);
    expect((await api.call('PATCH', '/api/v1/services/api.default.kind')).status).toBe(404);
  });

  it('copes with odd encodings in path parameters', async () => {
    const bad = await api.call('GET', '/api/v1/services/%E0%A4%A');
    expect([bad.status, code(bad)]).toEqual([400, 'BAD_REQUEST']);
    const nul = await api.call('GET', '/api/v1/services/a.b.%00');
    expect(nul.status).toBe(400);
    const crlf = await api.call('GET', '/api/v1/services/a.b.c%0D%0AX-Evil:%201');
    expect([crlf.status, crlf.headers['x-evil']]).toEqual([400, undefined]);
    const unicode = await api.call('GET', `/api/v1/services/${encodeURIComponent('wéb.default.kind')}`);
    expect(unicode.status).toBe(400);
    const long = await api.call('GET', `/api/v1/services/${'a.'.repeat(400)}b`);
    expect(long.status).toBe(400);
    const dots = await api.call('GET', '/api/v1/services/%2E%2E%2F%2E%2E%2Fetc.passwd.x');
    expect(dots.status).toBe(404);
    const pod = await api.call('GET', '/api/v1/kubernetes/pods/default/%2e%2e');
    expect(pod.status).toBe(400);
  });

  it('echoes a sane X-Request-Id, replaces an insane one', async () => {
    const sane = await api.call('GET', '/api/v1/status', { headers: { 'X-Request-Id': 'abc-123.x' } });
    expect(sane.headers['x-request-id']).toBe('abc-123.x');
    expect((sane.json as { meta: { requestId: string } }).meta.requestId).toBe('abc-123.x');
    const insane = await api.call('GET', '/api/v1/status', { headers: { 'X-Request-Id': '<script>' } });
    expect(insane.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await api.call('GET', '/api/v1/status', { token: false });
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns a failing view into 500 INTERNAL_ERROR without leaking its message or stack', async () => {
    api.fake.views.history.stats = () => {
      throw new Error('secret internal detail at /root/x.ts:1');
    };
    const a = await api.call('GET', '/api/v1/history/stats');
    expect([a.status, code(a)]).toEqual([500, 'INTERNAL_ERROR']);
    expect(a.text).not.toContain('secret');
    envelopeOk('/api/v1/history/stats', 'get', a);
  });
});
