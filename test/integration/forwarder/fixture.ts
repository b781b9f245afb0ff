import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { createPodSessions, type PodRef, type PodSessions } from '../../../src/forwarder/pod-sessions.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { dialPortForward } from '../../../src/portforward/dial.ts';
import { createPortForwardServer, type PortForwardServer } from '../../../src/portforward/server.ts';
import type { PortForwardProtocol } from '../../../src/portforward/types.ts';

/** Pod ports the fixture pods serve. */
export const HTTP_PORT = 8080;
export const ECHO_PORT = 7;
export const HALF_CLOSE_PORT = 2000;
export const SOURCE_PORT = 19;
export const REFUSED_PORT = 9;

export interface FixturePod {
  name: string;
  uid: string;
  http: http.Server;
  httpPort: number;
}

export async function listenOn(server: net.Server, host = '127.0.0.1', port = 0): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** A port free on `ip` right now (bound then released), for listeners that need a known port. */
export async function freePort(ip: string): Promise<number> {
  const s = net.createServer();
  const port = await listenOn(s, ip);
  await new Promise((r) => s.close(r));
  return port;
}

/** Loopback IPs unique to this test process, so parallel test files do not collide. */
export function ipAllocator(): () => string {
  let n = 0;
  const third = 100 + (process.pid % 100);
  return () => `127.1.${third}.${(n++ % 250) + 2}`;
}

/**
 * A pods/portforward endpoint on a real loopback HTTP server, backed by the real port-forward server module; each
 * pod port is a real loopback backend: HTTP naming the pod, echo, a half-close probe and a byte source.
 */
export async function startCluster() {
  const pods = new Map<string, FixturePod>();
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const upgrades: string[] = [];
  /** What the half-close backend received after it had ended its own side. */
  const halfClose = { received: '' };
  /** Bytes the source backend managed to hand to the kernel, per connection. */
  const source = { written: 0, sockets: new Set<net.Socket>() };

  const echo = net.createServer({ allowHalfOpen: true }, (s) => {
    track(s);
    s.pipe(s);
  });
  const half = net.createServer({ allowHalfOpen: true }, (s) => {
    track(s);
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('end', () => (halfClose.received = got));
    s.end('hello from pod');
  });
  const src = net.createServer((s) => {
    track(s);
    source.sockets.add(s);
    s.on('error', () => undefined);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const pump = (): void => {
      while (!s.destroyed && source.written < 512 * 1024 * 1024) {
        source.written += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
  const backendPorts = new Map<number, number>([
    [ECHO_PORT, await listenOn(echo)],
    [HALF_CLOSE_PORT, await listenOn(half)],
    [SOURCE_PORT, await listenOn(src)],
  ]);

  const allHttp: http.Server[] = [];
  const pf: PortForwardServer = createPortForwardServer();
  const api = http.createServer((_req, res) => res.writeHead(404).end());
  api.on('upgrade', (req, socket, head) => {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward/.exec(req.url ?? '');
    const pod = m?.[2] ? pods.get(m[2]) : undefined;
    if (!m || !pod) {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Length: 18\r\nConnection: close\r\n\r\npods "x" not found',
      );
      return;
    }
    upgrades.push(pod.name);
    pf.handleUpgrade(req, socket, head, {
      namespace: m[1] ?? '',
      pod: pod.name,
      uid: pod.uid,
      tunnelSupported: true,
      dialer: {
        dial: (port) =>
          new Promise((resolve, reject) => {
            const backend = port === HTTP_PORT ? pod.httpPort : backendPorts.get(port);
            if (backend === undefined || port === REFUSED_PORT) {
              reject(
                new Error(
                  `error forwarding port ${port} to pod ${pod.uid}, uid : failed to connect to localhost:${port} inside namespace: connect: connection refused`,
                ),
              );
              return;
            }
            const s = net.connect({ port: backend, host: '127.0.0.1', allowHalfOpen: true }, () =>
              resolve(s),
            );
            track(s);
            s.once('error', reject);
          }),
      },
    });
  });
  const apiPort = await listenOn(api);

  return {
    pods,
    upgrades,
    halfClose,
    source,
    pf,
    /** A pod with its own HTTP backend answering `pod=NAME` (or `?bytes=N` bytes). */
    async addPod(name: string): Promise<FixturePod> {
      const server = http.createServer((req, res) => {
        const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? 0);
        res.end(n > 0 ? Buffer.alloc(n, 'x') : `pod=${name}`);
      });
      const p = { name, uid: `uid-${name}`, http: server, httpPort: await listenOn(server) };
      pods.set(name, p);
      allHttp.push(server);
      return p;
    },
    deletePod(name: string): void {
      pods.delete(name);
      pf.resetPod('ns', name);
    },
    url: (pod: string) => new URL(`http://127.0.0.1:${apiPort}/api/v1/namespaces/ns/pods/${pod}/portforward`),
    sessions(
      protocol: PortForwardProtocol = 'spdy',
      extra: Partial<Parameters<typeof createPodSessions>[0]> = {},
    ): PodSessions {
      return createPodSessions({
        log: silentLogger(),
        dial: (p: PodRef, signal) =>
          dialPortForward({
            url: this.url(p.name),
            protocol,
            ports: [],
            signal,
            pingIntervalMs: 0,
            timeoutMs: 5_000,
          }),
        ...extra,
      });
    },
    async close(): Promise<void> {
      pf.closeAll();
      api.closeAllConnections();
      for (const h of allHttp) h.closeAllConnections();
      for (const s of sockets) s.destroy();
      await Promise.all([api, ...allHttp, echo, half, src].map((s) => new Promise((r) => s.close(r))));
    },
  };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;
