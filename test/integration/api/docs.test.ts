import { execFile, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from '../../helpers/api-harness.ts';
import { SPEC } from '../../helpers/openapi.ts';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('/docs', () => {
  it('redirects / to the docs, served from local assets only (no CDN), without a token', async () => {
    api = await startApi();
    const root = await api.call('GET', '/', { token: false });
    expect([root.status, root.headers.location]).toEqual([302, '/docs/']);
    const html = await api.call('GET', '/docs/', { token: false });
    expect(html.status).toBe(200);
    const refs = [...html.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(2);
    expect(refs.filter((r) => /^(https?:)?\/\//.test(r))).toEqual([]);
    for (const r of refs.filter((x) => x.endsWith('.js') || x.endsWith('.css'))) {
      const asset = await api.call('GET', new URL(r, 'http://x/docs/').pathname, { token: false });
      expect([r, asset.status]).toEqual([r, 200]);
    }
  });
});

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (c) => spawnSync(c, ['--version']).status === 0,
);
if (!chromium) console.log('/docs rendering test skipped: no chromium on this machine (CI installs it)');

describe.skipIf(!chromium)('/docs in headless Chromium', () => {
  it('lists every operation of openapi.yaml', async () => {
    api = await startApi();
    const url = `${api.base}/docs/`;
    const dom = await new Promise<string>((resolve, reject) => {
      execFile(
        chromium as string,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--no-first-run',
          '--virtual-time-budget=20000',
          '--dump-dom',
          url,
        ],
        { timeout: 60_000, maxBuffer: 64 << 20 },
        (err, stdout) => (err ? reject(new Error(`chromium failed: ${err.message}`)) : resolve(stdout)),
      );
    });
    const rendered = new Set(
      [...dom.matchAll(/class="opblock opblock-(\w+)[^"]*"[\s\S]*?data-path="([^"]+)"/g)].map(
        (m) =>
          `${(m[1] as string).toUpperCase()} ${(m[2] as string).replace(/&ZeroWidthSpace;|\u200b/g, '')}`,
      ),
    );
    const documented = Object.entries(SPEC.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.filter((d) => !rendered.has(d))).toEqual([]);
    expect(rendered.size).toBe(documented.length);
  }, 90_000);
});
