import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, expect, it } from 'vitest';
import { kubeWatch } from '../../../src/cluster/kube-watch.ts';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A plain-HTTP API server whose every request is answered by `handler`; a KubeConfig for it. */
async function apiServer(handler: http.RequestListener): Promise<{ kc: KubeConfig; urls: string[] }> {
  const urls: string[] = [];
  server = http.createServer((req, res) => {
    urls.push(req.url ?? '');
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { kc, urls };
}

function watch(kc: KubeConfig, idleMs = 10_000) {
  const events: Array<[string, unknown]> = [];
  let resolveDone!: (err: unknown) => void;
  const done = new Promise<unknown>((resolve) => (resolveDone = resolve));
  const started = kubeWatch(
    kc,
    '/api/v1/namespaces/ns/pods',
    { resourceVersion: '7', labelSelector: undefined },
    (type, object) => events.push([type, object]),
    resolveDone,
    idleMs,
  );
  return { events, done, started };
}

it('reads events split anywhere across chunks, skips lines that are not JSON, and ends with the stream', async () => {
  const { kc, urls } = await apiServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const text = [
      '{"type":"ADDED","object":{"n":1}}\n{"type":"MOD',
      'IFIED","object":{"n":2}}\n',
      'not json\n\n{"type":"DELETED",',
      '"object":{"n":3}}',
    ];
    const next = (): void => {
      const part = text.shift();
      if (part === undefined) res.end();
      else res.write(part, () => setImmediate(next));
    };
    next();
  });
  const w = watch(kc);
  expect(await w.done).toBeNull();
  expect(w.events).toEqual([
    ['ADDED', { n: 1 }],
    ['MODIFIED', { n: 2 }],
    ['DELETED', { n: 3 }],
  ]);
  // The request as client-node's Watch makes it: watch=true, the query given, the context's token.
  const url = new URL(urls[0] ?? '', 'http://x');
  expect(url.pathname).toBe('/api/v1/namespaces/ns/pods');
  expect(Object.fromEntries(url.searchParams)).toEqual({ resourceVersion: '7', watch: 'true' });
});

it('ends with the status of a refusal, and with a timeout error after its idle time without a byte', async () => {
  let status = 403;
  const { kc } = await apiServer((_req, res) => {
    if (status === 403) res.writeHead(403).end('{"kind":"Status","code":403}');
    else res.writeHead(200).write('{"type":"BOOKMARK","object":{}}\n'); // then silence
  });
  const refused = watch(kc);
  expect(await refused.done).toMatchObject({ statusCode: 403 });
  expect(refused.events).toEqual([]);

  status = 200;
  const silent = watch(kc, 200);
  const err = await silent.done;
  expect(silent.events).toEqual([['BOOKMARK', {}]]);
  expect(err).toMatchObject({ name: 'TimeoutError' });
  // Aborting a watch that already ended changes nothing.
  (await silent.started).abort();
});

it('a handler that throws ends its watch with that error', async () => {
  const { kc } = await apiServer((_req, res) => {
    res.writeHead(200).write('{"type":"ADDED","object":{}}\n');
  });
  const events: string[] = [];
  const done = new Promise<unknown>((resolve) => {
    void kubeWatch(
      kc,
      '/api/v1/pods',
      {},
      (type) => {
        events.push(type);
        throw new Error('handler failed');
      },
      resolve,
      10_000,
    );
  });
  expect(await done).toMatchObject({ message: 'handler failed' });
  expect(events).toEqual(['ADDED']);
});
