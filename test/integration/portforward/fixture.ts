import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { dialPortForward } from '../../../src/portforward/dial.ts';
import { createPortForwardServer, type PortForwardServer } from '../../../src/portforward/server.ts';
import type { DialOptions, PortForwardProtocol, PortForwardSession } from '../../../src/portforward/types.ts';

export const ECHO_PORT = 8080;
/** Writes `source.size` bytes as fast as the connection takes them, then ends. */
export const SOURCE_PORT = 8081;
/** Sends a greeting and half-closes at once, then reports what it receives until the client's FIN. */
export const GREETER_PORT = 8082;
export const REFUSED_PORT = 9;

export interface Fixture {
  pf: PortForwardServer;
  api: http.Server;
  url: URL;
  source: { size: number; written: number; sockets: Set<net.Socket> };
  greeted: Promise<Buffer>[];
  dial(protocol: PortForwardProtocol, extra?: Partial<DialOptions>): Promise<PortForwardSession>;
  close(): Promise<void>;
}

async function listen(server: net.Server | http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** A plain-HTTP stand-in for the API server: every upgrade goes to the port-forward server for pod ns/p. */
export async function startFixture(
  options: { tunnelSupported?: boolean; streamCreationTimeoutMs?: number } = {},
): Promise<Fixture> {
  const source = { size: 64 * 1024 * 1024, written: 0, sockets: new Set<net.Socket>() };
  const greeted: Promise<Buffer>[] = [];
  const echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  const sourceServer = net.createServer((s) => {
    source.sockets.add(s);
    s.on('close', () => source.sockets.delete(s));
    s.on('error', () => undefined);
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    let left = source.size;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(chunk.length, left);
        left -= n;
        source.written += n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          s.once('drain', pump);
          return;
        }
      }
      s.end();
    };
    pump();
  });
  const greeter = net.createServer({ allowHalfOpen: true }, (s) => {
    const parts: Buffer[] = [];
    greeted.push(
      new Promise((resolve) => {
        s.on('data', (d: Buffer) => parts.push(d));
        s.on('end', () => resolve(Buffer.concat(parts)));
      }),
    );
    s.end('hello from the pod');
  });
  const backends = new Map([
    [ECHO_PORT, await listen(echo)],
    [SOURCE_PORT, await listen(sourceServer)],
    [GREETER_PORT, await listen(greeter)],
  ]);
  const pf = createPortForwardServer(
    options.streamCreationTimeoutMs === undefined
      ? {}
      : { streamCreationTimeoutMs: options.streamCreationTimeoutMs },
  );
  const api = http.createServer((_req, res) => res.writeHead(404).end());
  api.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    pf.handleUpgrade(req, socket, head, {
      namespace: 'ns',
      pod: 'p',
      uid: 'uid-1',
      tunnelSupported: options.tunnelSupported ?? true,
      dialer: {
        dial: (port) => {
          const target = backends.get(port);
          if (target === undefined)
            return Promise.reject(
              new Error(`error forwarding port ${port} to pod uid-1, uid : connect: connection refused`),
            );
          return new Promise((resolve, reject) => {
            const s = net.connect({ port: target, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(s));
            s.setNoDelay(true);
            s.once('error', reject);
          });
        },
      },
    });
  });
  const url = new URL(`http://127.0.0.1:${await listen(api)}/api/v1/namespaces/ns/pods/p/portforward`);
  return {
    pf,
    api,
    url,
    source,
    greeted,
    dial: (protocol, extra = {}) =>
      dialPortForward({ url, protocol, ports: [ECHO_PORT], pingIntervalMs: 0, ...extra }),
    async close() {
      pf.closeAll();
      api.closeAllConnections();
      for (const s of source.sockets) s.destroy();
      const servers = [api, echo, sourceServer, greeter];
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

export function readAll(stream: Duplex): Promise<Buffer> {
  const parts: Buffer[] = [];
  stream.on('data', (d: Buffer) => parts.push(d));
  return once(stream, 'end').then(() => Buffer.concat(parts));
}

/** Counts the bytes a stream delivers until it ends, without keeping them. */
export function drain(stream: Duplex): Promise<number> {
  let n = 0;
  stream.on('data', (d: Buffer) => (n += d.length));
  return once(stream, 'end').then(() => n);
}
