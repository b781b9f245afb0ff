import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AdhocAudit } from '../adhoc/adhoc-manager.ts';
import { createClusterClient, type ClusterClient } from '../cluster/cluster-client.ts';
import { defaultNamespaceOf, loadKubeConfig, resolveContexts } from '../cluster/kubeconfig.ts';
import { fromKubeError } from '../cluster/kube-errors.ts';
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { createEventBus, type EventBus } from './bus.ts';
import type { DaemonConfig } from './config.ts';
import type { NamespaceManager } from './namespace-manager.ts';
import type { ServiceRegistry } from './service-registry.ts';
import type { ForwardHandle } from './ports.ts';
import { createEngine, type Engine } from './engine.ts';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createApiApp, createApiServer } from '../api/app.ts';
import { createKeyRing, type KeyRing } from '../api/keys.ts';
import { createAuditLog, type AuditLog } from '../audit/audit-log.ts';
import { NO_AUDIT, type AuditRecorder } from '../audit/types.ts';
import { createLogRing, type LogRing } from '../log/log-ring.ts';
import { createCaptureStore } from '../metrics/capture-store.ts';
import { createMetricsStore } from '../metrics/metrics-store.ts';
import { checkFdCapacity, readFdLimits, type FdLimits } from './fd-limit.ts';
import { startHeapTrim } from './heap-trim.ts';
import { createReadingCursor } from './reading-cursor.ts';
import { createPromMetrics } from '../metrics/prom.ts';
import { createApiViews } from './api-views.ts';
import { API_HOSTNAME } from './config.ts';
import { createHistory } from './history.ts';
import { packageVersion } from '../cli/version.ts';

export interface DaemonDeps {
  log: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Overrides for tests: a ready KubeConfig instead of loading one. */
  kubeConfig?: KubeConfig;
  /** The log ring the logger tees into (the API's /logs); one is made when absent. */
  logRing?: LogRing;
  /** Records each ad-hoc forward's creation, deletion and expiry (the audit trail's recorder fits as it is). */
  audit?: AdhocAudit | undefined;
  /** This process's open-file limits (default: read from /proc on Linux). */
  fdLimits?: () => FdLimits | undefined;
}

export interface StartSummary {
  /** One line per forward: hostnames → IP:port → pod. */
  forwards: string[];
  text: string;
}

export interface Daemon {
  start(signal?: AbortSignal): Promise<StartSummary>;
  close(): Promise<void>;
  /** Second-signal path: remove our hosts entries synchronously. */
  emergencyCleanup(): void;
  readonly bus: EventBus;
  readonly engine: Engine | undefined;
  /** Where state changes are recorded: the API's calls, ad-hoc forwards' steps, other faces' actions. */
  readonly audit: AuditRecorder;
}

const REACH_TIMEOUT_MS = 10_000;
/** How often the heap trim looks (startHeapTrim's default), and the API request rate that makes it hold back. */
const HEAP_TRIM_INTERVAL_S = 30;
const API_BUSY_PER_SECOND = 10;

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new KubefwdError('TIMEOUT', message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The composition root: loads the kubeconfig, checks every context before anything is touched, then builds the
 * engine (hosts, allocator, forwarder, watches, metrics, API) and starts it.
 */
export function createDaemon(config: DaemonConfig, deps: DaemonDeps): Daemon {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const bus = createEventBus({
    now,
    onListenerError: (err) => log.error({ err: describeError(err) }, 'event listener failed'),
  });
  let engine: Engine | undefined;
  let closing: Promise<void> | undefined;
  let metrics: ReturnType<typeof createMetricsStore> | undefined;
  let trim: ReturnType<typeof startHeapTrim> | undefined;
  let api: ReturnType<typeof createApiServer> | undefined;
  let keys: KeyRing | undefined;
  let audit: AuditLog | undefined;
  let clients: Map<string, ClusterClient> | undefined;

  return {
    bus,
    get engine() {
      return engine;
    },
    get audit() {
      return audit ?? NO_AUDIT;
    },
    async start(signal) {
      const startedAt = now();
      const base = deps.kubeConfig ?? loadKubeConfig(config.kubeconfig, deps.env);
      const contexts = resolveContexts(base, config.contexts);
      const byContext = new Map<string, ClusterClient>();
      clients = byContext;
      contexts.forEach((context, index) =>
        byContext.set(context, createClusterClient({ base, context, index, log })),
      );
      if (!config.idle) {
        await Promise.all(
          [...byContext.values()].map((c) =>
            withTimeout(
              c.serverVersion(),
              REACH_TIMEOUT_MS,
              `cannot reach the API server of context "${c.context}" (${c.server}): timed out`,
            ).catch((err: unknown) => {
              const e =
                err instanceof KubefwdError
                  ? err
                  : fromKubeError(err, `cannot reach the API server of context "${c.context}"`);
              throw e;
            }),
          ),
        );
      }
      if (signal?.aborted) throw new KubefwdError('SHUTTING_DOWN', 'interrupted while starting');
      mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
      // One trail for the API's calls and the engine's own steps (ad-hoc forwards' expiry); keys are scrubbed
      // from it once the API's key ring exists.
      const trail = createAuditLog({
        path: join(config.stateDir, 'audit.jsonl'),
        now,
        log,
        secrets: () => keys?.secrets() ?? [],
      });
      audit = trail;
      const captures = createCaptureStore({ now });
      // Forwards that were made or had a connection since the sampler last found them idle (see createMetricsStore).
      const active = new Set<ForwardHandle>();
      engine = createEngine({
        onForwardActivity: (forward) => active.add(forward),
        config,
        log,
        bus,
        now,
        base,
        clients: byContext,
        statePath: join(config.stateDir, 'ips.json'),
        tap: (forwardKey, serviceKey, pod) => captures.tap(forwardKey, serviceKey, pod),
        audit: deps.audit ?? trail,
      });
      const e = engine;
      const snapshots = function* () {
        for (const r of e.registry.list()) {
          for (const f of r.forward.snapshot()) yield { r, f };
          for (const p of r.podForwards.values()) for (const f of p.forward.snapshot()) yield { r, f };
        }
      };
      metrics = createMetricsStore({
        now,
        visitActive(visitor) {
          for (const forward of active) if (!forward.visitReadings(visitor)) active.delete(forward);
        },
        visitSome: createReadingCursor(() => e.registry.values()),
      });
      const m = metrics;
      // API requests answered, and how many there were at the heap trim's last look.
      let apiRequests = 0;
      let apiSeen = 0;
      trim = startHeapTrim({
        log,
        busy: () => {
          const t = m.total();
          const requests = apiRequests - apiSeen;
          apiSeen = apiRequests;
          // A full collection at 10,000 services stops the daemon ~420 ms (CPU profile): not while clients are
          // busy with the API (10 requests a second or more since the last look; a terminal UI polls once a second).
          return t.avgRateIn + t.avgRateOut > 1e6 || requests >= API_BUSY_PER_SECOND * HEAP_TRIM_INTERVAL_S;
        },
        intervalMs: HEAP_TRIM_INTERVAL_S * 1000,
      });
      const history = createHistory(bus, { now });
      const prom = createPromMetrics({
        forwards: function* () {
          for (const { r, f } of snapshots())
            yield {
              namespace: r.namespace,
              context: r.context,
              service: r.name,
              bytesIn: f.bytesIn,
              bytesOut: f.bytesOut,
              connectionsActive: f.connectionsActive,
            };
        },
        endpoints: config.metricsPerPod
          ? function* () {
              for (const r of e.registry.list())
                for (const ep of r.forward.endpoints())
                  yield { namespace: r.namespace, context: r.context, service: r.name, ...ep };
            }
          : undefined,
        sessions: () => e.sessions.size,
        hostsWrites: () => e.hosts.status().writes,
      });
      bus.subscribe((ev) => {
        if (ev.type === 'forward.disconnected' && ev.data.reason === 'pod replaced') {
          const r = e.registry.get(typeof ev.data.serviceKey === 'string' ? ev.data.serviceKey : '');
          if (r) prom.incReconnect({ namespace: r.namespace, context: r.context });
        }
      });
      let ready = false;
      let apiLine = '';
      if (config.api) {
        const apiKey = config.apiKey ?? randomBytes(24).toString('base64url');
        const keyFile = join(config.stateDir, 'api-key');
        writeFileSync(keyFile, `${apiKey}\n`, { mode: 0o600 });
        const ring = createKeyRing({
          adminKey: apiKey,
          readKey: config.apiReadKey,
          file: join(config.stateDir, 'api-keys.yaml'),
          log,
        });
        ring.start();
        keys = ring;
        const views = createApiViews({
          engine: e,
          config,
          bus,
          metrics,
          captures,
          prom,
          logs: deps.logRing ?? createLogRing(),
          history,
          version: packageVersion(),
          now,
          isReady: () => ready,
          isClosing: () => closing !== undefined,
          onRequest: () => void apiRequests++,
        });
        const app = createApiApp({
          views,
          apiKey,
          keys: ring,
          audit: trail,
          ...(config.apiRateLimit ? { rateLimit: config.apiRateLimit } : {}),
          allowedHosts: [API_HOSTNAME, config.apiAddr.host, 'localhost', '127.0.0.1', '[::1]'],
          log,
        });
        const server = createApiServer({ api: app, host: config.apiAddr.host, port: config.apiAddr.port });
        try {
          await server.start();
        } catch (err) {
          ring.close();
          await e.close();
          trail.close();
          throw new KubefwdError(
            'PORT_IN_USE',
            `cannot start the API on ${config.apiAddr.host}:${config.apiAddr.port}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        api = server;
        apiLine = `API: ${server.url}/ (http://${API_HOSTNAME}${config.apiAddr.port === 80 ? '' : `:${server.port}`}/), docs at /docs, key ${config.apiKey ? 'from KUBEFWD_API_KEY' : `${apiKey} (also in ${keyFile})`}`;
      }
      try {
        await e.start(signal);
      } catch (err) {
        await api?.close();
        keys?.close();
        await e.close();
        audit?.close();
        throw err;
      }
      ready = true;
      // Once start() has answered: the start-up's garbage goes now rather than in a later request (startHeapTrim).
      const t = trim;
      setImmediate(() => t?.collectNow('started'));
      const summary = e.summary();
      // The moment of readiness in the log (its time field), for scripts and the benchmark: printing the summary
      // after it is a blocking write of a line per forward, as slow as whatever reads the pipe.
      const startMs = now() - startedAt;
      log.info(
        {
          services: summary.services,
          ports: summary.forwards.length,
          activePorts: summary.active,
          skipped: summary.skipped,
          startMs,
        },
        `ready: ${summary.services} service(s), ${summary.active} of ${summary.forwards.length} port(s) with a ready pod, in ${startMs} ms`,
      );
      // Sampling starts now rather than during the start-up, whose forwards carry nothing yet: each sample then tracked
      // the forwards made since the last (a series each), work the first sample now does at once after ready. Bytes
      // a forward carried before are in its counters, which the first sample takes whole.
      await metrics.start();
      // Besides the listeners: a session per pod in use, and the list/watch connections of each namespace (3).
      const held = e.sessions.size + 3 * e.namespaces.list().length;
      checkFdCapacity(summary.forwards.length, (deps.fdLimits ?? readFdLimits)(), log, held);
      return { forwards: summary.forwards, text: apiLine ? `${summary.text}\n${apiLine}` : summary.text };
    },
    close() {
      closing ??= (async () => {
        await api?.close();
        keys?.close();
        // After the engine: its ad-hoc forwards record their removal at shutdown.
        if (engine) await engine.close();
        // After the engine's watches: the API connections they held.
        await Promise.all([...(clients?.values() ?? [])].map((c) => c.close()));
        audit?.close();
        await metrics?.close();
        trim?.stop();
      })();
      return closing;
    },
    emergencyCleanup() {
      engine?.emergencyCleanup();
    },
  };
}

export type { NamespaceManager, ServiceRegistry };
export { defaultNamespaceOf };
