import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../../src/audit/audit-log.ts';
import type { AuditRecord } from '../../../src/audit/types.ts';
import { silentLogger } from '../../../src/log/logger.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-audit-'));
  path = join(dir, 'audit.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (i: number, extra: Partial<AuditRecord> = {}): AuditRecord => ({
  actor: i % 2 === 0 ? 'ops' : 'ci',
  action: i % 3 === 0 ? 'removeService' : 'addNamespace',
  resource: `namespace/ns-${i}`,
  outcome: 'success',
  requestId: `req-${i}`,
  details: { i },
  ...extra,
});
const all = async (log: ReturnType<typeof createAuditLog>) =>
  (await log.query({ limit: 1000, offset: 0 })).items;

describe('audit log', () => {
  it('appends JSON lines readable by the owner only, even over a file that was not', () => {
    writeFileSync(path, '', { mode: 0o644 });
    chmodSync(path, 0o644);
    const log = createAuditLog({ path, log: silentLogger(), now: () => Date.UTC(2026, 0, 1) });
    log.record(entry(1));
    log.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      id: 1,
      timestamp: '2026-01-01T00:00:00.000Z',
      actor: 'ci',
      action: 'addNamespace',
      resource: 'namespace/ns-1',
      details: { i: 1 },
      outcome: 'success',
      requestId: 'req-1',
    });
  });

  it('rotates by size and keeps the newest entries, with ids that go on across restarts', async () => {
    let log = createAuditLog({ path, log: silentLogger(), maxBytes: 2000, files: 3 });
    for (let i = 1; i <= 60; i++) log.record(entry(i));
    log.close();
    log = createAuditLog({ path, log: silentLogger(), maxBytes: 2000, files: 3 });
    for (let i = 61; i <= 100; i++) log.record(entry(i));
    const items = await all(log);
    log.close();
    const ids = items.map((e) => e.id);
    // Newest first, consecutive, ending with the last one written; the oldest were dropped.
    expect(ids[0]).toBe(100);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => 100 - i));
    expect(ids.length).toBeGreaterThan(10);
    expect(ids.length).toBeLessThan(100);
    expect(items[0]?.resource).toBe('namespace/ns-100');
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const f of [path, `${path}.1`, `${path}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(2000);
  });

  it('filters by action, actor and time, pages, and counts the total', async () => {
    let t = Date.UTC(2026, 0, 1);
    const log = createAuditLog({ path, log: silentLogger(), now: () => (t += 1000) });
    for (let i = 1; i <= 30; i++) log.record(entry(i));
    const q = (f: object) => log.query({ limit: 1000, offset: 0, ...f });
    expect((await q({ user: 'ops' })).total).toBe(15);
    expect((await q({ action: 'removeService' })).items.every((e) => e.action === 'removeService')).toBe(
      true,
    );
    expect((await q({ action: 'removeService', user: 'ci' })).items.map((e) => e.id)).toEqual([
      27, 21, 15, 9, 3,
    ]);
    const window = await q({ from: Date.UTC(2026, 0, 1, 0, 0, 10), to: Date.UTC(2026, 0, 1, 0, 0, 12) });
    expect(window.items.map((e) => e.id)).toEqual([12, 11, 10]);
    const page = await log.query({ limit: 5, offset: 10 });
    expect(page.total).toBe(30);
    expect(page.items.map((e) => e.id)).toEqual([20, 19, 18, 17, 16]);
    log.close();
  });

  it('never writes a key or a token, wherever it appears', () => {
    const secret = 'the-admin-key-0123456789';
    const log = createAuditLog({ path, log: silentLogger(), secrets: () => [secret] });
    log.record(
      entry(1, {
        resource: `service/${secret}`,
        details: {
          body: { namespace: secret, token: 'tok-abcdef-123456', nested: { Authorization: 'Bearer x' } },
        },
      }),
    );
    log.close();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('tok-abcdef-123456');
    expect(text).not.toContain('Bearer x');
    expect(JSON.parse(text)).toMatchObject({
      resource: 'service/[redacted]',
      details: {
        body: { namespace: '[redacted]', token: '[redacted]', nested: { Authorization: '[redacted]' } },
      },
    });
  });
});
