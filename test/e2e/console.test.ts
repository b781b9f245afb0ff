import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubefwdClient, type KubefwdClient } from '../../src/client/index.ts';
import { buildWeb, type BuiltFile } from '../../src/web/build.ts';
import { axeFindings, CHROMIUM, HAVE_CHROMIUM, launchChromium, serious } from '../helpers/browser.ts';
import { runCli, type CliProcess } from '../helpers/cli.ts';
import { httpGet, ipOf, startE2eEnv, type E2eEnv } from '../helpers/e2e-env.ts';
import { waitFor } from '../helpers/wait-for.ts';

const KEY = 'console-e2e-key';

interface HarEntry {
  startedDateTime: string;
  request: { url: string; method: string; headers: Array<{ name: string; value: string }> };
  response: { status: number; content: { size: number; text?: string } };
}
const WEB = 'web.alpha.one';
/** Where screenshots go when KUBEFWD_SCREENSHOTS=1 (docs/ is where the README shows them). */
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

if (!HAVE_CHROMIUM)
  console.log(`console browser tests skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

describe.skipIf(!HAVE_CHROMIUM)('the web console in Chromium', () => {
  let env: E2eEnv;
  let cli: CliProcess;
  let base: string;
  let client: KubefwdClient;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let downloads: string;
  let built: BuiltFile[];
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The daemon serves the package's dist/console: build it as `npm run build:web` does.
    built = await buildWeb();
    env = await startE2eEnv();
    cli = runCli(['--api-addr', '127.2.27.1:0', ...env.flags()], {
      env: { KUBEFWD_API_KEY: KEY, KUBEFWD_API_READ_KEY: 'console-read-key' },
    });
    base = (await cli.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
    client = createKubefwdClient({ baseUrl: base, apiKey: KEY });
    downloads = mkdtempSync(join(tmpdir(), 'kubefwd-console-'));
    browser = await launchChromium();
    context = await browser.createBrowserContext({
      downloadBehavior: { policy: 'allow', downloadPath: downloads },
    });
    page = await context.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });
  afterAll(async () => {
    await browser?.close();
    await cli?.stop('SIGTERM');
    await env?.close();
    if (downloads) rmSync(downloads, { recursive: true, force: true });
  });

  // Strings, not functions, run in the page: this project's Node types have no DOM.
  const text = (selector: string): Promise<string> =>
    page.evaluate(
      `document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`,
    ) as Promise<string>;
  const chartCount = async (what: 'points' | 'traffic'): Promise<number> =>
    Number(await page.evaluate(`document.querySelector('.chart')?.dataset.${what}`));
  const until = async (selector: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> => {
    let last = '';
    await waitFor(async () => pattern.test((last = await text(selector))), {
      timeoutMs,
      message: () => `${selector} never matched ${String(pattern)}: it shows "${last.slice(0, 2000)}"`,
    });
    return last;
  };
  const go = async (hash: string, title: RegExp): Promise<void> => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await until('h1', title);
  };
  const noSeriousFindings = async (view: string): Promise<void> => {
    const found = serious(await axeFindings(page));
    expect(found, `${view}: ${JSON.stringify(found, null, 1)}`).toEqual([]);
  };
  const screenshot = async (name: string): Promise<void> => {
    if (process.env.KUBEFWD_SCREENSHOTS !== '1') return;
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(DOCS, name), fullPage: true });
  };

  it('loads small under its CSP and tells a wrong key it was refused', async () => {
    const res = await page.goto(base + '/', { waitUntil: 'networkidle0' });
    expect(res?.headers()['content-security-policy']).toMatch(/^default-src 'self'/);
    await page.waitForSelector('#api-key');
    const timing = JSON.parse(
      (await page.evaluate(
        `JSON.stringify({ load: performance.getEntriesByType('navigation')[0].loadEventEnd,
          bytes: performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0)
            + performance.getEntriesByType('navigation')[0].transferSize })`,
      )) as string,
    ) as { load: number; bytes: number };
    const raw = built.reduce((n, f) => n + f.bytes, 0);
    const gzip = built.reduce((n, f) => n + f.gzipBytes, 0);
    console.log(
      `console first load: ${timing.bytes} bytes transferred, assets ${raw} B raw / ${gzip} B gzip, load event at ${Math.round(timing.load)} ms`,
    );
    expect(raw).toBeLessThan(250_000);
    await noSeriousFindings('sign-in');

    await page.type('#api-key', 'not-the-key');
    await page.click('button[type=submit]');
    await until('#sign-in-error', /refused this key \(UNAUTHORIZED\)/);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });

  it('signs in and keeps the key in this tab only, never in the URL', async () => {
    await page.$eval('#api-key', (el) => ((el as unknown as { value: string }).value = ''));
    await page.type('#api-key', KEY);
    await page.click('button[type=submit]');
    await until('h1', /Overview/);
    expect(page.url()).not.toContain(KEY);
    expect(await page.evaluate(`sessionStorage.getItem('kubefwd.apiKey')`)).toBe(KEY);
    expect(await page.evaluate('document.cookie')).toBe('');
    await until('.stream', /Live/);
    await noSeriousFindings('overview');
  });

  it('shows services of a namespace added through the API without a reload', async () => {
    await go('#/services', /Services/);
    await until('#svc-count', /0 of 0 services/);
    const marker = await page.evaluate('window.__marker = Math.random()');
    await client.call(
      client.api.POST('/api/v1/namespaces', { body: { namespace: 'alpha', context: 'one' } }),
    );
    await page.waitForSelector(`tr[data-key="${WEB}"]`, { timeout: 30_000 }).catch(async (e: unknown) => {
      throw new Error(
        `${String(e)}: the page shows ${await text('main')} DAEMON ${cli.stdout().slice(-6000)} ${cli.stderr().slice(-3000)}`,
      );
    });
    expect(await page.evaluate('window.__marker')).toBe(marker);
    await page.type('#svc-filter', 'no-such-service');
    await until('#svc-count', /^0 of \d+ services/);
    await page.$eval('#svc-filter', (el) => ((el as unknown as { value: string }).value = ''));
    await page.select('#svc-status', 'all');
    await noSeriousFindings('services');
  });

  it('shows a request through a forward in the captures, the chart and a HAR 1.2 export', async () => {
    await waitFor(
      () =>
        client
          .call(client.api.GET('/api/v1/services/{key}', { params: { path: { key: WEB } } }))
          .then((s) => s.status === 'active'),
      { timeoutMs: 15_000 },
    );
    await go(`#/services/${WEB}`, new RegExp(WEB.replaceAll('.', '\\.')));
    const ip = await waitFor(() => ipOf(env.hosts(), 'web.alpha'), { timeoutMs: 10_000 });
    expect((await httpGet(`http://${ip}:8080/console-probe?x=1`)).status).toBe(200);
    await until('#captures-table', /\/console-probe\?x=1/);
    // The endpoints table shows the pod that served it, with the connection counted.
    const served = await waitFor(
      async () =>
        (
          await client.call(
            client.api.GET('/api/v1/services/{key}/endpoints', { params: { path: { key: WEB } } }),
          )
        ).endpoints.find((e) => e.connectionsTotal >= 1),
      { timeoutMs: 10_000 },
    );
    const cell = `#endpoints-table tr[data-pod="${served.pod}"] td:nth-child(5)`;
    await until(cell, /^[1-9]\d*$/, 10_000);
    expect(await text('#endpoints-policy')).toMatch(/Balancing: (first|round-robin|least-conn)/);
    await waitFor(async () => (await chartCount('traffic')) > 0, {
      timeoutMs: 20_000,
      message: 'the bandwidth chart never showed the request',
    });
    const button = await page.waitForSelector('#captures-table button.link');
    await button?.click();
    await until('#capture-detail', /GET \/console-probe\?x=1.*Status200/s);

    // Headers and bodies: only after opting in, with credentials masked.
    await page.click('#capture-detail-toggle');
    await waitFor(
      async () =>
        (await page.evaluate(`document.querySelector('#capture-detail-toggle').ariaPressed`)) === 'true',
      { timeoutMs: 10_000 },
    );
    const secret = await fetch(`http://${ip}:8080/console-secret`, {
      headers: { Authorization: 'Bearer top-secret', Cookie: 'sid=also-secret' },
      signal: AbortSignal.timeout(5000),
    });
    expect(secret.status).toBe(200);
    await secret.text();
    await page.waitForSelector('#captures-table button::-p-text(/console-secret)', { timeout: 15_000 });
    await page.click('#captures-table button::-p-text(/console-secret)');
    await until('#capture-detail', /Authorization\[masked\]/);
    const shown = await text('#capture-detail');
    expect(shown).not.toMatch(/top-secret|also-secret/);
    expect(shown).toMatch(/Cookie\[masked\]/);
    await until('#pod-log-list', /"GET \/console-probe\?x=1 HTTP\/1\.1" 200/);
    await noSeriousFindings('service detail');
    await screenshot('console-service.png');

    await page.click('#export-har');
    const file = await waitFor(() => readdirSync(downloads).find((f) => f.endsWith('.har')), {
      timeoutMs: 10_000,
    });
    const har = JSON.parse(readFileSync(join(downloads, file), 'utf8')) as {
      log: { version: string; creator: { name: string }; entries: HarEntry[] };
    };
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator.name).toBe('kubefwd');
    const entry = har.log.entries.find((e) => String(e.request.url).includes('/console-probe'));
    expect(entry).toBeDefined();
    expect(entry?.request).toMatchObject({
      method: 'GET',
      httpVersion: 'HTTP/1.1',
      queryString: [{ name: 'x', value: '1' }],
    });
    expect(entry?.request.url).toMatch(/^http:\/\/web[^/]*:8080\/console-probe\?x=1$/);
    expect(entry?.response.status).toBe(200);
    expect(entry?.response.content.size).toBeGreaterThan(0);
    for (const k of ['startedDateTime', 'time', 'cache', 'timings']) expect(entry).toHaveProperty(k);
    expect(Number.isNaN(Date.parse(entry?.startedDateTime as string))).toBe(false);
    expect(entry?.request.headers).toEqual([]);
    const withDetail = har.log.entries.find((e) => e.request.url.endsWith('/console-secret'));
    expect(withDetail?.request.headers).toContainEqual({ name: 'Authorization', value: '[masked]' });
    expect(withDetail?.request.headers).toContainEqual({ name: 'Cookie', value: '[masked]' });
    expect(withDetail?.response.content.text).toMatch(/\S/);
    expect(JSON.stringify(har)).not.toMatch(/top-secret|also-secret/);
  });

  it('forwards one service from Browse, removes it and forwards it again from its page', async () => {
    const DB = 'db.beta.one';
    await go('#/browse', /Browse/);
    await page.waitForSelector('#browse-namespaces button::-p-text(beta)', { timeout: 15_000 });
    await page.click('#browse-namespaces button::-p-text(beta)');
    await page.waitForSelector('#browse-services button::-p-text(Forward db)', { timeout: 15_000 });
    await noSeriousFindings('browse');
    // The list may be drawn again under the pointer: click what is there once it holds still.
    await waitFor(() => page.click('#browse-services button::-p-text(Forward db)').then(() => true), {
      timeoutMs: 5000,
    });
    await until('main .message', /Forwarding db/);
    await waitFor(
      () => client.call(client.api.GET('/api/v1/services/{key}', { params: { path: { key: DB } } })),
      {
        timeoutMs: 15_000,
      },
    );

    await go(`#/services/${DB}`, /db\.beta\.one/);
    await until('#svc-status', /active|pending|partial/);
    await page.click('#remove');
    await until('#not-forwarded', /not forwarded any more/);
    await expect(
      client.call(client.api.GET('/api/v1/services/{key}', { params: { path: { key: DB } } })),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await page.click('#readd');
    let shown = '';
    await waitFor(async () => /active|pending|partial/.test((shown = await text('#svc-status'))), {
      timeoutMs: 15_000,
      message: () => `not forwarded again: ${shown} ${text.length}`,
    });
    const s = await client.call(client.api.GET('/api/v1/services/{key}', { params: { path: { key: DB } } }));
    expect(s.key).toBe(DB);
  });

  it('creates an ad-hoc port-forward from its page, reaches the pod through it and stops it', async () => {
    await go('#/portforwards', /Port-forwards/);
    await until('#pf-count', /^0 port-forwards/);
    await page.type('#pf-target', 'svc/web');
    await page.type('#pf-port', ':8080');
    await page.type('#pf-namespace', 'alpha');
    await page.type('#pf-context', 'one');
    await page.click('#pf-create');
    await until('main .message', /Forwarding service\/web on 127\.0\.0\.1:\d+/);
    const local = await until('#pf-table td.local', /^127\.0\.0\.1:\d+$/);
    expect((await httpGet(`http://${local}/through-adhoc`)).status).toBe(200);
    await until('#pf-table td:nth-child(6)', /^[01] \/ [1-9]/);
    await noSeriousFindings('port-forwards');
    await page.click('#pf-table tbody button.control');
    await until('#pf-count', /^0 port-forwards/);
    const left = await client.call(client.api.GET('/api/v1/portforwards'));
    expect(left.portforwards).toEqual([]);
    await expect(httpGet(`http://${local}/`)).rejects.toThrow();
  });

  it('removes the selected services in one action: select-all of the filtered rows, less one', async () => {
    const one = env.sim.cluster('one');
    one.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } });
    const keys = ['b1', 'b2', 'b3'].map((name) => `${name}.bulk.one`);
    for (const name of ['b1', 'b2', 'b3']) {
      one.apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'bulk' },
        spec: { selector: { app: name }, ports: [{ port: 9200 }] },
      });
      await client.call(
        client.api.POST('/api/v1/services', {
          body: { namespace: 'bulk', service_name: name, context: 'one' },
        }),
      );
    }
    await go('#/services', /Services/);
    await page.type('#svc-filter', '.bulk.');
    await until('#svc-count', /^3 of \d+ services/);
    await page.click('#svc-select-all');
    await until('#svc-selected', /^3 selected/);
    // Rows are drawn again on each refresh: click the box that is there once it holds still.
    await waitFor(() => page.click('tr[data-key="b3.bulk.one"] input[type=checkbox]').then(() => true), {
      timeoutMs: 5000,
    });
    await until('#svc-selected', /^2 selected/);
    expect(await page.evaluate(`document.querySelector('#svc-select-all').indeterminate`)).toBe(true);
    await noSeriousFindings('services with a selection');
    await page.click('#bulk-remove');
    await until('main .message', /Removed 2 services/);
    await until('#svc-count', /^1 of \d+ services/);
    const left = (
      await client.call(client.api.GET('/api/v1/services', { params: { query: { limit: 1000 } } }))
    ).services
      .map((x) => x.key)
      .filter((k) => keys.includes(k));
    expect(left).toEqual(['b3.bulk.one']);
    await client.call(
      client.api.DELETE('/api/v1/services/{key}', { params: { path: { key: 'b3.bulk.one' } } }),
    );
    await page.$eval('#svc-filter', (el) => ((el as unknown as { value: string }).value = ''));
  });

  it('keeps 1,000 services smooth: only the rows in view are in the page', async () => {
    const N = 1000;
    const one = env.sim.cluster('one');
    one.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'many' } });
    for (let i = 0; i < N; i++)
      one.apply({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `s${i}`, namespace: 'many' },
        spec: { selector: { app: `none-${i}` }, ports: [{ port: 9000 + (i % 50) }] },
      });
    await go('#/services', /Services/);
    await page.evaluate(`window.__longTasks = [];
      new PerformanceObserver((l) => window.__longTasks.push(...l.getEntries().map((e) => e.duration)))
        .observe({ type: 'longtask', buffered: false });`);
    const t0 = Date.now();
    await client.call(client.api.POST('/api/v1/namespaces', { body: { namespace: 'many', context: 'one' } }));
    await until('#svc-count', /^\d{4} of \d{4} services/, 60_000);
    expect(
      await page.evaluate(`document.querySelectorAll('#services-table svg.spark').length`),
    ).toBeGreaterThan(0);
    const shownAfter = Date.now() - t0;
    const rows = Number(
      await page.evaluate(`document.querySelectorAll('#services-table tbody tr:not(.spacer)').length`),
    );
    expect(rows).toBeLessThan(80);
    await page.evaluate(`document.querySelector('.table-scroll').scrollTop = 1e9`);
    await waitFor(async () => (await text('#services-table tbody')).includes('s999.many.one'), {
      timeoutMs: 5000,
    });
    const longTasks = JSON.parse(
      (await page.evaluate('JSON.stringify(window.__longTasks)')) as string,
    ) as number[];
    console.log(
      `console with ${N} more services: listed after ${shownAfter} ms, ${rows} rows in the DOM, ` +
        `${longTasks.length} long tasks, longest ${Math.round(Math.max(0, ...longTasks))} ms`,
    );
    expect(Math.max(0, ...longTasks)).toBeLessThan(500);
    await client.call(
      client.api.DELETE('/api/v1/namespaces/{key}', { params: { path: { key: 'many.one' } } }),
    );
  });

  it('has no serious accessibility findings on the other views', async () => {
    await go('#/', /Overview/);
    await until('#stat-services', /\d+ \/ \d+/);
    await waitFor(async () => (await chartCount('points')) > 0, { timeoutMs: 15_000 });
    await noSeriousFindings('overview with data');
    await screenshot('console-overview.png');
    await go('#/events', /Events/);
    await page.select('#event-type', 'namespace.removed');
    await until('#event-list', /namespace\.removed key=many\.one/);
    expect(await text('#event-list')).not.toMatch(/service\.(added|removed)/);
    await noSeriousFindings('events');
    await go('#/diagnostics', /Diagnostics/);
    await until('#diag-status', /Status:/);
    await noSeriousFindings('diagnostics');
    await go('#/logs', /Daemon log/);
    await until('#log-list', /\w/);
    await until('#log-stream', /Following/);
    await noSeriousFindings('logs');
  });

  it('follows the daemon log: a line written after the view opened appears without a reload', async () => {
    const one = env.sim.cluster('one');
    one.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tail' } });
    one.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'late', namespace: 'tail' },
      spec: { selector: { app: 'late' }, ports: [{ port: 9100 }] },
    });
    await until('#log-stream', /Following/);
    expect(await text('#log-list')).not.toContain('late.tail.one');
    const marker = await page.evaluate('window.__logMarker = Math.random()');
    // Followed, not polled: the page asks for the log list no more while the line comes.
    const listed: string[] = [];
    const onRequest = (r: { url(): string }): void => {
      if (new URL(r.url()).pathname === '/api/v1/logs') listed.push(r.url());
    };
    page.on('request', onRequest);
    await client.call(client.api.POST('/api/v1/namespaces', { body: { namespace: 'tail', context: 'one' } }));
    await until('#log-list', /forwarding late\.tail\.one on 127\./);
    page.off('request', onRequest);
    expect(listed).toEqual([]);
    expect(await page.evaluate('window.__logMarker')).toBe(marker);
    await client.call(
      client.api.DELETE('/api/v1/namespaces/{key}', { params: { path: { key: 'tail.one' } } }),
    );
  });

  it('shows a read key everything with its controls disabled and the reason', async () => {
    await page.click('button::-p-text(Sign out)');
    await page.waitForSelector('#api-key');
    await page.type('#api-key', 'console-read-key');
    await page.click('button[type=submit]');
    await until('h1', /Overview/);
    await go(`#/services/${WEB}`, /web\.alpha\.one/);
    await until('#svc-status', /active/);
    await until('#captures-table', /console-probe/);
    const reconnect = await page.$('button::-p-text(Reconnect)');
    // Either the daemon said the scope up front, or the first refused control call tells it.
    const bannerHidden = await page.evaluate(`document.querySelector('.scope-banner').hidden`);
    let banner: string;
    if (!bannerHidden) banner = await text('.scope-banner');
    else {
      await reconnect?.click();
      banner = await until('.scope-banner', /Controls are disabled/);
    }
    expect(banner).toMatch(/Controls are disabled: .*read/);
    const enabled = await page.evaluate(
      `[...document.querySelectorAll('button.control')].filter((b) => !b.disabled).length`,
    );
    expect(enabled).toBe(0);
    await noSeriousFindings('read-only service detail');
  });

  it('broke no CSP rule and threw nothing', () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
