import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KUBEFWD_BIN, runCliToEnd } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubefwd-cli-'));
const hostsPath = join(dir, 'hosts');
const original = '127.0.0.1 localhost\n::1 localhost\n';
writeFileSync(hostsPath, original);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const oneLine = (text: string): void => {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).toMatch(/^kubefwd: /);
};

describe('kubefwd CLI', () => {
  it('prints its version and help', async () => {
    const version = await runCliToEnd(['version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^kubefwd version: \d+\.\d+\.\d+/);
    const help = await runCliToEnd(['svc', '--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--kubeconfig',
      '--context',
      '--namespace',
      '--all-namespaces',
      '--fwd-conf',
      '--api-addr',
    ]) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('runs as an executable through its #! line, V8 flags included, whatever Node.js is on PATH', async () => {
    const first = readFileSync(KUBEFWD_BIN, 'utf8').split('\n')[0];
    expect(first).toBe(
      '#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=4 --initial-old-space-size=256',
    );
    const child = spawn(KUBEFWD_BIN, ['version', 'quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(out).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(code).toBe(0);
  });

  it.each([
    [['svc', '--bogus'], /unknown flag: --bogus/],
    [['-n'], /flag needs an argument/],
    [['svc', '-n', 'a', '-m', 'eighty:80'], /invalid --mapping/],
    [['svc', '-A', '-n', 'a'], /cannot be combined/],
    [['svc', '-n', 'a', '--api-rate-limit', 'lots'], /invalid --api-rate-limit "lots"/],
    [['svc', '-n', 'a', '--hosts-path', join(dir, 'missing')], /does not exist/],
  ])('refuses %j with one line and a non-zero exit', async (args, message) => {
    const result = await runCliToEnd(args);
    expect(result.code).not.toBe(0);
    oneLine(result.stderr);
    expect(result.stderr).toMatch(message);
    expect(readFileSync(hostsPath, 'utf8')).toBe(original);
  });

  // A kubeconfig whose only context points at a port nothing listens on.
  const kubeconfig = join(dir, 'kc.yaml');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\ncurrent-context: one\n',
  );
  const svc = (...extra: string[]): string[] => [
    'svc',
    '-n',
    'a',
    '--hosts-path',
    hostsPath,
    '--state-dir',
    dir,
    ...extra,
  ];

  it.each([
    ['a missing kubeconfig', svc('-c', join(dir, 'nope.yaml')), /kubeconfig not found/],
    ['an unknown context', svc('-c', kubeconfig, '-x', 'two'), /context "two" not found/],
    ['an unreachable API server', svc('-c', kubeconfig), /cannot reach the API server of context "one"/],
  ])('refuses %s with one line before touching the hosts file', async (_what, args, message) => {
    const result = await runCliToEnd(args);
    expect(result.code).not.toBe(0);
    oneLine(result.stderr);
    expect(result.stderr).toMatch(message);
    expect(readFileSync(hostsPath, 'utf8')).toBe(original);
  });
});
