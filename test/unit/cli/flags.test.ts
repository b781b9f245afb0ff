import { describe, expect, it } from 'vitest';
import { FlagError, parseDuration, parseFlags } from '../../../src/cli/flags.ts';
import { SVC_FLAGS, configFromFlags } from '../../../src/cli/svc-flags.ts';
import { KubefwdError } from '../../../src/errors.ts';

const env = { env: { HOME: '/home/u' }, isTty: false, isRoot: false };
const config = (argv: string[]) => configFromFlags(parseFlags(argv, SVC_FLAGS), env);

describe('parseFlags (pflag-compatible)', () => {
  it('accepts repeated and comma-separated slices, attached and = values', () => {
    const c = config(['-n', 'a,b', '--namespace=c', '-nd', '-x', 'k1', '--context', 'k2,k3']);
    expect(c.namespaces).toEqual(['a', 'b', 'c', 'd']);
    expect(c.contexts).toEqual(['k1', 'k2', 'k3']);
  });

  it('turns auto-reconnect off with -a=false and defaults it on', () => {
    expect(config(['-n', 'x']).autoReconnect).toBe(true);
    expect(config(['-n', 'x', '-a=false']).autoReconnect).toBe(false);
    expect(config(['-n', 'x', '--auto-reconnect=false']).autoReconnect).toBe(false);
  });

  it('groups short booleans and keeps positionals', () => {
    const parsed = parseFlags(['-vb', 'extra', '--', '-n'], SVC_FLAGS);
    expect(parsed.values.get('verbose')).toBe(true);
    expect(parsed.values.get('refresh-backup')).toBe(true);
    expect(parsed.positionals).toEqual(['extra', '-n']);
  });

  it('rejects unknown flags and missing values with one clear line', () => {
    expect(() => parseFlags(['--nope'], SVC_FLAGS)).toThrow(new FlagError('unknown flag: --nope'));
    expect(() => parseFlags(['-q'], SVC_FLAGS)).toThrow(/unknown shorthand flag: 'q'/);
    expect(() => parseFlags(['-n'], SVC_FLAGS)).toThrow(/flag needs an argument/);
    expect(() => parseFlags(['-t', 'ten'], SVC_FLAGS)).toThrow(/expected an integer/);
    expect(() => parseFlags(['-a=maybe'], SVC_FLAGS)).toThrow(/expected true or false/);
  });

  it('parses Go durations', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('5 minutes')).toThrow(FlagError);
    expect(config(['--retry-interval', '2s']).retryIntervalMs).toBe(2000);
  });
});

describe('configFromFlags', () => {
  it('is idle without namespaces, with the API on', () => {
    const c = config([]);
    expect(c.idle).toBe(true);
    expect(c.api).toBe(true);
    expect(c.apiAddr).toEqual({ host: '127.2.27.1', port: 80 });
  });

  it('keeps the API off when forwarding unless asked', () => {
    expect(config(['-n', 'x']).api).toBe(false);
    expect(config(['-n', 'x', '--api']).api).toBe(true);
  });

  it('validates mappings, api address, namespaces and -A with -n', () => {
    expect(config(['-m', '80:8080', '-m', '443:8443']).mappings).toEqual([
      { servicePort: 80, localPort: 8080 },
      { servicePort: 443, localPort: 8443 },
    ]);
    expect(() => config(['-m', '80-8080'])).toThrow(KubefwdError);
    expect(() => config(['-m', '0:80'])).toThrow(/invalid --mapping/);
    expect(() => config(['--api-addr', '10.0.0.1:80'])).toThrow(/loopback/);
    expect(config(['--api-addr', '127.0.0.1:0']).apiAddr).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => config(['-n', 'Bad_NS'])).toThrow(/RFC 1123/);
    expect(() => config(['-A', '-n', 'a'])).toThrow(/cannot be combined/);
    expect(() => config(['--log-format', 'xml'])).toThrow(/pretty or json/);
    expect(config(['-n', 'x']).portForwardProtocol).toBe('auto');
    expect(config(['--port-forward-protocol', 'websocket-tunnel']).portForwardProtocol).toBe(
      'websocket-tunnel',
    );
    expect(() => config(['--port-forward-protocol', 'http2'])).toThrow(
      'invalid --port-forward-protocol "http2": expected auto, spdy, websocket-tunnel, websocket-v4',
    );
    expect(config(['-n', 'x'])).toMatchObject({
      lbPolicy: 'round-robin',
      lbSessions: 8,
      bulkSessions: 4,
      metricsPerPod: false,
    });
    expect(
      config(['--lb', 'least-conn', '--lb-sessions', '3', '--bulk-sessions', '0', '--metrics-per-pod']),
    ).toMatchObject({
      lbPolicy: 'least-conn',
      lbSessions: 3,
      bulkSessions: 0,
      metricsPerPod: true,
    });
    expect(() => config(['--lb', 'random'])).toThrow(
      'invalid --lb "random": expected first, round-robin, least-conn',
    );
    expect(() => config(['--lb-sessions', '0'])).toThrow(
      /--lb-sessions must be a whole number from 1 to 100/,
    );
  });

  it('puts the backup in the invoking user home under sudo', () => {
    const c = configFromFlags(parseFlags(['-n', 'a'], SVC_FLAGS), {
      env: { HOME: '/root', SUDO_USER: 'alice' },
      isTty: true,
      isRoot: true,
    });
    expect(c.backupPath).toMatch(/alice\/hosts\.original$/);
    expect(c.logFormat).toBe('pretty');
    expect(c.stateDir).toBe('/var/lib/kubefwd');
  });
});
