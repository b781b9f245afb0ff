import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const slim = fileURLToPath(new URL('../../../src/cluster/client-node-slim.ts', import.meta.url));
const daemonModules = ['../../../src/cli/svc-command.ts', '../../../src/daemon/daemon.ts'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

/** Runs `code` in a fresh Node.js (the modules under test load once per process) and returns what it printed. */
function inFreshNode(code: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('client-node without its generated code', () => {
  it("loads every module of the daemon with none of client-node's generated models or API classes", () => {
    const out = inFreshNode(`
      import { registerHooks } from 'node:module';
      const { slimClientNode } = await import(${JSON.stringify(slim)});
      console.log('hooked', slimClientNode());
      const seen = [];
      registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
      for (const m of ${JSON.stringify(daemonModules)}) await import(m);
      const { KubeConfig } = await import('@kubernetes/client-node/dist/config.js');
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u', token: 't' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
      console.log('server', kc.getCurrentCluster().server);
      const generated = seen.filter((u) => /client-node\\/dist\\/gen\\/(models|apis|types)\\//.test(u) && !/apis\\/(exception|baseapi)\\.js$/.test(u));
      console.log('client-node modules', seen.filter((u) => u.includes('@kubernetes/client-node/')).length > 0);
      console.log('generated', JSON.stringify(generated.slice(0, 5)));
    `);
    expect(out).toBe('hooked true\nserver https://127.0.0.1:1\nclient-node modules true\ngenerated []\n');
  });

  it('leaves the whole of client-node to a process that does not ask for less', () => {
    const out = inFreshNode(`
      const seen = [];
      const { registerHooks } = await import('node:module');
      registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
      const { CoreV1Api } = await import('@kubernetes/client-node');
      console.log(typeof CoreV1Api, seen.some((u) => u.includes('/dist/gen/models/')));
    `);
    expect(out).toBe('function true\n');
  });
});
