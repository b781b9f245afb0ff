import { isIP } from 'node:net';
import type { LbPolicy } from '../forwarder/balancer.ts';
import { homedir } from 'node:os';
import { KubefwdError } from '../errors.ts';
import type { RateLimitConfig } from '../api/rate-limit.ts';
import { parseDuration } from '../cli/flags.ts';
import type { ProtocolPreference } from '../forwarder/transport-chooser.ts';
import type { LogFormat } from '../log/logger.ts';

export interface PortMapping {
  servicePort: number;
  localPort: number;
}

export interface ApiAddress {
  host: string;
  port: number;
}

/** Everything the daemon needs to know, typed and validated; built from argv by the CLI or directly by tests. */
export interface DaemonConfig {
  kubeconfig: string | undefined;
  contexts: string[];
  namespaces: string[];
  allNamespaces: boolean;
  selector: string | undefined;
  fieldSelector: string | undefined;
  domain: string | undefined;
  clusterDomain: string;
  mappings: PortMapping[];
  reservations: string[];
  fwdConf: string | undefined;
  timeoutMs: number;
  hostsPath: string;
  backupPath: string;
  refreshBackup: boolean;
  purgeStaleIps: boolean;
  resyncIntervalMs: number;
  retryIntervalMs: number;
  autoReconnect: boolean;
  /** `auto`: SPDY, then the WebSocket tunnel, then legacy WebSockets; or one of them only. */
  portForwardProtocol: ProtocolPreference;
  /** How new connections spread over a service's ready endpoints (per service overridable through the API). */
  lbPolicy: LbPolicy;
  /** Endpoints per service that keep a session dialled ahead of need, and so take connections. */
  lbSessions: number;
  /**
   * Sessions per pod that may be set aside for bulk transfers, so new connections do not queue behind them (0: one
   * session per pod carries everything).
   */
  bulkSessions: number;
  /** Prometheus series per pod (endpoint) as well as per service: off by default (cardinality). */
  metricsPerPod: boolean;
  verbose: boolean;
  api: boolean;
  apiAddr: ApiAddress;
  apiKey: string | undefined;
  /** A read-only key (KUBEFWD_API_READ_KEY); named keys live in STATE_DIR/api-keys.yaml. */
  apiReadKey?: string | undefined;
  /** Requests per window per API key (or client address); the API's default when absent, limit 0 = off. */
  apiRateLimit?: RateLimitConfig | undefined;
  logFormat: LogFormat;
  stateDir: string;
  /** No namespace given and no -A: nothing is forwarded until the API adds something. */
  idle: boolean;
  /** Addresses beyond loopback that API port-forwards may bind (--allow-forward-address). */
  allowedForwardAddresses?: string[] | undefined;
}

export const DEFAULT_API_ADDR: ApiAddress = { host: '127.2.27.1', port: 80 };
export const API_HOSTNAME = 'kubefwd.internal';

export function defaultHostsPath(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'C:\\Windows\\System32\\drivers\\etc\\hosts' : '/etc/hosts';
}

/** The invoking user's home: under sudo the backup belongs in the real user's home, as the original does. */
export function invokingUserHome(env: NodeJS.ProcessEnv = process.env): string {
  const sudoUser = env.SUDO_USER;
  if (sudoUser && sudoUser !== 'root' && process.platform !== 'win32') {
    return process.platform === 'darwin' ? `/Users/${sudoUser}` : `/home/${sudoUser}`;
  }
  return env.HOME ?? homedir();
}

export function parseMapping(entry: string): PortMapping {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(entry.trim());
  const servicePort = Number(m?.[1]);
  const localPort = Number(m?.[2]);
  if (!m || servicePort < 1 || servicePort > 65535 || localPort < 1 || localPort > 65535) {
    throw new KubefwdError(
      'CONFIG_INVALID',
      `invalid --mapping "${entry}": expected SERVICE_PORT:LOCAL_PORT, e.g. 80:8080`,
    );
  }
  return { servicePort, localPort };
}

export function parseApiAddr(text: string): ApiAddress {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  const octets = m?.[1]?.split('.').map(Number) ?? [];
  if (!m || !m[1] || port < 0 || port > 65535 || octets.some((o) => o > 255) || octets[0] !== 127) {
    throw new KubefwdError(
      'CONFIG_INVALID',
      `invalid --api-addr "${text}": expected a loopback IP:PORT such as 127.2.27.1:80`,
    );
  }
  return { host: m[1], port };
}

/** `--api-rate-limit`: N requests a minute, or N/DURATION (`600/10s`); 0 turns limiting off. */
export function parseRateLimit(text: string): RateLimitConfig {
  const m = /^(\d{1,9})(?:\/(\S+))?$/.exec(text.trim());
  let windowMs = 60_000;
  try {
    if (m?.[2]) windowMs = parseDuration(m[2]);
  } catch {
    windowMs = 0;
  }
  if (!m || windowMs < 1000 || windowMs > 86_400_000) {
    throw new KubefwdError(
      'CONFIG_INVALID',
      `invalid --api-rate-limit "${text}": expected requests per minute (e.g. 600), N/DURATION (e.g. 100/10s, 1s to 24h) or 0 for none`,
    );
  }
  return { limit: Number(m[1]), windowMs };
}

export function validateConfig(config: DaemonConfig): DaemonConfig {
  if (config.allNamespaces && config.namespaces.length > 0) {
    throw new KubefwdError('CONFIG_INVALID', '--all-namespaces cannot be combined with --namespace');
  }
  if (config.timeoutMs < 0) throw new KubefwdError('CONFIG_INVALID', '--timeout must not be negative');
  if (!Number.isInteger(config.lbSessions) || config.lbSessions < 1 || config.lbSessions > 100)
    throw new KubefwdError('CONFIG_INVALID', '--lb-sessions must be a whole number from 1 to 100');
  if (!Number.isInteger(config.bulkSessions) || config.bulkSessions < 0 || config.bulkSessions > 16)
    throw new KubefwdError('CONFIG_INVALID', '--bulk-sessions must be a whole number from 0 to 16');
  if (config.retryIntervalMs < 100)
    throw new KubefwdError('CONFIG_INVALID', '--retry-interval must be at least 100ms');
  for (const ns of config.namespaces) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) {
      throw new KubefwdError(
        'CONFIG_INVALID',
        `invalid namespace "${ns}": must be a lowercase RFC 1123 label`,
      );
    }
  }
  if (config.domain !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(config.domain)) {
    throw new KubefwdError('CONFIG_INVALID', `invalid --domain "${config.domain}": must be a DNS name`);
  }
  for (const a of config.allowedForwardAddresses ?? [])
    if (!isIP(a))
      throw new KubefwdError(
        'CONFIG_INVALID',
        `invalid --allow-forward-address "${a}": expected an IP address`,
      );
  const seen = new Set<number>();
  for (const m of config.mappings) {
    if (seen.has(m.servicePort))
      throw new KubefwdError('CONFIG_INVALID', `--mapping given twice for port ${m.servicePort}`);
    seen.add(m.servicePort);
  }
  return config;
}
