import { describe, expect, it } from 'vitest';
import { classify, formatUptime, httpSummary } from '../../../src/api/derive.ts';
import {
  durationParam,
  formatSpan,
  intParam,
  keyParam,
  labelParam,
  subdomainParam,
} from '../../../src/api/params.ts';
import { hostPart } from '../../../src/api/security.ts';
import { parseTypeFilter } from '../../../src/api/sse.ts';

describe('input validation', () => {
  it('bounds integers and refuses anything else', () => {
    expect(intParam(undefined, 'n', 7, 1, 10)).toBe(7);
    expect(intParam('10', 'n', 7, 1, 10)).toBe(10);
    for (const v of ['11', '0', '1.5', '1e2', ' 1', '0x1', ['1'], '9999999999999'])
      expect(() => intParam(v, 'n', 7, 1, 10), String(v)).toThrow(/n must/);
  });

  it('parses durations within bounds', () => {
    expect(durationParam('1h', 'd', 0, 1000, 86_400_000)).toBe(3_600_000);
    expect(durationParam('500ms', 'd', 0, 1, 1000)).toBe(500);
    expect(() => durationParam('5years', 'd', 0, 1, 86_400_000)).toThrow(/like 30s/);
    expect(() => durationParam('2d', 'd', 0, 1, 86_400_000)).toThrow(/between 1ms and 1d/);
    expect([formatSpan(60_000), formatSpan(1500), formatSpan(86_400_000)]).toEqual(['1m', '1500ms', '1d']);
  });

  it('takes RFC 1123 labels and subdomains only', () => {
    expect(labelParam('my-svc', 'x')).toBe('my-svc');
    for (const v of ['My', '-a', 'a-', 'a.b', 'a'.repeat(64), 'a b', 'a\n'])
      expect(() => labelParam(v, 'x')).toThrow();
    expect(subdomainParam('db-0.db', 'x')).toBe('db-0.db');
    for (const v of ['..', '.a', 'a..b', 'A']) expect(() => subdomainParam(v, 'x'), v).toThrow();
  });

  it('checks keys have their dots and no control characters', () => {
    expect(keyParam('a.b.arn:aws:eks:x/y', 'service', 2)).toBe('a.b.arn:aws:eks:x/y');
    expect(() => keyParam('a.b', 'service', 2)).toThrow(/service.namespace.context/);
    expect(() => keyParam('a.b.c\u0000', 'service', 2)).toThrow(/printable/);
  });
});

describe('derivations', () => {
  it('formats uptimes as the original', () => {
    expect([formatUptime(8_130_000), formatUptime(61_000), formatUptime(999), formatUptime(-5)]).toEqual([
      '2h15m30s',
      '1m1s',
      '0s',
      '0s',
    ]);
  });

  it('classifies forward errors', () => {
    expect(classify('dial tcp: connection refused')?.kind).toBe('connection-refused');
    expect(classify('listen EADDRINUSE 127.1.27.1:80')?.kind).toBe('port-in-use');
    expect(classify('pods "x" is forbidden')?.kind).toBe('forbidden');
    expect(classify('something odd')?.kind).toBe('transport');
    expect(classify(null)).toBeNull();
  });

  it('summarises exchanges by status class and path without the query', () => {
    const x = (path: string, statusCode: number) => ({
      timestamp: '2025-01-01T00:00:00.000Z',
      forwardKey: 'f',
      method: 'GET',
      path,
      statusCode,
      durationMs: 1,
      requestBytes: 1,
      responseBytes: 1,
    });
    const s = httpSummary([x('/a?x=1', 200), x('/a', 404), x('/b', 503), x('/a', 101)]);
    expect(s.statusCodes).toEqual({ '1xx': 1, '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 1 });
    expect(s.topPaths).toEqual([
      { path: '/a', count: 3 },
      { path: '/b', count: 1 },
    ]);
  });
});

describe('headers and filters', () => {
  it('reads the host part of Host headers', () => {
    expect(['Kubefwd.Internal:80', '127.0.0.1', '[::1]:8080', 'localhost:'].map(hostPart)).toEqual([
      'kubefwd.internal',
      '127.0.0.1',
      '[::1]',
      'localhost',
    ]);
  });

  it('maps event type filters, CamelCase to dotted', () => {
    expect(parseTypeFilter(undefined)).toBeUndefined();
    expect([...(parseTypeFilter('ServiceAdded,pod.removed') ?? [])]).toEqual([
      'service.added',
      'pod.removed',
    ]);
    expect([...(parseTypeFilter('PodStatusChanged') ?? [])]).toContain('forward.connected');
    expect(() => parseTypeFilter('service.exploded')).toThrow(/unknown event type/);
    expect(() => parseTypeFilter(['a', 'b'])).toThrow();
  });
});
