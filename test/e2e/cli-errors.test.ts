import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliToEnd } from '../helpers/cli.ts';

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

  it.each([
    [['svc', '--bogus'], /unknown flag: --bogus/],
    [['-n'], /flag needs an argument/],
    [['svc', '-n', 'a', '-m', 'eighty:80'], /invalid --mapping/],
    [['svc', '-A', '-n', 'a'], /cannot be combined/],
    [['svc', '-n', 'a', '--hosts-path', join(dir, 'missing')], /does not exist/],
  ])('refuses %j with one line and a non-zero exit', async (args, message) => {
    const result = await runCliToEnd(args);
    expect(result.code).not.toBe(0);
    oneLine(result.stderr);
    expect(result.stderr).toMatch(message);
    expect(readFileSync(hostsPath, 'utf8')).toBe(original);
  });

  it('refuses a missing kubeconfig and an unknown context before touching the hosts file', async () => {
    const missing = await runCliToEnd([
      'svc',
      '-n',
      'a',
      '--hosts-path',
      hostsPath,
      '-c',
      join(dir, 'nope.yaml'),
      '--state-dir',
      dir,
    ]);
    expect(missing.code).not.toBe(0);
    oneLine(missing.stderr);
    expect(missing.stderr).toMatch(/kubeconfig not found/);

    const kubeconfig = join(dir, 'kc.yaml');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: one\n  context: {cluster: c, user: u}\ncurrent-context: one\n',
    );
    const unknown = await runCliToEnd([
      'svc',
      '-n',
      'a',
      '--hosts-path',
      hostsPath,
      '-c',
      kubeconfig,
      '-x',
      'two',
      '--state-dir',
      dir,
    ]);
    expect(unknown.code).not.toBe(0);
    oneLine(unknown.stderr);
    expect(unknown.stderr).toMatch(/context "two" not found/);

    const unreachable = await runCliToEnd([
      'svc',
      '-n',
      'a',
      '--hosts-path',
      hostsPath,
      '-c',
      kubeconfig,
      '--state-dir',
      dir,
    ]);
    expect(unreachable.code).not.toBe(0);
    oneLine(unreachable.stderr);
    expect(unreachable.stderr).toMatch(/cannot reach the API server of context "one"/);
    expect(readFileSync(hostsPath, 'utf8')).toBe(original);
  });
});
