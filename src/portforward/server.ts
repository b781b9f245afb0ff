import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/logger.ts';
import {
  PORTFORWARD_PROTOCOL,
  TUNNEL_SUBPROTOCOL,
  V4_BASE64_SUBPROTOCOL,
  V4_SUBPROTOCOL,
} from './constants.ts';
import type { PodPortDialer } from './pod-pipe.ts';
import { SpdySession } from './spdy/session.ts';
import { serveSpdyPortForward } from './spdy-server.ts';
import { serveV4PortForward } from './v4-server.ts';
import { WebSocketConnection, acceptKey } from './websocket.ts';
import { tunnelDuplex } from './ws-tunnel.ts';

export {
  PORTFORWARD_PROTOCOL,
  TUNNEL_SUBPROTOCOL,
  V4_SUBPROTOCOL,
  V4_BASE64_SUBPROTOCOL,
} from './constants.ts';
export type { PodPortDialer } from './pod-pipe.ts';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  uid: string;
  dialer: PodPortDialer;
  /** Whether the API server speaks the SPDY tunnel (PortForwardWebsockets, on by default from 1.31). */
  tunnelSupported: boolean;
}

export interface PortForwardServerOptions {
  log?: Logger;
  /** The kubelet's streamCreationTimeout: how long half a stream pair waits for its partner. */
  streamCreationTimeoutMs?: number;
}

interface Live {
  destroy(): void;
}

function reply(
  socket: Duplex,
  status: number,
  reason: string,
  body: string,
  headers: Record<string, string> = {},
) {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

const list = (value: string | string[] | undefined): string[] =>
  (Array.isArray(value) ? value.join(',') : (value ?? ''))
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * The server side of pods/portforward for the simulated cluster. It negotiates like an API server in front of a
 * kubelet: SPDY/3.1 upgrades, the SPDY tunnel in a WebSocket (KEP-4006) when the cluster supports it, the legacy
 * channel protocols otherwise, and the status codes real servers answer to anything else.
 */
export function createPortForwardServer(options: PortForwardServerOptions = {}) {
  const log = options.log;
  const streamCreationTimeoutMs = options.streamCreationTimeoutMs ?? 30_000;
  const sessions = new Map<string, Set<Live>>();

  const track = (target: PortForwardTarget, live: Live, closed: Promise<unknown>): void => {
    const key = `${target.namespace}/${target.pod}`;
    let set = sessions.get(key);
    if (!set) sessions.set(key, (set = new Set()));
    set.add(live);
    void closed.then(() => {
      set.delete(live);
      if (set.size === 0 && sessions.get(key) === set) sessions.delete(key);
    });
  };

  const startSpdy = (transport: Duplex, target: PortForwardTarget): void => {
    const session = new SpdySession(transport, { isServer: true });
    track(target, session, session.closed);
    serveSpdyPortForward(session, { uid: target.uid, dialer: target.dialer, streamCreationTimeoutMs, log });
  };

  const upgradeSpdy = (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: PortForwardTarget,
  ): void => {
    const versions = list(req.headers['x-stream-protocol-version']);
    if (versions.length === 0) {
      reply(socket, 400, 'Bad Request', 'unable to upgrade: X-Stream-Protocol-Version is required');
      return;
    }
    if (!versions.includes(PORTFORWARD_PROTOCOL)) {
      reply(
        socket,
        403,
        'Forbidden',
        `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(versions)}, server accepts ["${PORTFORWARD_PROTOCOL}"]`,
        { 'X-Accepted-Stream-Protocol-Versions': PORTFORWARD_PROTOCOL },
      );
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORTFORWARD_PROTOCOL}\r\n\r\n`,
    );
    if (head.length > 0) socket.unshift(head);
    startSpdy(socket, target);
  };

  const upgradeWebSocket = (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: PortForwardTarget,
  ): void => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || key.length === 0) {
      reply(socket, 400, 'Bad Request', 'missing Sec-WebSocket-Key');
      return;
    }
    const offered = list(req.headers['sec-websocket-protocol']);
    const accept = (protocol: string): void => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
      );
    };
    if (target.tunnelSupported && offered.includes(TUNNEL_SUBPROTOCOL)) {
      accept(TUNNEL_SUBPROTOCOL);
      startSpdy(tunnelDuplex(new WebSocketConnection(socket, false, head, { streaming: true })), target);
      return;
    }
    // Everything else reaches the kubelet's legacy handler: ports first, then the subprotocol.
    const url = new URL(req.url ?? '/', 'http://localhost');
    const ports = [...url.searchParams.getAll('ports'), ...url.searchParams.getAll('port')]
      .flatMap((p) => p.split(','))
      .map(Number);
    if (ports.length === 0) {
      reply(socket, 400, 'Bad Request', 'query parameter "port" is required');
      return;
    }
    const bad = ports.find((p) => !Number.isInteger(p) || p <= 0 || p > 65535);
    if (bad !== undefined) {
      reply(socket, 400, 'Bad Request', `unable to parse "${bad}" as a port: invalid port`);
      return;
    }
    const supported = ['', V4_SUBPROTOCOL, V4_BASE64_SUBPROTOCOL];
    const chosen = (offered.length === 0 ? [''] : offered).find((p) => supported.includes(p));
    if (chosen === undefined) {
      // golang.org/x/net/websocket answers a failed subprotocol handshake with a bare 403.
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    accept(chosen);
    const ws = new WebSocketConnection(socket, false, head);
    // serveV4PortForward starts the connection once its listeners are on.
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    track(target, { destroy: () => ws.socket.destroy() }, closed);
    serveV4PortForward(ws, {
      uid: target.uid,
      dialer: target.dialer,
      ports,
      base64: chosen === V4_BASE64_SUBPROTOCOL,
      log,
    });
  };

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: PortForwardTarget): void {
      socket.on('error', () => undefined);
      const upgrade = (req.headers.upgrade ?? '').toLowerCase();
      if (upgrade === 'spdy/3.1') upgradeSpdy(req, socket, head, target);
      else if (upgrade === 'websocket') upgradeWebSocket(req, socket, head, target);
      else {
        log?.debug({ upgrade }, 'port-forward request without a supported upgrade');
        reply(socket, 400, 'Bad Request', 'Upgrade request required');
      }
    },

    /** Destroys every session of the pod, as when its sandbox goes away; returns how many there were. */
    resetPod(namespace: string, pod: string): number {
      const set = sessions.get(`${namespace}/${pod}`);
      if (!set) return 0;
      const live = [...set];
      for (const s of live) s.destroy();
      return live.length;
    },

    sessionCount: (): number => {
      let n = 0;
      for (const set of sessions.values()) n += set.size;
      return n;
    },

    closeAll(): void {
      for (const set of [...sessions.values()]) for (const s of [...set]) s.destroy();
    },
  };
}

export type PortForwardServer = ReturnType<typeof createPortForwardServer>;
