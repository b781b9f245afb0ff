import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.ts';
import { RST } from './spdy/frames.ts';
import { SpdySession, type SpdyStream } from './spdy/session.ts';
import { WebSocketConnection, acceptKey, tunnelDuplex } from './websocket.ts';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
export const TUNNEL_SUBPROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const V4_SUBPROTOCOL = 'v4.channel.k8s.io';

export interface PodPortDialer {
  /** Connects to a port of the pod; rejects with an Error whose message is the kubelet's error text. */
  dial(port: number): Promise<Duplex>;
}

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  uid: string;
  dialer: PodPortDialer;
  tunnelSupported: boolean;
}

function reply(
  socket: Duplex,
  status: number,
  reason: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

function splice(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
}

/**
 * The server side of pods/portforward for the simulated cluster: SPDY/3.1, SPDY inside a WebSocket (KEP-4006) and
 * the legacy `v4.channel.k8s.io` protocol, each pairing streams and dialling the pod port like the kubelet.
 */
export function createPortForwardServer(options: { log?: Logger } = {}) {
  const sessions = new Map<string, Set<{ destroy(): void }>>();
  const track = (
    target: PortForwardTarget,
    handle: { destroy(): void },
    closed: Promise<unknown> | EventTarget | null,
  ): void => {
    const key = `${target.namespace}/${target.pod}`;
    let set = sessions.get(key);
    if (!set) sessions.set(key, (set = new Set()));
    set.add(handle);
    void (closed as Promise<unknown>).then?.(() => {
      set.delete(handle);
      if (set.size === 0 && sessions.get(key) === set) sessions.delete(key);
    });
  };

  function serveSpdy(session: SpdySession, target: PortForwardTarget): void {
    const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; port: number }>();
    session.on('stream', (stream: SpdyStream, headers: Record<string, string>) => {
      const type = headers.streamtype;
      const port = Number(headers.port);
      const id = headers.requestid ?? String(type === 'error' ? stream.id + 2 : stream.id);
      if ((type !== 'data' && type !== 'error') || !Number.isInteger(port) || port <= 0 || port > 65535) {
        stream.reset(RST.PROTOCOL_ERROR);
        return;
      }
      stream.on('error', () => undefined);
      let pair = pairs.get(id);
      if (!pair) pairs.set(id, (pair = { port }));
      pair[type] = stream;
      if (type === 'error') stream.resume();
      if (!pair.data || !pair.error) return;
      pairs.delete(id);
      void forward(pair.data, pair.error, port, target);
    });
  }

  async function forward(
    data: SpdyStream,
    error: SpdyStream,
    port: number,
    target: PortForwardTarget,
  ): Promise<void> {
    let pod: Duplex;
    try {
      pod = await target.dialer.dial(port);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      error.end(text);
      data.reset(RST.CANCEL);
      return;
    }
    if (data.destroyed) {
      pod.destroy();
      error.end();
      return;
    }
    pod.on('error', () => data.destroy());
    data.on('close', () => {
      if (!pod.destroyed && !pod.writableFinished) pod.destroy();
      error.end();
    });
    splice(pod, data);
  }

  function serveV4(ws: WebSocketConnection, ports: number[], target: PortForwardTarget): void {
    const pods: Array<Duplex | undefined> = [];
    ws.on('message', (msg: Buffer) => {
      const channel = msg[0] ?? 255;
      const pod = channel % 2 === 0 ? pods[channel / 2] : undefined;
      if (pod && msg.length > 1) pod.write(msg.subarray(1));
    });
    ws.on('close', () => pods.forEach((p) => p?.destroy()));
    ports.forEach((port, i) => {
      const prefix = Buffer.from([0, port & 0xff, port >> 8]);
      ws.send(Buffer.from([2 * i, ...prefix.subarray(1)]));
      ws.send(Buffer.from([2 * i + 1, ...prefix.subarray(1)]));
      target.dialer.dial(port).then(
        (pod) => {
          pods[i] = pod;
          pod.on('data', (chunk: Buffer) => {
            const frame = Buffer.allocUnsafe(chunk.length + 1);
            frame[0] = 2 * i;
            chunk.copy(frame, 1);
            if (!ws.send(frame)) {
              pod.pause();
              ws.socket.once('drain', () => pod.resume());
            }
          });
          pod.on('end', () => ws.close(1000));
          pod.on('error', () => ws.close(1000));
        },
        (err: unknown) => {
          ws.send(
            Buffer.concat([
              Buffer.from([2 * i + 1]),
              Buffer.from(err instanceof Error ? err.message : String(err)),
            ]),
          );
          ws.close(1000);
        },
      );
    });
  }

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): void {
      socket.on('error', () => undefined);
      const upgrade = (req.headers.upgrade ?? '').toLowerCase();
      if (upgrade === 'spdy/3.1') {
        const versions = String(req.headers['x-stream-protocol-version'] ?? '')
          .split(',')
          .map((v) => v.trim());
        if (versions.length === 0 || versions[0] === '') {
          reply(socket, 400, 'Bad Request', 'unable to upgrade: X-Stream-Protocol-Version is required');
          return;
        }
        if (!versions.includes(PORTFORWARD_PROTOCOL)) {
          reply(
            socket,
            403,
            'Forbidden',
            `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(versions)}, server accepts ["${PORTFORWARD_PROTOCOL}"]`,
            {
              'X-Accepted-Stream-Protocol-Versions': PORTFORWARD_PROTOCOL,
            },
          );
          return;
        }
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORTFORWARD_PROTOCOL}\r\n\r\n`,
        );
        if (head.length > 0) socket.unshift(head);
        const session = new SpdySession(socket, { isServer: true });
        track(target, session, session.closed);
        serveSpdy(session, target);
        return;
      }
      if (upgrade === 'websocket') {
        const key = req.headers['sec-websocket-key'];
        const offered = String(req.headers['sec-websocket-protocol'] ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        if (typeof key !== 'string') {
          reply(socket, 400, 'Bad Request', 'missing Sec-WebSocket-Key');
          return;
        }
        const accept = (protocol: string): void => {
          socket.write(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
          );
        };
        if (target.tunnelSupported && offered.includes(TUNNEL_SUBPROTOCOL)) {
          accept(TUNNEL_SUBPROTOCOL);
          const ws = new WebSocketConnection(socket, false, head, { streaming: true });
          const session = new SpdySession(tunnelDuplex(ws), { isServer: true });
          track(target, session, session.closed);
          serveSpdy(session, target);
          return;
        }
        if (offered.length === 0 || offered.includes(V4_SUBPROTOCOL)) {
          const url = new URL(req.url ?? '/', 'http://sim');
          const ports = url.searchParams
            .getAll('ports')
            .flatMap((p) => p.split(','))
            .map(Number);
          if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) {
            reply(socket, 400, 'Bad Request', 'query parameter "port" is required');
            return;
          }
          accept(offered.length === 0 ? '' : V4_SUBPROTOCOL);
          const ws = new WebSocketConnection(socket, false, head);
          const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
          track(target, { destroy: () => ws.socket.destroy() }, closed);
          serveV4(ws, ports, target);
          return;
        }
        reply(
          socket,
          400,
          'Bad Request',
          `unable to upgrade: unsupported WebSocket subprotocols ${JSON.stringify(offered)}`,
        );
        return;
      }
      reply(socket, 400, 'Bad Request', 'Upgrade request required');
      options.log?.debug({ upgrade }, 'port-forward request without a supported upgrade');
    },

    /** Destroys every session of the pod, as when its node or sandbox goes away. */
    resetPod(namespace: string, pod: string): number {
      const set = sessions.get(`${namespace}/${pod}`);
      if (!set) return 0;
      const handles = [...set];
      for (const h of handles) h.destroy();
      return handles.length;
    },
    sessionCount: (): number => [...sessions.values()].reduce((n, s) => n + s.size, 0),
    closeAll(): void {
      for (const set of sessions.values()) for (const h of [...set]) h.destroy();
    },
  };
}

export type PortForwardServer = ReturnType<typeof createPortForwardServer>;
