// The service definitions in docs/service: systemd's own verifier accepts the unit, launchd's plist parses, and both
// run the same command line, which the CLI takes as idle mode with the REST API.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../../src/cli/flags.ts';
import { SVC_FLAGS, configFromFlags } from '../../src/cli/svc-flags.ts';
import { KUBEFWD_BIN } from '../helpers/cli.ts';

const docs = fileURLToPath(new URL('../../docs/service/', import.meta.url));
const unit = readFileSync(join(docs, 'kubefwd.service'), 'utf8');
const INSTALLED = '/usr/local/bin/kubefwd';
const dir = mkdtempSync(join(tmpdir(), 'kubefwd-service-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const python = spawnSync('python3', ['-c', 'import plistlib']).status === 0;
if (!systemdAnalyze) console.warn('no systemd-analyze: the systemd unit is not verified');
if (!python) console.warn('no python3 with plistlib: the launchd plist is not parsed');

const execStart = (/^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '').split(' ');

describe('service definitions', () => {
  it('run idle mode with the REST API from the installed executable', () => {
    expect(execStart[0]).toBe(INSTALLED);
    const [command, ...flags] = execStart.slice(1);
    expect(command).toBe('svc');
    const config = configFromFlags(parseFlags(flags, SVC_FLAGS), { env: {}, isTty: false, isRoot: true });
    expect(config).toMatchObject({ idle: true, api: true, stateDir: '/var/lib/kubefwd', logFormat: 'json' });
    expect(unit).toMatch(/^StateDirectory=kubefwd$/m);
  });

  it.skipIf(!systemdAnalyze)('passes systemd-analyze verify without a warning', () => {
    // The verifier checks that the executable exists: point it at this checkout's launcher instead.
    const path = join(dir, 'kubefwd.service');
    writeFileSync(path, unit.replace(`ExecStart=${INSTALLED} `, `ExecStart=${KUBEFWD_BIN} `));
    const result = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // And that it would fail: an unknown key is reported.
    writeFileSync(path, readFileSync(path, 'utf8').replace('[Service]', '[Service]\nNoSuchKey=1'));
    expect(spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' }).stderr).toMatch(/NoSuchKey/);
  });

  it.skipIf(!python)(
    'has a launchd plist with the same command line that restarts it only on failure',
    () => {
      const plist = JSON.parse(
        execFileSync(
          'python3',
          [
            '-c',
            'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))',
            join(docs, 'kubefwd.plist'),
          ],
          { encoding: 'utf8' },
        ),
      ) as Record<string, unknown>;
      expect(plist).toMatchObject({
        Label: 'kubefwd',
        ProgramArguments: execStart,
        RunAtLoad: true,
        KeepAlive: { SuccessfulExit: false },
      });
      expect(Object.keys(plist.EnvironmentVariables as object)).toEqual(['KUBECONFIG']);
    },
  );
});
