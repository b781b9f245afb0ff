import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHostsFile } from '../../../src/hosts/hosts-file.ts';
import { BEGIN, END, parseHostsText, stripBlocks } from '../../../src/hosts/hosts-text.ts';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/hosts/${name}`, import.meta.url));
const FOREIGN = '127.0.0.1 localhost\r\n# keep me\r\n10.0.0.1 db.corp   # trailing comment\r\n::1 localhost';

let dir: string;
let path: string;
const children: ChildProcessWithoutNullStreams[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubefwd-hosts-conc-'));
  path = join(dir, 'hosts');
  writeFileSync(path, FOREIGN);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(name: string, args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [fixture(name), ...args], { stdio: 'pipe' });
  children.push(child);
  return child;
}

/** Resolves when the child prints `word` on a line of its own. */
function said(child: ChildProcessWithoutNullStreams, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      if (buf.split('\n').includes(word)) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before "${word}"`)));
  });
}

/** Every byte outside our blocks is the foreign text, markers are balanced, each block line is well formed. */
function assertParses(text: string): void {
  expect(stripBlocks(text, () => true).text).toBe(FOREIGN);
  for (const s of parseHostsText(text)) {
    if (s.kind !== 'block') continue;
    expect(s.text.startsWith(BEGIN)).toBe(true);
    expect(s.text.split(/\r?\n/).filter(Boolean).at(-1)?.startsWith(END)).toBe(true);
  }
}

describe('hosts file under concurrent writers and crashes', () => {
  it('another process appending under the lock while we write: all its lines survive', async () => {
    const hosts = createHostsFile({ path, debounceMs: 10 });
    await hosts.start();
    hosts.set('first', '127.1.27.99', ['first']);
    await hosts.flush();
    const appender = start('locked-appender.ts', [path, '500']);
    await said(appender, 'ready');
    let running = true;
    const exited = once(appender, 'exit').then(([code]) => {
      running = false;
      return code as number | null;
    });
    let rounds = 0;
    while (running) {
      hosts.set(`s${rounds % 20}`, `127.1.27.${(rounds % 20) + 1}`, [`s${rounds % 20}`, `v${rounds}`]);
      // Workload pacing (the daemon's own debounce batches these), not synchronisation: the loop ends on exit.
      await new Promise((r) => setTimeout(r, 2));
      rounds++;
    }
    await hosts.flush();
    expect(await exited).toBe(0);
    await hosts.close();
    expect(rounds).toBeGreaterThan(5);
    expect(hosts.status().writes).toBeGreaterThan(5);
    const appended = Array.from(
      { length: 500 },
      (_, i) => `10.77.${Math.floor(i / 250)}.${(i % 250) + 1} appended-${i}\n`,
    );
    // The file is exactly what it was plus the other process's lines, in its order; nothing of ours is left.
    // (The line break after FOREIGN was ours, but a foreign line now follows it, so it stays.)
    expect(readFileSync(path, 'utf8')).toBe(`${FOREIGN}\r\n${appended.join('')}`);
  });

  it('a writer killed with SIGKILL at any moment never leaves a file that does not parse', async () => {
    let withBlock = 0;
    const runs = 40;
    for (let run = 0; run < runs; run++) {
      const child = start('writer.ts', [path]);
      await said(child, 'ready');
      // Fault injection, not synchronisation: kill somewhere within the next few dozen writes.
      await new Promise((r) => setTimeout(r, Math.random() * 30));
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      const after = readFileSync(path, 'utf8');
      assertParses(after);
      if (after.includes(BEGIN)) withBlock++;
      const next = createHostsFile({ path });
      await next.start();
      expect(readFileSync(path, 'utf8')).toBe(FOREIGN);
      await next.close();
      // Temp files of the killed writer are cleaned at the next start as well.
      expect(readdirSync(dir)).toEqual(['hosts']);
    }
    expect(withBlock).toBeGreaterThan(runs / 4);
  }, 120_000);
});
