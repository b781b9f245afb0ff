import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.ts';
import { createPortForwardServer } from '../portforward/server.ts';
import { handleRequest, handleUpgrade } from './api-handler.ts';
import { WORKLOADS, defaultWorkload, dependentsOf, reconcileApps } from './apps-controller.ts';
import { reconcileEndpoints, removeEndpoints } from './controller.ts';
import { createPodTermination, type PodTermination } from './pod-termination.ts';
import { ADMIN_RULES, type SimUser } from './rbac.ts';
import { RESOURCES, apiVersionOf, resourceByName, type ResourceDef } from './resources.ts';
import { createOpenApiServer } from './openapi-routes.ts';
import { PodLogs } from './pod-logs.ts';
import { readQuery } from './query.ts';
import { PodRuntime } from './runtime.ts';
import { sendStatus } from './status.ts';
import { Store, StoreError, type KObject, type WatchFilter } from './store.ts';
import { API_SERVER_CIPHERS, type TlsMaterial } from './tls.ts';

export interface SimClusterOptions {
  name: string;
  version?: string;
  host?: string;
  port?: number;
  tls?: TlsMaterial | undefined;
  users?: SimUser[];
  log?: Logger | undefined;
  bookmarkIntervalMs?: number;
  /** false: a proxy in front of the API server passes WebSocket upgrades but drops SPDY ones (see FixtureCluster). */
  spdyUpgrade?: boolean;
}

/** One simulated cluster: its API server, objects, pods and faults. */
export class SimClusterCore {
  readonly name: string;
  version: string;
  /** Whether SPDY upgrades reach the API server; tests may change it while the cluster runs. */
  spdyUpgrade: boolean;
  readonly store = new Store();
  readonly runtime: PodRuntime;
  /** What the pods' containers print (`pods/log`); tests may write lines as a pod would. */
  readonly logs = new PodLogs();
  readonly openapi = createOpenApiServer();
  readonly termination: PodTermination;
  readonly users = new Map<string, SimUser>();
  readonly pf = createPortForwardServer();
  readonly tls: TlsMaterial | undefined;
  readonly host: string;
  #port: number;
  #server: http.Server | undefined;
  #sockets = new Set<Socket>();
  #counts = new Map<string, number>();
  /** TCP connections accepted (each one a TLS handshake on a TLS server), port-forward upgrades included. */
  #connections = 0;
  #latencyMs = 0;
  #failNext: { count: number; status: number; retryAfter?: number } | undefined;
  #pendingReconcile = new Set<string>();
  #bookmarkMs: number;
  #log: Logger | undefined;
  #workloads: Parameters<typeof reconcileApps>[0];

  constructor(options: SimClusterOptions) {
    this.name = options.name;
    this.version = options.version ?? '1.32';
    this.spdyUpgrade = options.spdyUpgrade ?? true;
    this.host = options.host ?? '127.0.0.1';
    this.#port = options.port ?? 0;
    this.tls = options.tls;
    this.#log = options.log;
    this.#bookmarkMs = options.bookmarkIntervalMs ?? 5_000;
    this.runtime = new PodRuntime(this.store, this.logs);
    this.runtime.onPodGone = (ns, pod) => this.pf.resetPod(ns, pod);
    this.termination = createPodTermination({
      store: this.store,
      onTerminating: (pod) => {
        this.runtime.draining(pod);
        this.runtime.replace(pod);
      },
      onGone: (pod) => this.runtime.stopped(pod),
    });
    const workloads = (this.#workloads = {
      store: this.store,
      createPod: (body: KObject) => this.create(resourceByName.get('pods') as ResourceDef, body),
      deletePod: (ns: string, name: string) => void this.termination.delete(ns, name),
    });
    for (const u of options.users ?? [{ name: 'admin', token: `admin-${this.name}`, rules: ADMIN_RULES }])
      this.users.set(u.token, u);
    this.store.onChange = (resource, _type, obj) => {
      if (
        (resource === 'pods' || resource === 'services' || WORKLOADS.has(resource)) &&
        obj.metadata.namespace
      )
        this.#scheduleReconcile(obj.metadata.namespace, workloads);
    };
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://${this.host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get tunnelSupported(): boolean {
    const [maj, min] = this.version.split('.').map(Number);
    return (maj ?? 1) > 1 || (min ?? 0) >= 31;
  }

  #scheduleReconcile(ns: string, workloads: Parameters<typeof reconcileApps>[0]): void {
    if (this.#pendingReconcile.has(ns)) return;
    this.#pendingReconcile.add(ns);
    setImmediate(() => {
      this.#pendingReconcile.delete(ns);
      if (!this.store.get('namespaces', undefined, ns)) return;
      try {
        reconcileApps(workloads, ns);
      } catch (err) {
        // A controller that cannot act now (a name taken, say) tries again at the next change, as a real one would.
        this.#log?.warn({ namespace: ns, err: String(err) }, 'simulated controllers could not finish');
      }
      reconcileEndpoints(this.store, ns);
    });
  }

  count(verb: string, resource: string): void {
    const key = `${verb} ${resource}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  resetRequestCounts(): void {
    this.#counts.clear();
    this.#connections = 0;
  }

  /** Connections open now. */
  openConnectionCount(): number {
    return this.#sockets.size;
  }

  /** Connections accepted since the start (or the last reset of the request counts). */
  connectionCount(): number {
    return this.#connections;
  }

  totalRequests(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }

  // --- object operations with the cluster's side effects -------------------------------------------------------

  create(def: ResourceDef, body: KObject): KObject {
    if (def.name === 'pods') {
      body.status = { phase: 'Pending' };
      const created = this.store.create('pods', 'Pod', 'v1', body);
      void this.runtime.run(created);
      return created;
    }
    if (WORKLOADS.has(def.name)) defaultWorkload(def.name, body);
    return this.store.create(def.name, def.kind, apiVersionOf(def), body);
  }

  update(def: ResourceDef, obj: KObject, checkVersion: boolean): KObject {
    if (WORKLOADS.has(def.name)) {
      // metadata.generation counts changes of the spec, which the controllers acknowledge in observedGeneration.
      const current = this.store.get(def.name, obj.metadata.namespace, obj.metadata.name);
      const gen = current?.metadata.generation;
      const changed = JSON.stringify(current?.spec) !== JSON.stringify(obj.spec);
      obj.metadata.generation = (typeof gen === 'number' ? gen : 1) + (changed ? 1 : 0);
    }
    return this.store.update(def.name, obj, { checkVersion });
  }

  /**
   * Deletes an object with the cluster's side effects. A pod terminates gracefully for `gracePeriodSeconds` (default:
   * its own terminationGracePeriodSeconds, else 30; 0 is abrupt); a namespace takes everything in it at once; a
   * workload takes what it owns (its pods gracefully).
   */
  remove(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    options: { gracePeriodSeconds?: number | undefined } = {},
  ): KObject {
    if (def.name === 'namespaces') {
      if (!this.store.get('namespaces', undefined, name))
        throw new StoreError(404, 'NotFound', `namespaces "${name}" not found`);
      for (const r of RESOURCES) {
        if (!r.namespaced) continue;
        for (const o of this.store.peek(r.name, name))
          if (this.store.get(r.name, name, o.metadata.name))
            this.remove(r, name, o.metadata.name, { gracePeriodSeconds: 0 });
      }
      return this.store.delete('namespaces', undefined, name);
    }
    if (def.name === 'pods')
      return this.termination.delete(namespace ?? 'default', name, options.gracePeriodSeconds);
    const obj = this.store.delete(def.name, namespace, name);
    if (def.name === 'services' && namespace) removeEndpoints(this.store, namespace, name);
    if (WORKLOADS.has(def.name))
      for (const d of dependentsOf(this.#workloads, obj)) {
        if (!this.store.get(d.resource, namespace, d.obj.metadata.name)) continue;
        this.remove(resourceByName.get(d.resource) as ResourceDef, namespace, d.obj.metadata.name, options);
      }
    return obj;
  }

  apply(obj: KObject): KObject {
    const def = RESOURCES.find((r) => r.kind === obj.kind);
    if (!def) throw new Error(`unsupported kind ${obj.kind}`);
    if (def.namespaced) obj.metadata.namespace ??= 'default';
    const existing = this.store.get(
      def.name,
      def.namespaced ? obj.metadata.namespace : undefined,
      obj.metadata.name,
    );
    if (existing)
      return this.store.update(def.name, { ...obj, metadata: { ...existing.metadata, ...obj.metadata } });
    return this.create(def, obj);
  }

  // --- watch --------------------------------------------------------------------------------------------------

  /** `asObject` renders each event's object (Table output); bookmarks and errors are sent as they are. */
  serveWatch(
    req: IncomingMessage,
    res: ServerResponse,
    filter: WatchFilter,
    params: URLSearchParams,
    asObject: (o: KObject) => unknown = (o) => o,
  ): void {
    const rvText = params.get('resourceVersion');
    const since = rvText && rvText !== '0' ? Number(rvText) : undefined;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache',
    });
    res.flushHeaders();
    const write = (type: string, object: unknown): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    let bookmark: NodeJS.Timeout | undefined;
    let timeout: NodeJS.Timeout | undefined;
    const end = (): void => {
      clearInterval(bookmark);
      clearTimeout(timeout);
      this.store.unwatch(watcher);
      if (!res.writableEnded) res.end();
    };
    let watcher: ReturnType<Store['watch']>;
    try {
      watcher = this.store.watch(
        filter,
        since,
        (type, obj) => write(type, type === 'BOOKMARK' ? obj : asObject(obj)),
        end,
      );
    } catch (err) {
      if (err instanceof StoreError && err.status === 410) {
        write('ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: err.message,
          reason: 'Expired',
          code: 410,
        });
        res.end();
        return;
      }
      throw err;
    }
    if (readQuery(params).bool('allowWatchBookmarks')) {
      const kind = RESOURCES.find((r) => r.name === filter.resource)?.kind;
      bookmark = setInterval(
        () =>
          write('BOOKMARK', {
            kind,
            apiVersion: 'v1',
            metadata: { resourceVersion: String(this.store.resourceVersion) },
          }),
        this.#bookmarkMs,
      );
      bookmark.unref();
    }
    const seconds = Number(params.get('timeoutSeconds') ?? 0);
    if (seconds > 0) {
      timeout = setTimeout(end, seconds * 1000);
      timeout.unref();
    }
    req.on('close', end);
  }

  portForward(req: IncomingMessage, socket: Duplex, head: Buffer, pod: KObject): void {
    const ns = pod.metadata.namespace ?? 'default';
    this.pf.handleUpgrade(req, socket, head, {
      namespace: ns,
      pod: pod.metadata.name,
      uid: pod.metadata.uid ?? '',
      tunnelSupported: this.tunnelSupported,
      dialer: this.runtime.dialer(ns, pod.metadata.name, pod.metadata.uid ?? ''),
    });
  }

  // --- faults ---------------------------------------------------------------------------------------------------

  setLatency(ms: number): void {
    this.#latencyMs = Math.max(0, ms);
  }

  failNext(count: number, status: number, retryAfterSeconds?: number): void {
    this.#failNext =
      count > 0
        ? { count, status, ...(retryAfterSeconds ? { retryAfter: retryAfterSeconds } : {}) }
        : undefined;
  }

  // --- server lifecycle -----------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      void this.#serve(req, res);
    };
    const server = this.tls
      ? https.createServer(
          {
            cert: this.tls.certPem,
            key: this.tls.keyPem,
            ciphers: API_SERVER_CIPHERS,
            honorCipherOrder: true,
          },
          onRequest,
        )
      : http.createServer(onRequest);
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s: Socket) => {
      this.#connections++;
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    server.on('secureConnection', (s: Socket) => {
      s.setNoDelay(true);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      (socket as Socket).setNoDelay?.(true);
      if (this.#consumeFailure()) {
        socket.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      handleUpgrade(this, req, socket, head);
    });
    server.listen(this.#port, this.host);
    await once(server, 'listening');
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  #consumeFailure(): { status: number; retryAfter?: number } | undefined {
    const f = this.#failNext;
    if (!f) return undefined;
    f.count--;
    if (f.count <= 0) this.#failNext = undefined;
    return f;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (this.#latencyMs > 0) await new Promise((r) => setTimeout(r, this.#latencyMs));
      const failure = this.#consumeFailure();
      if (failure) {
        const headers: Record<string, string> = failure.retryAfter
          ? { 'Retry-After': String(failure.retryAfter) }
          : {};
        return sendStatus(
          res,
          failure.status,
          failure.status === 429
            ? 'Too many requests, please try again later.'
            : 'Internal error occurred: injected fault',
          undefined,
          undefined,
          headers,
        );
      }
      await handleRequest(this, req, res);
    } catch (err) {
      this.#log?.error({ err: String(err) }, 'simulator request failed');
      if (!res.headersSent) sendStatus(res, 500, `Internal error occurred: ${String(err)}`);
      else res.destroy();
    }
  }

  /** Stops listening and drops every connection (watches, port-forwards) without touching state. */
  async stopServer(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    this.store.closeWatches();
    this.pf.closeAll();
    server.close();
    for (const s of this.#sockets) s.destroy();
    await once(server, 'close').catch(() => undefined);
  }

  /** Restarts the API server on the same port, as after an API server restart. */
  async restart(downMs = 0): Promise<void> {
    await this.stopServer();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  async close(): Promise<void> {
    await this.stopServer();
    this.termination.close();
    this.runtime.close();
  }
}
