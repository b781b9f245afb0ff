/**
 * What the API's guards cost: the audit trail's write and query over a full trail, and a request through the whole
 * middleware chain with and without the rate limiter. `node bench/api-guards.ts`; prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp } from '../src/api/app.ts';
import type { ApiViews } from '../src/api/views.ts';
import { createAuditLog } from '../src/audit/audit-log.ts';
import { silentLogger } from '../src/log/logger.ts';

const KEY = 'bench-admin-key-0123456789abcdef';

async function auditCosts() {
  const dir = mkdtempSync(join(tmpdir(), 'kubefwd-audit-bench-'));
  const path = join(dir, 'audit.jsonl');
  const log = createAuditLog({ path, log: silentLogger(), secrets: () => [KEY] });
  const n = 60_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++)
    log.record({
      actor: i % 2 ? 'ops' : 'admin',
      action: i % 3 ? 'addNamespace' : 'removeService',
      resource: `namespace/ns-${i}.ctx`,
      outcome: 'success',
      requestId: randomUUID(),
      details: { method: 'POST', path: '/api/v1/namespaces', status: 201, body: { namespace: `ns-${i}` } },
    });
  const recordUs = ((performance.now() - t0) * 1000) / n;
  const bytes = ['', '.1', '.2', '.3'].reduce((sum, s) => sum + statSync(`${path}${s}`).size, 0);
  const queryMs: number[] = [];
  let kept = 0;
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    kept = (await log.query({ limit: 100, offset: 0 })).total;
    queryMs.push(Math.round(performance.now() - t0));
  }
  log.close();
  rmSync(dir, { recursive: true, force: true });
  return { recordUs: Math.round(recordUs), trailBytes: bytes, entriesKept: kept, queryMs };
}

async function requestUs(limit: number): Promise<number> {
  const views = {
    info: () => ({ version: 'bench' }),
    health: () => ({ status: 'healthy' }),
    prom: { observe: () => undefined },
  } as unknown as ApiViews;
  const api = createApiApp({
    views,
    apiKey: KEY,
    allowedHosts: ['127.0.0.1'],
    log: silentLogger(),
    rateLimit: { limit, windowMs: 60_000 },
  });
  const server = http.createServer(api.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port,
            path: '/api/v1/info',
            agent,
            headers: { Authorization: `Bearer ${KEY}` },
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
            );
          },
        )
        .on('error', reject);
    });
  for (let i = 0; i < 500; i++) await one();
  const n = 4000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await one();
  const us = ((performance.now() - t0) * 1000) / n;
  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  api.close();
  return Math.round(us);
}

const audit = await auditCosts();
const withoutLimiter: number[] = [];
const withLimiter: number[] = [];
for (let round = 0; round < 6; round++) {
  withoutLimiter.push(await requestUs(0));
  withLimiter.push(await requestUs(1_000_000));
}
console.log(JSON.stringify({ audit, requestUs: { withoutLimiter, withLimiter } }));
