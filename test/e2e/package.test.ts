// The package as users get it: `npm pack`, installed from the tarball into a temporary prefix and run from there on
// the lowest Node.js that `engines` names (installed from the registry for the test) and on the pinned one, and the
// standalone executable (`npm run build:binary`) run with an empty PATH. Each runs `version`, `sim`, and `svc` against
// that simulator with a request answered through a forward and /docs served from the packed swagger-ui files. The
// machine's own older Node.js, where there is one, gets a one-line refusal.
import { execFile, execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram, type CliProcess } from '../helpers/cli.ts';
import { httpGet } from '../helpers/e2e-env.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const pinnedNode = join(root, 'node_modules', 'node', 'bin', 'node');
const binary = join(root, 'dist', `kubefwd-${process.platform}-${process.arch}`);
const HOSTS = '127.0.0.1 localhost\n# kept byte for byte\n';
const V8_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=4', '--initial-old-space-size=256'];

const versionOf = (node: string): string => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
const major = (version: string): number => Number(/^v(\d+)/.exec(version)?.[1]);

/** The first `node` on PATH outside node_modules: the machine's own. */
function machineNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    try {
      accessSync(join(dir, 'node'), constants.X_OK);
      return join(dir, 'node');
    } catch {
      continue;
    }
  }
  return undefined;
}

/** npm's own variables from the `npm test` that runs us would leak into the installs below. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^npm_/i.test(k) || k === 'npm_config_cache') env[k] = v;
  return env;
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
/** The lowest Node.js that package.json's engines names: the one the package must run on. */
const LOWEST = /^>=(\d+\.\d+)$/.exec(pkg.engines.node)?.[1] as string;
const work = mkdtempSync(join(tmpdir(), 'kubefwd-package-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'bin', 'kubefwd');
const lowestNode = join(
  work,
  'lowest',
  'node_modules',
  `node-${process.platform}-${process.arch}`,
  'bin',
  'node',
);
let tarball = { filename: '', size: 0, unpackedSize: 0 };

/** A folder holding only `node`, for a PATH on which the #! line's `env node` can find no other. */
function pathWith(node: string): string {
  const dir = join(work, `node-${versionOf(node)}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'node'))) symlinkSync(node, join(dir, 'node'));
  return dir;
}

interface Variant {
  name: string;
  file: string;
  /** PATH for the program: the folder of the `node` its #! line finds, or nothing at all. */
  path: () => string;
  cmdline: boolean;
}
const variants: Variant[] = [
  {
    name: `installed package, Node.js ${LOWEST}.0`,
    file: installed,
    path: () => pathWith(lowestNode),
    cmdline: true,
  },
  {
    name: `installed package, Node.js ${versionOf(pinnedNode)}`,
    file: installed,
    path: () => pathWith(pinnedNode),
    cmdline: true,
  },
  { name: 'standalone executable, empty PATH', file: binary, path: () => '', cmdline: false },
];
const bash = ['/bin/bash', '/usr/bin/bash'].find((b) => existsSync(b)) as string;

beforeAll(async () => {
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: root,
    env: npmEnv(),
    maxBuffer: 16 << 20,
  });
  tarball = (JSON.parse(packed.stdout) as (typeof tarball)[])[0] as typeof tarball;
  const npmInstall = (...args: string[]) =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...args], {
      cwd: work,
      env: npmEnv(),
    });
  await Promise.all([
    npmInstall('-g', '--prefix', prefix, join(work, tarball.filename)),
    // The lowest Node.js we claim, as the registry ships it for this platform.
    npmInstall('--prefix', join(work, 'lowest'), `node-${process.platform}-${process.arch}@${LOWEST}.0`),
    run(pinnedNode, [join(root, 'scripts', 'build-binary.ts')], { cwd: root }),
  ]);
  console.info(
    `package ${tarball.filename}: ${(tarball.size / 1e3).toFixed(0)} kB packed, ${(tarball.unpackedSize / 1e6).toFixed(1)} MB unpacked; executable ${(statSync(binary).size / 1e6).toFixed(1)} MB`,
  );
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the package and the standalone executable', () => {
  it('packs compiled JavaScript and its assets, no TypeScript sources', async () => {
    const list = (await run('tar', ['tzf', join(work, tarball.filename)])).stdout.split('\n');
    expect(list).toEqual(
      expect.arrayContaining([
        'package/bin/kubefwd.js',
        'package/dist/cli/main.js',
        'package/dist/sim/fixtures/demo.yaml',
        'package/openapi.yaml',
      ]),
    );
    expect(
      list.filter((f) => f.endsWith('.ts') || f.startsWith('package/src/') || f.includes('kubefwd-')),
    ).toEqual([]);
  });

  it("gives the executable the V8 flags of the launcher's #! line, and no NODE_OPTIONS", () => {
    const shebang = readFileSync(join(root, 'bin', 'kubefwd.js'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${V8_FLAGS.join(' ')}`);
    const config = JSON.parse(readFileSync(join(root, '.tmp', 'sea', 'sea-config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({ execArgv: V8_FLAGS, execArgvExtension: 'none' });
  });

  it.each(variants)('$name: version, sim, svc forwarding a request, completion, a typo', async (v) => {
    const dir = mkdtempSync(join(work, 'run-'));
    const env = {
      PATH: v.path(),
      HOME: dir,
      KUBEFWD_API_KEY: 'k',
      NO_COLOR: '1',
      // The run's compile cache (test/compile-cache-setup.ts): as root it would be the machine's /var/cache/kubefwd.
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE,
    };
    const exec = (args: string[]) => run(v.file, args, { env, cwd: dir });
    expect((await exec(['version'])).stdout).toMatch(/^kubefwd version: \d+\.\d+\.\d+\n$/);

    const kubeconfig = join(dir, 'kubeconfig');
    const hostsPath = join(dir, 'hosts');
    writeFileSync(hostsPath, HOSTS);
    const started: CliProcess[] = [];
    try {
      const sim = runProgram(v.file, ['sim', '--kubeconfig', kubeconfig], { env, cwd: dir });
      started.push(sim);
      await sim.waitForOutput(/kubeconfig written/, 30_000);
      // Unprivileged: a port above 1024 and a reserved 127.x address of its own (Linux answers on all of 127/8).
      const ip = `127.1.99.${variants.indexOf(v) + 1}`;
      const svc = runProgram(
        v.file,
        `svc -n default -c ${kubeconfig} -m 80:18080 -r api:${ip} --hosts-path ${hostsPath} --state-dir ${dir}/state --api --api-addr 127.2.27.1:0 --log-format json`.split(
          ' ',
        ),
        { env, cwd: dir },
      );
      started.push(svc);
      const api = (await svc.waitForOutput(/API: (http:\/\/127\.2\.27\.1:\d+)\//, 30_000))[1] as string;
      await svc.waitForOutput(/Forwarding 1 service/, 30_000);
      const answer = JSON.parse((await httpGet(`http://${ip}:18080/through`)).body) as {
        pod: string;
        path: string;
      };
      expect(answer.pod).toMatch(/^api-/);
      expect(answer.path).toBe('/through');
      expect(readFileSync(hostsPath, 'utf8')).toMatch(
        new RegExp(`^${ip.replaceAll('.', '\\.')} api api\\.default `, 'm'),
      );
      expect((await httpGet(`${api}/docs/swagger-ui.css`)).status).toBe(200);
      expect((await httpGet(`${api}/openapi.yaml`)).body).toMatch(/^openapi: 3/);
      if (v.cmdline) {
        // The #! line's V8 flags reach the process that runs the daemon.
        const argv = readFileSync(`/proc/${svc.child.pid}/cmdline`, 'utf8').split('\0');
        expect(argv.slice(1, 1 + V8_FLAGS.length)).toEqual(V8_FLAGS);
      }
      expect(await svc.stop('SIGTERM')).toBe(0);
      expect(readFileSync(hostsPath, 'utf8')).toBe(HOSTS);
      expect(await sim.stop('SIGTERM')).toBe(0);
    } finally {
      for (const p of started) await p.stop('SIGKILL', 1000);
    }

    const completion = await run(
      bash,
      ['-c', `source <("${v.file}" completion bash) && complete -p kubefwd`],
      { env },
    );
    expect(completion.stdout).toBe('complete -o default -F _kubefwd kubefwd\n');
    const typo = await exec(['frobnicate', '--hosts-path', hostsPath]).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect(typo).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^kubefwd: unknown command "frobnicate"/) as unknown,
    });
    expect(readFileSync(hostsPath, 'utf8')).toBe(HOSTS);
  });

  const older = machineNode();
  const olderVersion = older ? versionOf(older) : '';
  const tooOld = older !== undefined && major(olderVersion) < Number(LOWEST.split('.')[0]);
  if (!tooOld)
    console.warn(
      `the machine's Node.js (${olderVersion || 'none'}) is not older than ${LOWEST}: its refusal is not tested`,
    );
  it.skipIf(!tooOld)(
    `refuses to start on the machine's older Node.js (${olderVersion}) with one line`,
    async () => {
      const dir = mkdtempSync(join(work, 'old-'));
      const hostsPath = join(dir, 'hosts');
      writeFileSync(hostsPath, HOSTS);
      const result = await run(installed, ['-n', 'default', '--hosts-path', hostsPath], {
        env: { PATH: pathWith(older as string), HOME: dir },
      }).catch((err: { code: number; stderr: string }) => err);
      expect(result).toMatchObject({ code: 1 });
      expect((result as { stderr: string }).stderr).toBe(
        `kubefwd: Node.js ${olderVersion} is too old: kubefwd needs Node.js >= ${LOWEST} (its Kubernetes client does), or use the standalone executable\n`,
      );
      expect(readFileSync(hostsPath, 'utf8')).toBe(HOSTS);
    },
  );
});
