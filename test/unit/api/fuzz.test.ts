import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from '../../helpers/api-harness.ts';
import { SPEC, validateResponse, type SpecOperation } from '../../helpers/openapi.ts';

/** ~2,000 random and hostile requests built from openapi.yaml's paths and parameters: never a 5xx, always per spec. */

let api: ApiHarness;
beforeAll(async () => {
  api = await startApi({ bodyLimit: 4096 });
});
afterAll(async () => {
  await api.close();
});

const STREAMS = new Set(['/api/v1/events', '/api/v1/logs/stream']);
const OPS: Array<{ path: string; method: string; op: SpecOperation }> = Object.entries(SPEC.paths).flatMap(
  ([path, ops]) =>
    Object.entries(ops)
      .filter(() => !STREAMS.has(path))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
);

const VALID = [
  'api.default.kind',
  'db.data.kind',
  'api.default.kind.api-7d9-x2.8080',
  'default.kind',
  'default',
  'api',
  'api-7d9-x2',
  'kind',
  'true',
  '10',
  '1h',
  '1m',
  'ServiceAdded',
  'warn',
];
const HOSTILE = [
  '',
  ' ',
  '-1',
  '0',
  '1e9',
  '99999999999999999999',
  'NaN',
  '../..',
  '..',
  '.',
  'a\r\nX-Evil: 1',
  '\u0000',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'ünïcödé',
  '😀',
  'a'.repeat(5000),
  '%',
  '%zz',
  'true&force=true',
  '[]',
  '{}',
];
const value = fc.oneof(
  fc.constantFrom(...VALID),
  fc.constantFrom(...HOSTILE),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
/** Mostly encoded; sometimes broken percent-encodings that are still legal request-target bytes. */
const segment = fc.oneof(
  { weight: 5, arbitrary: value.map((v) => encodeURIComponent(v)) },
  { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '%', '%00', '%2F', '%2e%2e', 'a%2Fb.c.d', '%C0%AF') },
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.record({ namespace: value, service_name: value, context: value, selector: value }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('{"a":', '[', 'null', '"\\ud800"', '{"namespace":"default","service_name":"web"}'),
);

const request = fc.record({
  which: fc.nat({ max: OPS.length - 1 }),
  segments: fc.array(segment, { minLength: 3, maxLength: 3 }),
  query: fc.array(fc.tuple(fc.nat({ max: 10 }), value), { maxLength: 4 }),
  body,
  rawBody: fc.boolean(),
  lastEventId: fc.option(fc.constantFrom('1', 'x', '-1', '99999999999999999999'), { nil: undefined }),
});

describe('hostile requests generated from openapi.yaml', () => {
  it('never get a 5xx and always answer per the spec', async () => {
    let count = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { path: template, method, op } = OPS[r.which] as (typeof OPS)[number];
        let i = 0;
        const path = template.replace(/\{\w+\}/g, () => r.segments[i++] ?? 'x');
        const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        const qs = r.query
          .filter(() => names.length > 0)
          .map(
            ([n, v]) => `${encodeURIComponent(names[n % names.length] as string)}=${encodeURIComponent(v)}`,
          )
          .join('&');
        const url = qs ? `${path}?${qs}` : path;
        const a = await api.call(method, url, {
          ...(r.body === undefined
            ? {}
            : r.rawBody && typeof r.body === 'string'
              ? { raw: r.body, headers: { 'Content-Type': 'application/json' } }
              : { body: r.body }),
          ...(r.lastEventId ? { headers: { 'Last-Event-ID': r.lastEventId } } : {}),
        });
        count++;
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        expect(a.status, `${method} ${url.slice(0, 200)}: ${a.text.slice(0, 200)}`).toBeLessThan(500);
        if (a.headers['content-type']?.startsWith('application/json')) {
          const errors = validateResponse(template, method, a.status, a.json);
          expect(errors, `${method} ${url.slice(0, 200)}`).toEqual([]);
        }
      }),
      { numRuns: 2000, seed: Number(process.env.FC_SEED ?? 42) },
    );
    expect(count).toBe(2000);
    console.log(`fuzz: 2000 requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  }, 120_000);
});
