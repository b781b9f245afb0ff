import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIpAllocator } from '../../../src/hosts/ip-allocator.ts';
import { createLogger } from '../../../src/log/logger.ts';

let dir: string;
let statePath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-ipstate-'));
  statePath = join(dir, 'state', 'ips.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const key = (service: string, pod?: string) => ({ context: 'c', namespace: 'ns', service, pod });
const slot = { contextIndex: 0, namespaceIndex: 0 };

describe('IP allocator state file', () => {
  it('gives every service its IP back after a restart, whatever order services come in', async () => {
    const first = createIpAllocator({ statePath });
    await first.start();
    const before = new Map<string, string>();
    for (const s of ['a', 'b', 'c', 'd']) before.set(s, first.allocate(key(s), slot));
    before.set('db-0', first.allocate(key('db', 'db-0'), slot));
    first.release(key('b'));
    await first.close();
    await first.close();
    expect(readdirSync(join(dir, 'state'))).toEqual(['ips.json']);

    const second = createIpAllocator({ statePath });
    await second.start();
    // A new service first: it must not take an address remembered for one that has not come back yet.
    const fresh = second.allocate(key('new'), slot);
    expect([...before.values()]).not.toContain(fresh);
    for (const s of ['d', 'c', 'b', 'a']) expect(second.allocate(key(s), slot)).toBe(before.get(s));
    expect(second.allocate(key('db', 'db-0'), slot)).toBe(before.get('db-0'));
    await second.close();
  });

  it('tolerates a missing or corrupt file (with a warning) and replaces it atomically', async () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'warn',
      format: 'json',
      destination: { write: (l: string) => void lines.push(l) },
    });
    const missing = createIpAllocator({ statePath, log });
    await missing.start();
    expect(missing.allocate(key('a'), slot)).toBe('127.1.27.1');
    expect(lines).toEqual([]);

    writeFileSync(join(dir, 'bad.json'), '{"version":1,"ips":{"x.ns.c":"127.1.27.');
    const corrupt = createIpAllocator({ statePath: join(dir, 'bad.json'), log });
    await corrupt.start();
    expect(corrupt.allocate(key('a'), slot)).toBe('127.1.27.1');
    expect(lines.join('')).toMatch(/corrupt/);
    await corrupt.close();
    const saved = JSON.parse(readFileSync(join(dir, 'bad.json'), 'utf8')) as { ips: Record<string, string> };
    expect(saved.ips).toEqual({ 'a.ns.c': '127.1.27.1' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ignores entries that are not loopback addresses or claim an IP twice', async () => {
    writeFileSync(
      join(dir, 'edited.json'),
      JSON.stringify({
        version: 1,
        ips: { 'a.ns.c': '127.1.27.9', 'b.ns.c': '127.1.27.9', 'c.ns.c': '8.8.8.8' },
      }),
    );
    const a = createIpAllocator({ statePath: join(dir, 'edited.json') });
    await a.start();
    expect(a.allocate(key('b'), slot)).toBe('127.1.27.1');
    expect(a.allocate(key('a'), slot)).toBe('127.1.27.9');
    expect(a.allocate(key('c'), slot)).toBe('127.1.27.2');
    await a.close();
  });
});
