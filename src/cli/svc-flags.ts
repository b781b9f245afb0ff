import { LB_POLICIES, isLbPolicy } from '../forwarder/balancer.ts';
import { join } from 'node:path';
import {
  API_HOSTNAME,
  DEFAULT_API_ADDR,
  defaultHostsPath,
  invokingUserHome,
  parseApiAddr,
  parseMapping,
  parseRateLimit,
  validateConfig,
  type DaemonConfig,
} from '../daemon/config.ts';
import { DEFAULT_RATE_LIMIT } from '../api/rate-limit.ts';
import { KubefwdError } from '../errors.ts';
import { PROTOCOL_PREFERENCES, type ProtocolPreference } from '../forwarder/transport-chooser.ts';
import type { FlagSpec, ParsedFlags } from './flags.ts';

export const SVC_FLAGS: readonly FlagSpec[] = [
  {
    name: 'kubeconfig',
    short: 'c',
    kind: 'string',
    help: 'path to the kubeconfig file',
    defaultText: '$KUBECONFIG or ~/.kube/config',
  },
  {
    name: 'context',
    short: 'x',
    kind: 'strings',
    help: 'contexts to forward from (repeat or comma-separate)',
    defaultText: 'current context',
  },
  {
    name: 'namespace',
    short: 'n',
    kind: 'strings',
    help: 'namespaces to forward (repeat or comma-separate); none = idle mode',
  },
  { name: 'all-namespaces', short: 'A', kind: 'bool', help: 'forward every namespace of each context' },
  {
    name: 'selector',
    short: 'l',
    kind: 'string',
    help: 'label selector for services, e.g. app=api,tier!=db',
  },
  {
    name: 'field-selector',
    short: 'f',
    kind: 'string',
    help: 'field selector for services, e.g. metadata.name=api',
  },
  { name: 'domain', short: 'd', kind: 'string', help: 'extra domain appended to hostnames' },
  { name: 'mapping', short: 'm', kind: 'strings', help: 'port mapping SERVICE_PORT:LOCAL_PORT (repeatable)' },
  { name: 'reserve', short: 'r', kind: 'strings', help: 'IP reservation NAME:IP (repeatable)' },
  {
    name: 'fwd-conf',
    short: 'z',
    kind: 'string',
    help: 'YAML file with baseUnreservedIP and serviceConfigurations',
  },
  { name: 'timeout', short: 't', kind: 'int', help: 'seconds to wait for pending pods', defaultText: '300' },
  { name: 'hosts-path', kind: 'string', help: 'hosts file to manage', defaultText: defaultHostsPath() },
  { name: 'refresh-backup', short: 'b', kind: 'bool', help: 'replace the ~/hosts.original backup' },
  {
    name: 'purge-stale-ips',
    short: 'p',
    kind: 'bool',
    help: 'remove hosts lines of 127.1.27.0/8-style kubefwd IPs before starting',
  },
  { name: 'resync-interval', kind: 'duration', help: 'full resync of services and pods', defaultText: '5m' },
  {
    name: 'retry-interval',
    kind: 'duration',
    help: 'retry for services without ready pods',
    defaultText: '10s',
  },
  {
    name: 'auto-reconnect',
    short: 'a',
    kind: 'bool',
    help: 'reconnect forwards that fail (-a=false turns it off)',
    defaultText: 'true',
  },
  {
    name: 'port-forward-protocol',
    kind: 'string',
    help: `${PROTOCOL_PREFERENCES.join(', ')}: auto tries SPDY, the WebSocket tunnel, legacy WebSockets in turn`,
    defaultText: 'auto',
  },
  {
    name: 'lb',
    kind: 'string',
    help: `${LB_POLICIES.join(', ')}: how new connections spread over a service's ready pods`,
    defaultText: 'round-robin',
  },
  {
    name: 'lb-sessions',
    kind: 'int',
    help: 'pods per service kept connected ahead of need (and taking connections)',
    defaultText: '8',
  },
  {
    name: 'bulk-sessions',
    kind: 'int',
    help: 'per pod, sessions set aside for bulk transfers so other connections do not queue behind them (0: off)',
    defaultText: '4',
  },
  { name: 'metrics-per-pod', kind: 'bool', help: 'Prometheus series per pod as well as per service' },
  {
    name: 'allow-forward-address',
    kind: 'strings',
    help: 'non-loopback address API port-forwards may bind, e.g. 0.0.0.0 (repeatable)',
  },
  { name: 'verbose', short: 'v', kind: 'bool', help: 'debug logging' },
  { name: 'api', kind: 'bool', help: `REST API on --api-addr (${API_HOSTNAME}); on by default in idle mode` },
  {
    name: 'api-addr',
    kind: 'string',
    help: 'REST API listen address',
    defaultText: `${DEFAULT_API_ADDR.host}:${DEFAULT_API_ADDR.port}`,
  },
  {
    name: 'api-rate-limit',
    kind: 'string',
    help: 'API requests per minute per key (or per address without one), or N/DURATION; 0 = no limit',
    defaultText: String(DEFAULT_RATE_LIMIT.limit),
  },
  {
    name: 'log-format',
    kind: 'string',
    help: 'pretty or json',
    defaultText: 'pretty when stderr is a terminal, else json',
  },
  {
    name: 'state-dir',
    kind: 'string',
    help: 'where stable IP assignments and the API key are kept',
    defaultText: '/var/lib/kubefwd (root) or ~/.kubefwd',
  },
  { name: 'tui', kind: 'bool', help: 'full-screen terminal UI (the API runs on --api-addr for it)' },
  {
    name: 'theme',
    kind: 'string',
    help: 'terminal UI colours: dark or light',
    defaultText: '$KUBEFWD_THEME or dark',
  },
  { name: 'help', short: 'h', kind: 'bool', help: 'show this help' },
];

export interface ConfigEnv {
  env: NodeJS.ProcessEnv;
  isTty: boolean;
  isRoot: boolean;
}

export function configFromFlags(parsed: ParsedFlags, { env, isTty, isRoot }: ConfigEnv): DaemonConfig {
  const v = parsed.values;
  const str = (name: string): string | undefined => {
    const value = v.get(name) as string | undefined;
    return value === undefined || value === '' ? undefined : value;
  };
  const list = (name: string): string[] => (v.get(name) as string[] | undefined) ?? [];
  const bool = (name: string): boolean | undefined => v.get(name) as boolean | undefined;
  const num = (name: string): number | undefined => v.get(name) as number | undefined;

  const namespaces = [...new Set(list('namespace'))];
  const allNamespaces = bool('all-namespaces') ?? false;
  const idle = namespaces.length === 0 && !allNamespaces;
  const logFormat = str('log-format') ?? (isTty ? 'pretty' : 'json');
  if (logFormat !== 'pretty' && logFormat !== 'json') {
    throw new KubefwdError('CONFIG_INVALID', `invalid --log-format "${logFormat}": expected pretty or json`);
  }
  const protocol = str('port-forward-protocol') ?? 'auto';
  if (!PROTOCOL_PREFERENCES.includes(protocol as ProtocolPreference)) {
    throw new KubefwdError(
      'CONFIG_INVALID',
      `invalid --port-forward-protocol "${protocol}": expected ${PROTOCOL_PREFERENCES.join(', ')}`,
    );
  }
  const lb = str('lb') ?? 'round-robin';
  if (!isLbPolicy(lb))
    throw new KubefwdError('CONFIG_INVALID', `invalid --lb "${lb}": expected ${LB_POLICIES.join(', ')}`);
  const home = invokingUserHome(env);
  const stateDir = str('state-dir') ?? (isRoot ? '/var/lib/kubefwd' : join(home, '.kubefwd'));
  const apiAddrText = str('api-addr');

  return validateConfig({
    kubeconfig: str('kubeconfig'),
    contexts: [...new Set(list('context'))],
    namespaces,
    allNamespaces,
    selector: str('selector'),
    fieldSelector: str('field-selector'),
    domain: str('domain'),
    clusterDomain: 'cluster.local',
    mappings: list('mapping').map(parseMapping),
    reservations: list('reserve'),
    fwdConf: str('fwd-conf'),
    timeoutMs: (num('timeout') ?? 300) * 1000,
    hostsPath: str('hosts-path') ?? defaultHostsPath(),
    backupPath: join(home, 'hosts.original'),
    refreshBackup: bool('refresh-backup') ?? false,
    purgeStaleIps: bool('purge-stale-ips') ?? false,
    resyncIntervalMs: num('resync-interval') ?? 300_000,
    retryIntervalMs: num('retry-interval') ?? 10_000,
    autoReconnect: bool('auto-reconnect') ?? true,
    portForwardProtocol: protocol as ProtocolPreference,
    lbPolicy: lb,
    lbSessions: num('lb-sessions') ?? 8,
    bulkSessions: num('bulk-sessions') ?? 4,
    metricsPerPod: bool('metrics-per-pod') ?? false,
    verbose: bool('verbose') ?? false,
    api: bool('api') ?? idle,
    apiAddr: apiAddrText ? parseApiAddr(apiAddrText) : DEFAULT_API_ADDR,
    apiKey: env.KUBEFWD_API_KEY || undefined,
    apiReadKey: env.KUBEFWD_API_READ_KEY || undefined,
    apiRateLimit:
      str('api-rate-limit') === undefined ? undefined : parseRateLimit(str('api-rate-limit') ?? ''),
    logFormat,
    stateDir,
    idle,
    allowedForwardAddresses: list('allow-forward-address'),
  });
}
