import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ApiError } from '../../../src/client/api-error.ts';
import { urisFor } from '../../../src/mcp/change-feed.ts';
import { connectionInfoOf, envVarsFor } from '../../../src/mcp/connection-info.ts';
import { toToolError } from '../../../src/mcp/tool-errors.ts';
import { withInvalidInputCode } from '../../../src/mcp/tool-kit.ts';

const conn = { baseUrl: 'http://kubefwd.internal', keySource: 'KUBEFWD_API_KEY' };

describe('environment variables of a forwarded service (as the original kubefwd)', () => {
  it.each([
    [5432, 'DATABASE_URL', 'postgresql://my-db:5432'],
    [3306, 'DATABASE_URL', 'mysql://my-db:3306'],
    [27017, 'MONGODB_URI', 'mongodb://my-db:27017'],
    [6379, 'REDIS_URL', 'redis://my-db:6379'],
    [9092, 'KAFKA_BROKERS', 'my-db:9092'],
    [80, 'MY_DB_URL', 'http://my-db:80'],
    [8443, 'MY_DB_URL', 'https://my-db:8443'],
  ])('port %i gives %s', (port, name, value) => {
    const env = envVarsFor('my-db', '127.1.27.3', [{ localPort: port }]);
    expect(env).toEqual({
      MY_DB_HOST: 'my-db',
      MY_DB_IP: '127.1.27.3',
      MY_DB_PORT: String(port),
      [name]: value,
    });
  });

  it('uses the first port, and names only HOST without ports or IP', () => {
    expect(envVarsFor('api', '', [])).toEqual({ API_HOST: 'api' });
    expect(envVarsFor('cache', '127.1.27.9', [{ localPort: 6379 }, { localPort: 5432 }])).not.toHaveProperty(
      'DATABASE_URL',
    );
  });

  it('gathers hostnames and ports of every forward once, filtered by port', () => {
    const info = connectionInfoOf(
      {
        key: 'm.ns.ctx',
        serviceName: 'm',
        namespace: 'ns',
        context: 'ctx',
        status: 'active',
        forwards: [
          { localIP: '127.1.27.2', localPort: 8081, podPort: 8081, hostnames: ['m', 'm.ns'] },
          { localIP: '127.1.27.2', localPort: 9091, podPort: 9091, hostnames: ['m'] },
          { localIP: '127.1.27.2', localPort: 8081, podPort: 8081, hostnames: ['m'] },
        ],
      },
      9091,
    );
    expect(info).toMatchObject({
      localIP: '127.1.27.2',
      hostnames: ['m', 'm.ns'],
      ports: [{ localPort: 9091, remotePort: 9091 }],
    });
    expect(info.envVars.M_PORT).toBe('9091');
  });
});

describe('tool errors', () => {
  it('says how to start the daemon when none answers', () => {
    const e = toToolError(new ApiError('API_UNAVAILABLE', 'not reachable'), undefined, conn);
    expect(e.code).toBe('api_unavailable');
    expect(e.hint).toContain('sudo -E kubefwd');
    expect(e.retryRecommended).toBe(true);
  });

  it('says where the refused key came from', () => {
    const e = toToolError(new ApiError('UNAUTHORIZED', 'API key required'), undefined, conn);
    expect(e.code).toBe('permission_denied');
    expect(e.message).toContain('key from KUBEFWD_API_KEY');
  });

  it('maps not found by what the tool looked for, and the rest by the daemon code', () => {
    expect(toToolError(new ApiError('NOT_FOUND', 'x'), { code: 'pod_not_found' }, conn).code).toBe(
      'pod_not_found',
    );
    expect(toToolError(new ApiError('K8S_NOT_FOUND', 'x'), undefined, conn).code).toBe('service_not_found');
    expect(toToolError(new ApiError('ALREADY_EXISTS', 'x'), undefined, conn).code).toBe('already_exists');
    expect(toToolError(new ApiError('BAD_REQUEST', 'x'), undefined, conn).code).toBe('invalid_input');
    expect(toToolError(new ApiError('K8S_UNAVAILABLE', 'x'), undefined, conn).code).toBe('network_error');
    expect(toToolError(new TypeError('boom'), undefined, conn).code).toBe('internal_error');
  });
});

describe('input validation', () => {
  it('prefixes refused arguments with invalid_input and keeps the JSON Schema', async () => {
    const schema = withInvalidInputCode(z.object({ count: z.number().int().max(5) }));
    const bad = await schema['~standard'].validate({ count: 9 });
    expect(bad.issues?.[0]?.message).toMatch(/^invalid_input: count: /);
    const ok = await schema['~standard'].validate({ count: 2 });
    expect(ok.issues).toBeUndefined();
    expect(z.toJSONSchema(schema)).toMatchObject({ properties: { count: { type: 'integer', maximum: 5 } } });
  });
});

describe('which resources an event changes', () => {
  const event = (type: string, data: Record<string, unknown>) =>
    ({ id: 1, type, timestamp: '', data }) as Parameters<typeof urisFor>[0];

  it('changes the list when a service comes or goes', () => {
    const c = urisFor(event('service.added', { key: 'web.alpha.one' }));
    expect(c.listChanged).toBe(true);
    expect(c.uris).toEqual(
      expect.arrayContaining(['kubefwd://services', 'kubefwd://services/web.alpha.one']),
    );
  });

  it('updates forwards and errors on a forward error, without a list change', () => {
    const c = urisFor(event('forward.error', { serviceKey: 'web.alpha.one' }));
    expect(c.listChanged).toBe(false);
    expect(c.uris).toEqual(expect.arrayContaining(['kubefwd://forwards', 'kubefwd://errors']));
  });
});
