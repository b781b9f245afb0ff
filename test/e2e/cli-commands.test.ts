import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KUBEFWD_BIN, runCliToEnd } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubefwd-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hostsPath = join(dir, 'hosts');
const original = '127.0.0.1 localhost\n';
writeFileSync(hostsPath, original);
const home = join(dir, 'home');
mkdirSync(home);
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts:\n- {name: staging, context: {cluster: c, user: u, namespace: shop}}\n- {name: prod, context: {cluster: c, user: u}}\ncurrent-context: prod\n',
);
// `kubefwd` on PATH for the completion scripts, which call themselves for contexts and namespaces.
const binDir = join(dir, 'bin');
mkdirSync(binDir);
symlinkSync(KUBEFWD_BIN, join(binDir, 'kubefwd'));
const shellEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, HOME: home };
const has = (shell: string): boolean => spawnSync(shell, ['-c', 'true']).status === 0;
for (const shell of ['zsh', 'fish'])
  if (!has(shell)) console.warn(`no ${shell}: its completion test is skipped (.ci/run installs it)`);

describe('kubefwd subcommands', () => {
  it('refuses a word that is no command with exit 2 and a hint, touching nothing', async () => {
    const typo = await runCliToEnd(['sevc', '--hosts-path', hostsPath, '-n', 'a'], { env: { HOME: home } });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      `kubefwd: unknown command "sevc": did you mean "svc"? run 'kubefwd help' for the commands (flags alone mean svc)\n`,
    );
    const other = await runCliToEnd(['frobnicate', '--hosts-path', hostsPath], { env: { HOME: home } });
    expect(other.code).toBe(2);
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
    expect(other.stderr).toMatch(/^kubefwd: unknown command "frobnicate": run 'kubefwd help'/);
    expect(other.stdout).toBe('');
    expect(readFileSync(hostsPath, 'utf8')).toBe(original);
    expect(existsSync(join(home, '.kubefwd'))).toBe(false);
  });

  it('runs mcp as the MCP server, not the daemon: it explains the missing daemon and ends with its input', async () => {
    const mcp = await runCliToEnd(['mcp', '--api-url', 'http://127.0.0.1:9'], {
      env: { HOME: home },
      timeoutMs: 10_000,
    });
    expect(mcp.code).toBe(0);
    expect(mcp.stderr).toContain('no kubefwd daemon answers at http://127.0.0.1:9');
    expect(mcp.stdout).toBe('');
    expect(existsSync(join(home, '.kubefwd'))).toBe(false);
  });

  it('answers --version, help and help COMMAND', async () => {
    expect((await runCliToEnd(['--version'])).stdout).toMatch(/^kubefwd version: \d+\.\d+\.\d+\n$/);
    const help = await runCliToEnd(['help']);
    expect(help.code).toBe(0);
    for (const command of ['svc', 'version', 'sim', 'demo', 'completion', 'mcp', 'help'])
      expect(help.stdout).toMatch(new RegExp(`^  kubefwd ${command}\\b`, 'm'));
    expect(help.stdout).not.toContain('__complete');
    const svc = await runCliToEnd(['help', 'svc']);
    expect(svc.stdout).toContain('--namespace');
    expect((await runCliToEnd(['help', 'sim'])).stdout).toMatch(/--kubeconfig/);
    const unknown = await runCliToEnd(['help', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('prints a bash completion that completes commands, flags, and contexts and namespaces of the kubeconfig', () => {
    const complete = (...words: string[]): string[] => {
      const script = `source <(kubefwd completion bash) && complete -p kubefwd >/dev/null
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kubefwd
printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', script], { env: shellEnv, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
    };
    expect(complete('kubefwd', '')).toEqual(
      expect.arrayContaining(['svc', 'completion', 'mcp', '--namespace']),
    );
    expect(complete('kubefwd', 'svc', '--all-n')).toEqual(['--all-namespaces']);
    expect(complete('kubefwd', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('kubefwd', '-c', kubeconfig, '-x', '')).toEqual(['staging', 'prod']);
    expect(complete('kubefwd', 'svc', '--kubeconfig', kubeconfig, '-n', '')).toEqual(['default', 'shop']);
  });

  it.skipIf(!has('fish'))('prints a fish completion that fish loads and completes from', () => {
    const out = execFileSync(
      'fish',
      ['-c', `kubefwd completion fish | source; complete -C 'kubefwd -c ${kubeconfig} --context '`],
      { env: shellEnv, encoding: 'utf8' },
    );
    const names = out.split('\n').filter(Boolean);
    expect(names.map((l) => l.split('\t')[0]).sort()).toEqual(['prod', 'staging']);
  });

  it.skipIf(!has('zsh'))('prints a zsh completion that zsh parses and registers', () => {
    const out = execFileSync(
      'zsh',
      [
        '-c',
        'autoload -U compinit && compinit -u && source <(kubefwd completion zsh) && print $_comps[kubefwd]',
      ],
      { env: shellEnv, encoding: 'utf8' },
    );
    expect(out).toBe('_kubefwd\n');
  });

  it('refuses a completion for an unknown shell', async () => {
    const r = await runCliToEnd(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kubefwd: completion needs one shell: bash, zsh, fish\n');
  });
});
