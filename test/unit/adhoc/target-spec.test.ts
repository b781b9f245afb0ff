import { describe, expect, it } from 'vitest';
import { parseAdhocBody } from '../../../src/adhoc/adhoc-request.ts';
import { normalizeAddress } from '../../../src/adhoc/adhoc-manager.ts';
import { selectorText, servicePortTarget } from '../../../src/adhoc/resolve-target.ts';
import { parsePortSpec, parseTarget, parseTtl } from '../../../src/adhoc/target-spec.ts';

describe("kubectl's target syntax", () => {
  it.each([
    ['pod/web-0', 'pod', 'web-0'],
    ['po/web-0', 'pod', 'web-0'],
    ['web-0', 'pod', 'web-0'],
    ['svc/web', 'service', 'web'],
    ['services/web', 'service', 'web'],
    ['deploy/api', 'deployment', 'api'],
    ['deployment.apps/api', 'deployment', 'api'],
    ['sts/db', 'statefulset', 'db'],
    ['statefulsets.apps/db', 'statefulset', 'db'],
  ])('%s is %s %s', (text, kind, name) => {
    expect(parseTarget(text)).toEqual({ kind, name });
  });

  it.each([['job/x'], ['svc/'], ['svc/Web'], ['/web'], ['svc/a b'], ['']])('refuses %j', (text) => {
    expect(() => parseTarget(text)).toThrow(/invalid/);
  });
});

describe("kubectl's port syntax", () => {
  it.each([
    ['8080:80', 8080, 80],
    [':80', 0, 80],
    ['80', 80, 80],
    ['0:80', 0, 80],
    ['8080:http', 8080, 'http'],
    ['http', 0, 'http'],
    [':http-alt', 0, 'http-alt'],
  ])('%s is local %s, remote %s', (text, local, remote) => {
    expect(parsePortSpec(text)).toEqual({ local, remote });
  });

  it.each([['8080:'], [':'], ['a:b:c'], ['70000'], ['8080:0'], ['-1'], ['8080:Http'], ['1:2:3'], ['']])(
    'refuses %j with one line',
    (text) => {
      expect(() => parsePortSpec(text)).toThrow(/^invalid (remote |local )?port "/);
    },
  );
});

describe('ttl', () => {
  it('takes seconds and durations, none for 0 or absent', () => {
    expect(parseTtl(90)).toBe(90_000);
    expect(parseTtl('15m')).toBe(900_000);
    expect(parseTtl('1h30m')).toBe(5_400_000);
    expect(parseTtl('250ms')).toBe(250);
    expect(parseTtl(undefined)).toBeUndefined();
    expect(parseTtl(0)).toBeUndefined();
    expect(() => parseTtl('soon')).toThrow(/invalid ttl/);
    expect(() => parseTtl(-1)).toThrow(/ttl must be/);
    expect(() => parseTtl('200h')).toThrow(/at most 168h/);
  });
});

describe('POST /api/v1/portforwards bodies', () => {
  it("takes k13d's shape as is: podPort is the pod's port", () => {
    expect(
      parseAdhocBody({ namespace: 'default', pod: 'nginx-abc123', localPort: 8888, podPort: 80 }),
    ).toEqual({
      target: { kind: 'pod', name: 'nginx-abc123' },
      port: { local: 8888, remote: 80, podPort: true },
      namespace: 'default',
      context: undefined,
      address: undefined,
      ttlMs: undefined,
    });
  });

  it("takes kubectl's shape", () => {
    expect(parseAdhocBody({ target: 'svc/web', port: ':80', ttl: '10m', context: 'kind-dev' })).toMatchObject(
      {
        target: { kind: 'service', name: 'web' },
        port: { local: 0, remote: 80 },
        context: 'kind-dev',
        ttlMs: 600_000,
      },
    );
    expect(parseAdhocBody({ deployment: 'api', port: 8080 }).port).toEqual({ local: 8080, remote: 8080 });
  });

  it.each([
    [{}, /give a target/],
    [[], /JSON object/],
    [{ target: 'svc/web', pod: 'x', port: '80' }, /give one target, not target and pod/],
    [{ target: 'svc/web', port: '80', podPort: 80 }, /either port/],
    [{ pod: 'x', localPort: -1, podPort: 80 }, /localPort must be an integer/],
    [{ pod: 'x', podPort: 80, namespace: 'Bad_NS' }, /invalid namespace name/],
    [{ pod: 'x', podPort: 80, context: 'a b' }, /invalid context/],
    [{ target: 7, port: '80' }, /target must be a string/],
  ])('refuses %j', (body, message) => {
    expect(() => parseAdhocBody(body)).toThrow(message);
  });
});

describe('resolution helpers', () => {
  it('maps a service port to its targetPort by number or name, as kubectl does', () => {
    const ports = [
      { name: 'http', port: 80, targetPort: 'web' as unknown as number },
      { name: 'metrics', port: 9090 },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ];
    expect(servicePortTarget(ports, 80, 's')).toBe('web');
    expect(servicePortTarget(ports, 'metrics', 's')).toBe(9090);
    expect(() => servicePortTarget(ports, 81, 's')).toThrow(
      'service s has no port 81 (it has http (80), metrics (9090), dns (53))',
    );
    expect(() => servicePortTarget(ports, 53, 's')).toThrow(/only TCP/);
  });

  it('writes label selectors with set-based terms', () => {
    expect(
      selectorText({
        matchLabels: { app: 'db' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'zone', operator: 'Exists' },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
        ],
      }),
    ).toBe('app=db,tier in (a,b),!canary,zone,env notin (dev)');
    expect(selectorText(undefined)).toBe('');
  });

  it('binds loopback unless the daemon allows another address', () => {
    expect(normalizeAddress(undefined, [])).toBe('127.0.0.1');
    expect(normalizeAddress('localhost', [])).toBe('127.0.0.1');
    expect(normalizeAddress('127.3.4.5', [])).toBe('127.3.4.5');
    expect(normalizeAddress('::1', [])).toBe('::1');
    expect(() => normalizeAddress('0.0.0.0', [])).toThrow(/--allow-forward-address 0.0.0.0/);
    expect(normalizeAddress('0.0.0.0', ['0.0.0.0'])).toBe('0.0.0.0');
    expect(() => normalizeAddress('web', [])).toThrow(/expected an IP/);
  });
});
