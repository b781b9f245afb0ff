import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHostnames, isValidHostname } from '../../../src/hosts/hostnames.ts';
import { appendBlock, parseHosts, purgeRange, stripBlocks } from '../../../src/hosts/hosts-text.ts';
import { createIpAllocator, parseReservations } from '../../../src/hosts/ip-allocator.ts';

describe('hostnames', () => {
  it('gives the first namespace of the first context the full set, with dashed twins (reference example)', () => {
    const { hostnames } = buildHostnames({
      service: 'api',
      namespace: 'dev',
      context: 'kind-dev',
      contextIndex: 0,
      namespaceIndex: 0,
    });
    expect(hostnames.join(' ')).toBe(
      'api api.dev api-dev api.dev.svc api-dev-svc api.dev.svc.cluster.local api-dev-svc-cluster-local api.dev.kind-dev ' +
        'api-dev-kind-dev api.dev.svc.kind-dev api-dev-svc-kind-dev api.dev.svc.cluster.kind-dev api-dev-svc-cluster-kind-dev',
    );
    const withDomain = buildHostnames({
      service: 'api',
      namespace: 'dev',
      context: 'k',
      contextIndex: 0,
      namespaceIndex: 0,
      domain: 'example.com',
    });
    expect(withDomain.hostnames).toContain('api.example.com');
    expect(withDomain.hostnames).toContain('api.dev.svc.cluster.example.com');
  });

  it('qualifies later namespaces and contexts, and adds dashed twins for odd context names', () => {
    expect(
      buildHostnames({
        service: 'db-0.db',
        namespace: 'data',
        context: 'c',
        contextIndex: 0,
        namespaceIndex: 2,
      }).hostnames,
    ).toContain('db-0.db.data.svc.cluster.local');
    expect(
      buildHostnames({ service: 'api', namespace: 'b', context: 'c', contextIndex: 0, namespaceIndex: 1 })
        .hostnames,
    ).not.toContain('api');
    const second = buildHostnames({
      service: 'api',
      namespace: 'dev',
      context: 'arn:aws:eks:x/y',
      contextIndex: 1,
      namespaceIndex: 1,
    });
    expect(second.hostnames).toEqual([
      'api-dev-arn-aws-eks-x-y',
      'api-dev-svc-arn-aws-eks-x-y',
      'api-dev-svc-cluster-arn-aws-eks-x-y',
    ]);
    expect(second.rejected).toHaveLength(3);
  });

  it('never lets whitespace, # or control characters through', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (svc, ns) => {
        for (const h of buildHostnames({
          service: svc,
          namespace: ns,
          context: 'ctx',
          contextIndex: 0,
          namespaceIndex: 0,
        }).hostnames) {
          expect(isValidHostname(h)).toBe(true);
          expect(h).toMatch(/^[a-z0-9.-]+$/);
        }
      }),
    );
  });
});

describe('hosts text', () => {
  const foreignLine = fc.stringMatching(/^[ -~\t]{0,40}$/).filter((l) => !l.includes('kubefwd'));

  it('round-trips: append then strip gives back the original bytes, any line endings', () => {
    fc.assert(
      fc.property(
        fc.array(foreignLine, { maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (lines, eol, trailing) => {
          const original = lines.join(eol) + (trailing && lines.length ? eol : '');
          const withBlock = appendBlock(original, { pid: 7, run: 'r1' }, [
            { ip: '127.1.27.1', hostnames: ['api', 'api.default'] },
          ]);
          expect(parseHosts(withBlock)).toContainEqual({ ip: '127.1.27.1', names: ['api', 'api.default'] });
          expect(stripBlocks(withBlock, (b) => b.run === 'r1').text).toBe(original);
        },
      ),
    );
  });

  it('splits lines to 9 names for Windows and purges the kubefwd range only', () => {
    const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
    const text = appendBlock('', { pid: 1, run: 'w' }, [{ ip: '127.1.27.1', hostnames: names }], 9);
    expect(parseHosts(text).map((l) => l.names.length)).toEqual([9, 9, 2]);
    const purged = purgeRange(
      '127.0.0.1 localhost\n127.1.27.5 old\n127.1.26.9 keep\n127.2.27.1 kubefwd.internal\n',
    );
    expect(purged).toEqual({ text: '127.0.0.1 localhost\n127.1.26.9 keep\n', removed: 2 });
  });
});

describe('IP allocator', () => {
  it('follows the scheme, is stable per service, skips .0/.255 and reserved IPs', () => {
    const a = createIpAllocator({
      reservations: parseReservations(['web:127.1.27.2']),
      reserved: ['127.2.27.1'],
    });
    const k = (service: string) => ({ context: 'c', namespace: 'ns', service });
    expect(a.allocate(k('api'), { contextIndex: 0, namespaceIndex: 0 })).toBe('127.1.27.1');
    expect(a.allocate(k('db'), { contextIndex: 0, namespaceIndex: 0 })).toBe('127.1.27.3');
    expect(a.allocate(k('web'), { contextIndex: 0, namespaceIndex: 0 })).toBe('127.1.27.2');
    expect(a.allocate(k('api'), { contextIndex: 0, namespaceIndex: 0 })).toBe('127.1.27.1');
    expect(
      a.allocate({ context: 'd', namespace: 'x', service: 'api' }, { contextIndex: 1, namespaceIndex: 0 }),
    ).toBe('127.2.27.2');
    const ips = new Set<string>();
    for (let i = 0; i < 600; i++) ips.add(a.allocate(k(`s${i}`), { contextIndex: 0, namespaceIndex: 1 }));
    expect(ips.size).toBe(600);
    for (const ip of ips) expect(ip).not.toMatch(/\.(0|255)$/);
    expect([...ips].some((ip) => ip.startsWith('127.1.92.'))).toBe(true);
  });

  it('refuses bad reservations', () => {
    expect(() => parseReservations(['web:10.0.0.1'])).toThrow(/invalid --reserve/);
    expect(() => parseReservations(['nocolon'])).toThrow(/invalid --reserve/);
  });
});
