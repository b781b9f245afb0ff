import { spawnSync } from 'node:child_process';
import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { CounterReading } from '../../../src/metrics/counters.ts';
import { createPromMetrics, serviceLabels } from '../../../src/metrics/prom.ts';

function harness() {
  const forwards = new Map<string, CounterReading>();
  const prom = createPromMetrics({ read: () => forwards.values(), sessions: () => 2, hostsWrites: () => 5 });
  return { prom, forwards };
}

/** name{labels} value → value, for the sample lines of the exposition text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

const promtool = spawnSync('which', ['promtool'], { encoding: 'utf8' }).stdout.trim();

describe('Prometheus metrics', () => {
  it('has per-pod series only when given endpoints', async () => {
    const without = await createPromMetrics({ defaultMetrics: false }).metricsText();
    expect(without).not.toContain('kubefwd_endpoint_');
    const prom = createPromMetrics({
      defaultMetrics: false,
      endpoints: () => [
        {
          namespace: 'ns',
          context: 'ctx',
          service: 'web',
          pod: 'web-1',
          bytesIn: 10,
          bytesOut: 3,
          connectionsActive: 2,
        },
      ],
    });
    const text = await prom.metricsText();
    expect(text).toContain(
      'kubefwd_endpoint_bytes_total{namespace="ns",context="ctx",service="web",pod="web-1",direction="in"} 10',
    );
    expect(text).toContain(
      'kubefwd_endpoint_connections_active{namespace="ns",context="ctx",service="web",pod="web-1"} 2',
    );
  });

  it('exposes only kubefwd_ names, in text that parses', async () => {
    const { prom, forwards } = harness();
    forwards.set('web.ns.ctx.pod.80', {
      key: 'web.ns.ctx.pod.80',
      service: 'web.ns.ctx',
      bytesIn: 1,
      bytesOut: 2,
    });
    prom.observeApiRequest('GET', '/api/v1/services/:key', 200, 0.003);
    const text = await prom.metricsText();
    const names = new Set<string>();
    for (const line of text.split('\n')) {
      const m = /^# (?:HELP|TYPE) (\S+)/.exec(line) ?? /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
      if (m?.[1]) names.add(m[1]);
    }
    expect(names.size).toBeGreaterThan(10);
    for (const n of names) expect(n).toMatch(/^kubefwd_/);
    expect(() => samples(text)).not.toThrow();
    expect(prom.contentType).toMatch(/^text\/plain/);
    // Its own registry: nothing leaks into prom-client's global one.
    expect(await globalRegistry.metrics()).not.toContain('kubefwd_');
  });

  it('reads bytes and connections at scrape time, per service, monotonic across forward restarts', async () => {
    const { prom, forwards } = harness();
    const set = (key: string, service: string, bytesIn: number, bytesOut: number, connections: number) =>
      forwards.set(key, { key, service, bytesIn, bytesOut, connections });
    set('web.ns.my.ctx.a.80', 'web.ns.my.ctx', 100, 10, 1);
    set('web.ns.my.ctx.b.80', 'web.ns.my.ctx', 50, 5, 2);
    let s = samples(await prom.metricsText());
    const labels = 'namespace="ns",context="my.ctx",service="web"';
    expect(s.get(`kubefwd_forward_bytes_total{${labels},direction="in"}`)).toBe(150);
    expect(s.get(`kubefwd_forward_bytes_total{${labels},direction="out"}`)).toBe(15);
    expect(s.get(`kubefwd_connections_active{${labels}}`)).toBe(3);
    expect(s.get('kubefwd_sessions_active')).toBe(2);
    expect(s.get('kubefwd_hosts_writes_total')).toBe(5);
    forwards.delete('web.ns.my.ctx.b.80');
    set('web.ns.my.ctx.a.80', 'web.ns.my.ctx', 20, 1, 0); // restarted
    prom.incHostsWrite();
    s = samples(await prom.metricsText());
    expect(s.get(`kubefwd_forward_bytes_total{${labels},direction="in"}`)).toBe(170);
    expect(s.get(`kubefwd_connections_active{${labels}}`)).toBe(0);
    expect(s.get('kubefwd_hosts_writes_total')).toBe(6);
  });

  it('counts API requests by method, route pattern and status, and reconnects', async () => {
    const { prom } = harness();
    prom.observeApiRequest('GET', '/api/v1/services/:key', 404, 0.002);
    prom.observeApiRequest('GET', '/api/v1/services/:key', 404, 0.2);
    prom.observeApiRequest('BREW', '/api/v1/services', 405, 0.001);
    prom.incReconnect({ namespace: 'ns', context: 'ctx' });
    const s = samples(await prom.metricsText());
    const l = 'method="GET",route="/api/v1/services/:key",status="404"';
    expect(s.get(`kubefwd_api_requests_total{${l}}`)).toBe(2);
    expect(s.get(`kubefwd_api_request_duration_seconds_count{${l}}`)).toBe(2);
    expect(s.get(`kubefwd_api_request_duration_seconds_bucket{le="0.0025",${l}}`)).toBe(1);
    expect(s.get('kubefwd_api_requests_total{method="OTHER",route="/api/v1/services",status="405"}')).toBe(1);
    expect(s.get('kubefwd_reconnects_total{namespace="ns",context="ctx"}')).toBe(1);
  });

  it('builds two instances side by side (no global registry to collide in)', async () => {
    const a = createPromMetrics({ read: () => [] });
    const b = createPromMetrics({ read: () => [], defaultMetrics: false });
    expect(await a.metricsText()).toContain('kubefwd_process_cpu_seconds_total');
    expect(await b.metricsText()).not.toContain('kubefwd_process_cpu_seconds_total');
  });

  it('accepts the legacy per-forward source', async () => {
    const prom = createPromMetrics({
      forwards: () => [
        { namespace: 'ns', context: 'c', service: 'web', bytesIn: 7, bytesOut: 1, connectionsActive: 1 },
        { namespace: 'ns', context: 'c', service: 'web', bytesIn: 3, bytesOut: 1, connectionsActive: 1 },
      ],
      defaultMetrics: false,
    });
    const s = samples(await prom.metricsText());
    expect(
      s.get('kubefwd_forward_bytes_total{namespace="ns",context="c",service="web",direction="in"}'),
    ).toBe(10);
  });

  it('splits service keys into labels (context names may hold dots)', () => {
    expect(serviceLabels('web.ns.arn:aws:eks:eu-west-1:1:cluster/a.b')).toEqual({
      service: 'web',
      namespace: 'ns',
      context: 'arn:aws:eks:eu-west-1:1:cluster/a.b',
    });
    expect(serviceLabels('odd')).toEqual({ service: 'odd', namespace: '', context: '' });
  });

  it.skipIf(!promtool)('passes promtool check metrics', async () => {
    const { prom, forwards } = harness();
    forwards.set('web.ns.ctx.pod.80', {
      key: 'web.ns.ctx.pod.80',
      service: 'web.ns.ctx',
      bytesIn: 1,
      bytesOut: 2,
    });
    prom.observeApiRequest('GET', '/api/v1/services', 200, 0.01);
    prom.incReconnect({ namespace: 'ns', context: 'ctx' });
    const r = spawnSync(promtool, ['check', 'metrics'], {
      input: await prom.metricsText(),
      encoding: 'utf8',
    });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.status).toBe(0);
  });
  if (!promtool)
    console.log('skipping promtool check metrics: promtool is not installed (Debian package prometheus)');
});
