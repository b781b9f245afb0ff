import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHostsFile } from '../../../src/hosts/hosts-file.ts';
import { BEGIN, appendBlock, parseHosts } from '../../../src/hosts/hosts-text.ts';

const START_ONLY = fileURLToPath(new URL('../../fixtures/hosts/start-only.ts', import.meta.url));
const ORIGINAL = '127.0.0.1\tlocalhost\r\n# comment kept   \r\n::1 localhost ip6-localhost # inline';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-hosts-'));
  path = join(dir, 'hosts');
  writeFileSync(path, ORIGINAL);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (for blocks and locks left by a dead run). */
const deadPid = (): number =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());

describe('hosts file manager: batching and restoring', () => {
  it('1,000 services are at most 10 writes, and close restores the exact bytes', async () => {
    const hosts = createHostsFile({ path, backupPath: join(dir, 'home', 'hosts.original') });
    await hosts.start();
    try {
      for (let i = 0; i < 1000; i++)
        hosts.set(`svc${i}.ns.ctx`, `127.1.${27 + Math.floor(i / 250)}.${(i % 250) + 1}`, [
          `svc${i}`,
          `svc${i}.ns`,
        ]);
      await hosts.flush();
      const text = readFileSync(path, 'utf8');
      expect(parseHosts(text).filter((l) => l.ip.startsWith('127.1.'))).toHaveLength(1000);
      expect(text.startsWith(`${ORIGINAL}\r\n${BEGIN}`)).toBe(true);
      // CRLF file: every line we wrote ends in CRLF too.
      expect(text.slice(ORIGINAL.length).match(/[^\r]\n/)).toBeNull();
      const writes = hosts.status().writes;
      expect(writes).toBeGreaterThanOrEqual(1);
      expect(writes).toBeLessThanOrEqual(10);
      expect(hosts.status()).toMatchObject({ entries: 1000, hostnames: 2000, lastError: undefined });
      expect(readFileSync(join(dir, 'home', 'hosts.original'), 'utf8')).toBe(ORIGINAL);
    } finally {
      await hosts.close();
    }
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
    await hosts.close();
    // No temp or lock files left beside the hosts file.
    expect(readdirSync(dir).sort()).toEqual(['home', 'hosts']);
  });

  it('keeps the mode of the file it replaces', async () => {
    chmodSync(path, 0o640);
    const hosts = createHostsFile({ path });
    await hosts.start();
    hosts.set('a', '127.1.27.1', ['a']);
    await hosts.flush();
    expect(statSync(path).mode & 0o777).toBe(0o640);
    await hosts.close();
  });

  it('backs up once; -b refreshes the backup', async () => {
    const backupPath = join(dir, 'hosts.original');
    writeFileSync(backupPath, 'older backup');
    const first = createHostsFile({ path, backupPath });
    await first.start();
    await first.close();
    expect(readFileSync(backupPath, 'utf8')).toBe('older backup');
    const refreshed = createHostsFile({ path, backupPath, refreshBackup: true });
    await refreshed.start();
    await refreshed.close();
    expect(readFileSync(backupPath, 'utf8')).toBe(ORIGINAL);
  });

  it('refuses names and addresses that could inject a line, and says so', async () => {
    const hosts = createHostsFile({ path });
    await hosts.start();
    const r = hosts.set('x', '127.1.27.9', ['x', 'bad name', 'evil\n10.0.0.1 bank', 'a#b', 'ü.de']);
    expect(r.hostnames).toEqual(['x']);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'invalid-character',
      'invalid-character',
      'invalid-character',
      'invalid-character',
    ]);
    expect(hosts.set('y', '127.1.27.9\n10.0.0.1', ['y']).hostnames).toEqual([]);
    await hosts.flush();
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('127.1.27.9 x\r\n');
    expect(text).not.toMatch(/bank|evil|a#b|\by\b/);
    await hosts.close();
  });
});

describe('hosts file manager: other runs and other writers', () => {
  it("removes a dead run's block at start and keeps a live one's", async () => {
    const dead = appendBlock(ORIGINAL, { pid: deadPid(), run: 'dead1' }, [
      { ip: '127.1.27.4', hostnames: ['gone'] },
    ]);
    const live = appendBlock(dead, { pid: process.ppid, run: 'live1' }, [
      { ip: '127.1.28.4', hostnames: ['kept'] },
    ]);
    writeFileSync(path, live);
    const hosts = createHostsFile({ path });
    await hosts.start();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('gone');
    expect(text).toContain('127.1.28.4 kept');
    await hosts.close();
    // As the only writer on the machine, every block found is a leftover.
    const sole = createHostsFile({ path, soleWriter: true });
    await sole.start();
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
    await sole.close();
  });

  it('-p purges foreign lines in the kubefwd range, and custom ranges', async () => {
    writeFileSync(path, `${ORIGINAL}\r\n127.1.27.5 old\r\n127.1.3.3 mine\r\n10.5.0.1 lan\r\n`);
    const hosts = createHostsFile({ path, purgeStale: true, purgeRanges: ['10.5.0.0/16'] });
    await hosts.start();
    expect(readFileSync(path, 'utf8')).toBe(`${ORIGINAL}\r\n127.1.3.3 mine\r\n`);
    await hosts.close();
    expect(() => createHostsFile({ path, purgeRanges: ['not-a-range'] })).toThrow(/purge range/);
  });

  it('keeps lines appended between our writes, and our block stays last', async () => {
    const hosts = createHostsFile({ path });
    await hosts.start();
    hosts.set('a', '127.1.27.1', ['a']);
    await hosts.flush();
    appendFileSync(path, '10.0.0.9 other-program\r\n');
    hosts.set('b', '127.1.27.2', ['b']);
    await hosts.flush();
    const text = readFileSync(path, 'utf8');
    expect(text.indexOf('10.0.0.9 other-program')).toBeLessThan(text.indexOf(BEGIN));
    await hosts.close();
    expect(readFileSync(path, 'utf8')).toBe(`${ORIGINAL}\r\n10.0.0.9 other-program\r\n`);
  });

  it('one name, one address: a name two entries carry is written on the lower IP only, and moves when it goes', async () => {
    const hosts = createHostsFile({ path });
    await hosts.start();
    const written = async (): Promise<string[]> => {
      await hosts.flush();
      return parseHosts(readFileSync(path, 'utf8'))
        .filter((l) => l.ip.startsWith('127.1.'))
        .map((l) => `${l.ip} ${l.names.join(' ')}`);
    };
    hosts.set('b', '127.1.27.10', ['shared', 'b']);
    hosts.set('a', '127.1.27.9', ['a', 'shared']);
    hosts.set('c', '127.1.27.2', ['c']);
    // Sorted by address as numbers (…2 before …9 before …10), the shared name on the lowest.
    expect(await written()).toEqual(['127.1.27.2 c', '127.1.27.9 a shared', '127.1.27.10 b']);
    hosts.remove('a');
    expect(await written()).toEqual(['127.1.27.2 c', '127.1.27.10 shared b']);
    hosts.set('a', '127.1.27.9', ['a', 'shared']);
    hosts.set('a', '127.1.27.9', ['a']);
    expect(await written()).toEqual(['127.1.27.2 c', '127.1.27.9 a', '127.1.27.10 shared b']);
    hosts.set('c', '127.1.27.2', ['c', 'b']);
    expect(await written()).toEqual(['127.1.27.2 c b', '127.1.27.9 a', '127.1.27.10 shared']);
    await hosts.close();
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });

  it('two writers on one file merge under the lock: both sets of entries land', async () => {
    const a = createHostsFile({ path, pid: 1_000_001, isAlive: () => true, debounceMs: 0 });
    const b = createHostsFile({ path, pid: 1_000_002, isAlive: () => true, debounceMs: 0 });
    await a.start();
    await b.start();
    for (let i = 0; i < 40; i++) {
      a.set(`a${i}`, `127.1.27.${i + 1}`, [`a${i}`]);
      b.set(`b${i}`, `127.1.28.${i + 1}`, [`b${i}`]);
    }
    await Promise.all([a.flush(), b.flush()]);
    const names = parseHosts(readFileSync(path, 'utf8')).flatMap((l) => l.names);
    for (let i = 0; i < 40; i++) expect(names).toEqual(expect.arrayContaining([`a${i}`, `b${i}`]));
    await Promise.all([a.close(), b.close()]);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });

  it('takes over a lock whose holder died instead of waiting', async () => {
    writeFileSync(`${path}.kubefwd.lock`, `pid=${deadPid()}\n`);
    const hosts = createHostsFile({ path, lockTimeoutMs: 1000 });
    await hosts.start();
    hosts.set('a', '127.1.27.1', ['a']);
    await hosts.flush();
    expect(hosts.status().lastError).toBeUndefined();
    expect(existsSync(`${path}.kubefwd.lock`)).toBe(false);
    await hosts.close();
  });

  it('reports a lock held by a live writer as a write error, then succeeds once it is gone', async () => {
    writeFileSync(`${path}.kubefwd.lock`, `pid=${process.ppid}\n`);
    const hosts = createHostsFile({ path, lockTimeoutMs: 50, retryMs: 10_000 });
    await expect(hosts.start()).rejects.toMatchObject({ code: 'HOSTS_FILE_ERROR' });
    rmSync(`${path}.kubefwd.lock`);
    await hosts.start();
    hosts.set('a', '127.1.27.1', ['a']);
    await hosts.flush();
    expect(readFileSync(path, 'utf8')).toContain('127.1.27.1 a');
    await hosts.close();
  });

  it('removeBlockSync takes our block out at once (second-signal path)', async () => {
    const hosts = createHostsFile({ path });
    await hosts.start();
    hosts.set('a', '127.1.27.1', ['a']);
    await hosts.flush();
    hosts.removeBlockSync();
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
    await hosts.close();
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });
});

describe('hosts file manager: platforms', () => {
  it('Windows: CRLF in a new file, 9 names per line, ipconfig /flushdns after a write', async () => {
    writeFileSync(path, '');
    const calls: string[] = [];
    const hosts = createHostsFile({
      path,
      platform: 'win32',
      run: (cmd, args) => void calls.push(`${cmd} ${args.join(' ')}`),
    });
    await hosts.start();
    hosts.set(
      'api',
      '127.1.27.1',
      Array.from({ length: 13 }, (_, i) => `name${i}`),
    );
    await hosts.flush();
    const text = readFileSync(path, 'utf8');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(parseHosts(text).map((l) => l.names.length)).toEqual([9, 4]);
    expect(calls).toEqual(['ipconfig /flushdns']);
    await hosts.close();
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('macOS: flushes the resolver cache; Linux: runs nothing; a failing flush is not fatal', async () => {
    const calls: string[] = [];
    const mac = createHostsFile({
      path,
      platform: 'darwin',
      run: (cmd) => {
        calls.push(cmd);
        throw new Error('not permitted');
      },
    });
    await mac.start();
    mac.set('a', '127.1.27.1', ['a']);
    await mac.flush();
    expect(calls).toEqual(['dscacheutil', 'killall']);
    expect(mac.status().lastError).toBeUndefined();
    await mac.close();
    const linuxCalls: string[] = [];
    const linux = createHostsFile({ path, platform: 'linux', run: (cmd) => void linuxCalls.push(cmd) });
    await linux.start();
    linux.set('a', '127.1.27.1', ['a']);
    await linux.close();
    expect(linuxCalls).toEqual([]);
  });
});

describe('hosts file manager: refusing to start', () => {
  it('fails clearly on a missing file or a directory, touching nothing', async () => {
    const missing = createHostsFile({ path: join(dir, 'missing') }).start();
    await expect(missing).rejects.toMatchObject({ code: 'HOSTS_FILE_ERROR' });
    await expect(missing).rejects.toThrow(/does not exist/);
    mkdirSync(join(dir, 'adir'));
    await expect(createHostsFile({ path: join(dir, 'adir') }).start()).rejects.toThrow(/not a regular file/);
    expect(readdirSync(dir).sort()).toEqual(['adir', 'hosts']);
  });

  it('fails clearly on a file it may not write, before anything is touched', () => {
    chmodSync(dir, 0o755);
    chmodSync(path, 0o444);
    const asRoot = process.getuid?.() === 0;
    // Root may write any file: the check then runs as the unprivileged user "nobody" (the child drops to it once its
    // modules are loaded, so this passes wherever the checkout lives).
    const result = spawnSync(process.execPath, [START_ONLY, path, ...(asRoot ? ['65534'] : [])], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.stderr).toBe('');
    const outcome = JSON.parse(result.stdout) as { ok: boolean; code?: string; message?: string };
    expect(outcome).toMatchObject({ ok: false, code: 'HOSTS_FILE_ERROR' });
    expect(outcome.message).toMatch(/cannot write/);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dir)).toEqual(['hosts']);
  });
});
