import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createHostsFile } from '../../../src/hosts/hosts-file.ts';
import { BEGIN, END, stripBlocks } from '../../../src/hosts/hosts-text.ts';

const WRITER = fileURLToPath(new URL('../../fixtures/hosts/writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FOREIGN = '127.0.0.1 localhost\r\n# keep me\r\n10.0.0.1 db.corp   # trailing comment\r\n::1 localhost';

/** Every line is either one of the foreign lines, verbatim, or part of a well-formed block of ours. */
function assertParses(text: string): void {
  const { text: rest } = stripBlocks(text, () => true);
  expect(rest).toBe(FOREIGN);
  const begins = text.split(BEGIN).length - 1;
  const ends = text.split(END).length - 1;
  expect(begins).toBe(ends);
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('127.1.27.')) expect(line).toMatch(/^127\.1\.27\.\d+( [a-z0-9.]+)+$/);
  }
}

describe('the hosts file under SIGKILL', () => {
  it('200 runs killed at random moments: the file always parses, foreign lines are byte-identical, the next start cleans up', async () => {
    const path = join(dir, 'hosts');
    writeFileSync(path, FOREIGN);
    let killedWithBlock = 0;
    for (let run = 0; run < 200; run++) {
      const child = spawn(process.execPath, [WRITER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      // Kill somewhere between the first write and many writes later.
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const after = readFileSync(path, 'utf8');
      assertParses(after);
      if (after.includes(BEGIN)) killedWithBlock++;
      const next = createHostsFile({ path });
      await next.start();
      expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
    }
    // The kills did land while blocks were in the file (the test exercised the crash path).
    expect(killedWithBlock).toBeGreaterThan(50);
  }, 240_000);

  it('another process appending while we write keeps its lines', async () => {
    const path = join(dir, 'hosts-append');
    writeFileSync(path, FOREIGN);
    const hosts = createHostsFile({ path, debounceMs: 0 });
    await hosts.start();
    const appended: string[] = [];
    for (let i = 0; i < 200; i++) {
      hosts.set(`s${i % 20}`, `127.1.27.${(i % 20) + 1}`, [`s${i % 20}`, `v${i}`]);
      const flushing = hosts.flush();
      if (i % 10 === 0) {
        const line = `\n10.9.${i}.1 other-${i}`;
        appendFileSync(path, line);
        appended.push(line.trim());
      }
      await flushing;
    }
    await hosts.close();
    const text = readFileSync(path, 'utf8');
    for (const line of appended) expect(text).toContain(line);
    expect(text).not.toContain('127.1.27.');
  });

  it('names with CR, LF, spaces, #, tabs, unicode or over-long labels never reach the file', async () => {
    const path = join(dir, 'hosts-inject');
    writeFileSync(path, FOREIGN);
    const hosts = createHostsFile({ path });
    await hosts.start();
    const evil = [
      'a\nb',
      'a\rb',
      'a b',
      'a#b',
      'a\tb',
      'ünïcode',
      'x'.repeat(64),
      `${'a.'.repeat(127)}a`,
      '',
      '-lead',
      'trail-',
      'ok-name',
    ];
    hosts.set('evil', '127.1.27.9', evil);
    await hosts.flush();
    const block = readFileSync(path, 'utf8').split(BEGIN)[1] ?? '';
    expect(block).toContain('127.1.27.9 ok-name\r\n');
    expect(block.split('\r\n').filter((l) => l.startsWith('127.'))).toEqual(['127.1.27.9 ok-name']);
    await hosts.close();
    expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
  });
});
