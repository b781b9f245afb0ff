import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import express, { Router, type Response } from 'express';
import { sendError } from './envelope.ts';

/**
 * The console's page may load only its own assets and talk only to this daemon: no inline script or style, no
 * other origin, no framing.
 */
export const CONSOLE_CSP =
  "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kubefwd: console not built</title></head>
<body><main><h1>The web console is not built</h1>
<p>This kubefwd runs from its sources and its console assets are missing. Build them with
<code>npm run build:web</code> (<code>npm start</code> does it first) and reload. A packaged kubefwd ships them built.</p>
<p>The API and its documentation are at <a href="/docs/">/docs/</a>.</p></main></body></html>
`;

function hardened(res: Response): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

/**
 * Serves the built console from `dir`: `/` is the page (never cached, so a new build is picked up at once), and
 * `/assets/*` are content-hashed files cached for a year. Open like the docs: the assets hold no data, and the page
 * asks for the key itself. When the assets are missing `/` says so and how to build them.
 */
export function webConsoleRouter(dir: string): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    hardened(res);
    res.setHeader('Cache-Control', 'no-cache');
    const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => undefined);
    if (html === undefined) {
      res.status(503).type('html').send(NOT_BUILT);
      return;
    }
    res.type('html').send(html);
  });
  r.use(
    '/assets',
    express.static(join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders: (res) => hardened(res),
    }),
  );
  r.use('/assets', (req, res) => sendError(res, 'NOT_FOUND', `no console asset ${req.path.slice(0, 200)}`));
  return r;
}
