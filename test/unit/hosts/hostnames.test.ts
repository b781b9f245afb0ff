import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildHostnames,
  checkHostname,
  hostnameCandidates,
  isValidHostname,
  partitionHostnames,
  sanitize,
  type HostnameOptions,
} from '../../../src/hosts/hostnames.ts';

const base: HostnameOptions = {
  service: 'api',
  namespace: 'dev',
  context: 'kind-dev',
  contextIndex: 0,
  namespaceIndex: 0,
};

describe('hostname sets', () => {
  it('first namespace of the first context: the full set with dashed twins (the reference example)', () => {
    expect(buildHostnames(base).hostnames.join(' ')).toBe(
      'api api.dev api-dev api.dev.svc api-dev-svc api.dev.svc.cluster.local api-dev-svc-cluster-local api.dev.kind-dev ' +
        'api-dev-kind-dev api.dev.svc.kind-dev api-dev-svc-kind-dev api.dev.svc.cluster.kind-dev api-dev-svc-cluster-kind-dev',
    );
  });

  it('adds --domain names and uses the configured cluster domain', () => {
    const { hostnames } = buildHostnames({ ...base, domain: 'example.com', clusterDomain: 'corp.internal' });
    expect(hostnames).toContain('api.example.com');
    expect(hostnames).toContain('api.dev.svc.cluster.example.com');
    expect(hostnames).toContain('api.dev.svc.corp.internal');
    expect(hostnames).not.toContain('api.dev.svc.cluster.local');
  });

  it('later namespaces get no bare name; later contexts only context-qualified names', () => {
    const laterNs = buildHostnames({ ...base, namespaceIndex: 1 }).hostnames;
    expect(laterNs).not.toContain('api');
    expect(laterNs).toContain('api.dev');
    expect(laterNs).toContain('api.dev.svc.cluster.local');
    const laterCtx = buildHostnames({
      ...base,
      context: 'prod',
      contextIndex: 1,
      namespaceIndex: 0,
    }).hostnames;
    expect(laterCtx).toEqual([
      'api.prod',
      'api-prod',
      'api.dev.prod',
      'api-dev-prod',
      'api.dev.svc.prod',
      'api-dev-svc-prod',
      'api.dev.svc.cluster.prod',
      'api-dev-svc-cluster-prod',
    ]);
    const both = buildHostnames({ ...base, context: 'prod', contextIndex: 1, namespaceIndex: 2 }).hostnames;
    expect(both).not.toContain('api.prod');
    expect(both).not.toContain('api.dev');
  });

  it('headless pods get pod.svc names, given either way', () => {
    const a = buildHostnames({ ...base, service: 'db', pod: 'db-0', namespace: 'data' }).hostnames;
    const b = buildHostnames({ ...base, service: 'db-0.db', pod: 'db-0', namespace: 'data' }).hostnames;
    expect(a).toEqual(b);
    expect(a).toEqual(
      expect.arrayContaining(['db-0.db', 'db-0.db.data', 'db-0.db.data.svc.cluster.local', 'db-0-db-data']),
    );
  });

  it('refuses an EKS ARN context with a typed rejection but keeps its dashed twin', () => {
    const r = buildHostnames({
      ...base,
      context: 'arn:aws:eks:eu-west-1:1:cluster/x',
      contextIndex: 1,
      namespaceIndex: 1,
    });
    expect(r.hostnames).toEqual([
      'api-dev-arn-aws-eks-eu-west-1-1-cluster-x',
      'api-dev-svc-arn-aws-eks-eu-west-1-1-cluster-x',
      'api-dev-svc-cluster-arn-aws-eks-eu-west-1-1-cluster-x',
    ]);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'invalid-character',
      'invalid-character',
      'invalid-character',
    ]);
  });
});

describe('hostname validation', () => {
  it.each([
    ['', 'empty'],
    ['a..b', 'label-empty'],
    ['-a.b', 'label-hyphen'],
    [`${'a'.repeat(64)}.b`, 'label-too-long'],
    [Array.from({ length: 60 }, () => 'abcd').join('.'), 'too-long'],
    ['a b', 'invalid-character'],
    ['a\tb', 'invalid-character'],
    ['a\nb', 'invalid-character'],
    ['a\r', 'invalid-character'],
    ['a#b', 'invalid-character'],
    ['bücher.de', 'invalid-character'],
    ['KELVIN\u212a', 'invalid-character'],
    ['a_b', 'invalid-character'],
  ])('%j is refused as %s', (name, reason) => {
    expect(checkHostname(name)).toEqual({ ok: false, rejection: { name, reason } });
  });

  it('lowercases ASCII and accepts RFC 1123 names up to 253 characters', () => {
    expect(checkHostname('API.Dev')).toEqual({ ok: true, name: 'api.dev' });
    const long = [...Array.from({ length: 3 }, () => 'a'.repeat(63)), 'a'.repeat(61)].join('.');
    expect(long.length).toBe(253);
    expect(isValidHostname(long)).toBe(true);
    expect(partitionHostnames(['A', 'a', 'b c']).hostnames).toEqual(['a']);
  });

  it('arbitrary input never yields a name with whitespace, #, control or non-ASCII characters', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string(),
      fc.constantFrom('a\nb', 'x y', 'a#b', 'é'),
    );
    fc.assert(
      fc.property(
        anyText,
        anyText,
        anyText,
        fc.option(anyText, { nil: undefined }),
        fc.nat(3),
        fc.nat(3),
        (s, n, c, d, ci, ni) => {
          const r = buildHostnames({
            service: s,
            namespace: n,
            context: c,
            domain: d,
            contextIndex: ci,
            namespaceIndex: ni,
          });
          for (const h of r.hostnames) {
            expect(h).toMatch(/^[a-z0-9.-]+$/);
            expect(h.length).toBeLessThanOrEqual(253);
            expect(isValidHostname(h)).toBe(true);
          }
          for (const x of r.rejected) expect(checkHostname(x.name).ok).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names from valid parts and from any parts: each candidate, then its dashed twin when that is valid', () => {
    // The set as defined, every name checked and every twin sanitised, against buildHostnames (which skips both for
    // names that are valid as they are).
    const reference = (o: HostnameOptions): string[] => {
      const out = new Set<string>();
      for (const raw of hostnameCandidates(o)) {
        const check = checkHostname(raw);
        if (check.ok) out.add(check.name);
        if (/[^a-zA-Z0-9-]/.test(raw)) {
          const twin = checkHostname(sanitize(raw));
          if (twin.ok) out.add(twin.name);
        }
      }
      return [...out];
    };
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/);
    const part = fc.oneof(
      label,
      fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')),
      fc.string(),
    );
    fc.assert(
      fc.property(
        part,
        part,
        part,
        fc.option(part, { nil: undefined }),
        fc.nat(2),
        fc.nat(2),
        (s, n, c, d, ci, ni) => {
          const o = { service: s, namespace: n, context: c, domain: d, contextIndex: ci, namespaceIndex: ni };
          expect(buildHostnames(o).hostnames).toEqual(reference(o));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
