import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';

/** What answers on a pod port: documented in docs/simulator.md. */
export type BackendKind = 'http' | 'echo' | 'source' | 'refused';

export interface PodIdentity {
  pod: string;
  namespace: string;
  container: string;
  port: number;
}

export interface Backend {
  kind: BackendKind | 'target';
  /** Port of the real server, undefined for `refused`. */
  port: number | undefined;
  /** Its host (default 127.0.0.1). */
  host?: string;
  /** Why dialing it fails before any connection is tried (a malformed target). */
  invalid?: string;
  /**
   * The pod is terminating: an HTTP server closes its idle keep-alive connections and answers with `Connection:
   * close` (as Go's Shutdown, after a preStop delay: new connections are still served until the grace period ends).
   */
  drain?(): void;
  close(): void;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** Prints one line of the pod's log (an access log line per HTTP request). */
export type BackendLog = (line: string) => void;

export function httpBackend(
  id: PodIdentity,
  state: { draining: boolean },
  log: BackendLog | undefined,
): http.Server {
  return http.createServer((req, res) => {
    if (state.draining) res.setHeader('Connection', 'close');
    const path = req.url ?? '/';
    if (log)
      res.on('finish', () =>
        log(
          `${req.socket.remoteAddress ?? '-'} "${req.method} ${path} HTTP/${req.httpVersion}" ${res.statusCode}`,
        ),
      );
    const bytes = /^\/bytes\/(\d+)$/.exec(path);
    if (bytes && req.method === 'GET') {
      // A body of N bytes, for throughput through the HTTP path.
      let left = Number(bytes[1]);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(left) });
      const pump = (): void => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    let received = 0;
    req.on('data', (d: Buffer) => (received += d.length));
    req.on('end', () => {
      const body = JSON.stringify({ ...id, method: req.method, path, received });
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
      });
      res.end(body);
    });
  });
}

function echoBackend(): net.Server {
  return net.createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
}

/** Streams bytes as fast as the reader takes them and discards whatever it receives (counted). */
function sourceBackend(): net.Server {
  return net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    const pump = (): void => {
      while (!s.destroyed && s.write(CHUNK)) {
        /* fill the socket buffer */
      }
      if (!s.destroyed) s.once('drain', pump);
    };
    pump();
  });
}

export async function startBackend(kind: BackendKind, id: PodIdentity, log?: BackendLog): Promise<Backend> {
  if (kind === 'refused') return { kind, port: undefined, close: () => undefined };
  const state = { draining: false };
  const server =
    kind === 'http' ? httpBackend(id, state, log) : kind === 'echo' ? echoBackend() : sourceBackend();
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    kind,
    port: (server.address() as net.AddressInfo).port,
    drain() {
      state.draining = true;
      if (server instanceof http.Server) server.closeIdleConnections();
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * A pod port served by a server the simulator does not run (annotation `kubefwd.sim/target-<port>: HOST:PORT`), e.g.
 * one on another thread or a program of the user's. A malformed address fails each dial with a message saying so.
 */
export function targetBackend(address: string): Backend {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535)
    return {
      kind: 'target',
      port: undefined,
      invalid: `not HOST:PORT: "${address}"`,
      close: () => undefined,
    };
  return { kind: 'target', host: m[1] ?? m[2], port, close: () => undefined };
}

export function backendKindFor(annotations: Record<string, string> | undefined, port: number): BackendKind {
  const value =
    annotations?.[`kubefwd.sim/backend-${port}`] ?? annotations?.['kubefwd.sim/backend'] ?? 'http';
  return (['http', 'echo', 'source', 'refused'] as const).includes(value as BackendKind)
    ? (value as BackendKind)
    : 'http';
}

/** The kubelet's text when a pod port refuses, as it reaches clients on the error stream. */
export function refusedText(port: number, uid: string): string {
  return (
    `error forwarding port ${port} to pod ${uid}, uid : failed to execute portforward in network namespace ` +
    `"/var/run/netns/cni-sim": failed to connect to localhost:${port} inside namespace "${uid}", ` +
    `IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}
