import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHostsFile } from '../../../src/hosts/hosts-file.ts';
import { parseHosts } from '../../../src/hosts/hosts-text.ts';

let dir: string;
let path: string;
const ORIGINAL = '127.0.0.1\tlocalhost\r\n# comment kept\r\n::1 localhost ip6-localhost';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-hosts-'));
  path = join(dir, 'hosts');
  writeFileSync(path, ORIGINAL);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('hosts file manager', () => {
  it('batches 1,000 services into a handful of writes and restores the exact bytes on close', async () => {
    const hosts = createHostsFile({ path, backupPath: join(dir, 'hosts.original') });
    await hosts.start();
    for (let i = 0; i < 1000; i++)
      hosts.set(`svc${i}.ns.ctx`, `127.1.${27 + Math.floor(i / 250)}.${(i % 250) + 1}`, [
        `svc${i}`,
        `svc${i}.ns`,
      ]);
    await hosts.flush();
    const text = readFileSync(path, 'utf8');
    expect(parseHosts(text).filter((l) => l.ip.startsWith('127.1.'))).toHaveLength(1000);
    expect(text.startsWith(ORIGINAL)).toBe(true);
    expect(hosts.status().writes).toBeLessThanOrEqual(10);
    expect(readFileSync(join(dir, 'hosts.original'), 'utf8')).toBe(ORIGINAL);
    await hosts.close();
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });

  it('keeps lines another program appends while we run', async () => {
    const hosts = createHostsFile({ path });
    await hosts.start();
    hosts.set('a', '127.1.27.1', ['a']);
    await hosts.flush();
    appendFileSync(path, '10.0.0.9 other-program\r\n');
    hosts.set('b', '127.1.27.2', ['b']);
    await hosts.flush();
    expect(readFileSync(path, 'utf8')).toContain('10.0.0.9 other-program');
    await hosts.close();
    const after = readFileSync(path, 'utf8');
    expect(after).toContain('10.0.0.9 other-program');
    expect(parseHosts(after).some((l) => l.ip.startsWith('127.1.27.'))).toBe(false);
  });

  it("removes a dead run's block at start and refuses invalid names", async () => {
    const crashed = createHostsFile({ path, pid: 999_999, isAlive: () => true });
    await crashed.start();
    crashed.set('x', '127.1.27.9', ['x', 'bad name', 'evil\n10.0.0.1 bank']);
    await crashed.flush();
    const dirty = readFileSync(path, 'utf8');
    expect(dirty).toContain('127.1.27.9 x\r\n');
    expect(dirty).not.toContain('bank');
    const next = createHostsFile({ path, isAlive: (pid) => pid !== 999_999 });
    await next.start();
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });

  it('fails clearly on a missing or read-only file', async () => {
    await expect(createHostsFile({ path: join(dir, 'missing') }).start()).rejects.toThrow(/does not exist/);
    if (process.getuid?.() !== 0) {
      chmodSync(path, 0o444);
      await expect(createHostsFile({ path }).start()).rejects.toThrow(/cannot write/);
    }
  });
});
