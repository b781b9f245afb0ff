import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp, createApiServer } from '../../../src/api/app.ts';
import type { ApiViews } from '../../../src/api/views.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { buildWeb, type BuiltFile } from '../../../src/web/build.ts';

const views = { prom: { observe: () => undefined } } as unknown as ApiViews;

async function serve(webDir: string) {
  const api = createApiApp({ views, apiKey: 'k', allowedHosts: ['127.0.0.1'], log: silentLogger(), webDir });
  const server = createApiServer({ api, host: '127.0.0.1', port: 0 });
  await server.start();
  return server;
}

let dir: string;
let built: BuiltFile[];
let server: Awaited<ReturnType<typeof serve>>;
let bare: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-web-'));
  built = await buildWeb({ outDir: join(dir, 'web') });
  server = await serve(join(dir, 'web'));
  bare = await serve(join(dir, 'not-built'));
});
afterAll(async () => {
  await server?.close();
  await bare?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the console served at /', () => {
  it('serves the page uncached under a CSP that allows only its own origin', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(
      /^default-src 'self';.*frame-ancestors 'none'/,
    );
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    const assets = [...html.matchAll(/"\/assets\/([^"]+)"/g)].map((m) => m[1]);
    expect(assets.sort()).toEqual(
      built
        .filter((f) => f.name.startsWith('assets/'))
        .map((f) => f.name.slice(7))
        .sort(),
    );
    expect(html).not.toMatch(/<script>|<style>| style=/);
  });

  it('names assets by content hash and lets browsers keep them for a year', async () => {
    const js = built.find((f) => f.name.endsWith('.js'))?.name as string;
    expect(js).toMatch(/^assets\/app-[A-Z0-9]{8,}\.js$/);
    const res = await fetch(`${server.url}/${js}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await res.arrayBuffer()).byteLength).toBe(built.find((f) => f.name === js)?.bytes);
    const missing = await fetch(`${server.url}/assets/app-NOPE.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('opens only the page and its assets: the API still needs the key', async () => {
    const res = await fetch(`${server.url}/api/v1/services`);
    expect(res.status).toBe(401);
    const escape = await fetch(`${server.url}/assets/..%2f..%2fpackage.json`);
    expect(escape.status).toBe(404);
  });

  it('says how to build the assets when they are missing', async () => {
    const res = await fetch(`${bare.url}/`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    const html = await res.text();
    expect(html).toContain('The web console is not built');
    expect(html).toContain('npm run build:web');
  });
});
