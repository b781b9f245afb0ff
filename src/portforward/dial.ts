import { PORTFORWARD_PROTOCOL, TUNNEL_SUBPROTOCOL } from './constants.ts';
import { SpdySession } from './spdy/session.ts';
import { SpdyPortForwardSession } from './spdy-client.ts';
import { PortForwardDialError, type DialOptions, type PortForwardSession } from './types.ts';
import { upgradeRequest } from './upgrade.ts';
import { V4Connection, V4PortForwardSession, dialV4 } from './v4-client.ts';
import { WebSocketConnection, acceptKey, newKey } from './websocket.ts';
import { tunnelDuplex } from './ws-tunnel.ts';

const DEFAULT_PING_INTERVAL_MS = 10_000;

function pingBounds(options: DialOptions): { pingIntervalMs: number; pingTimeoutMs: number } {
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  // Two intervals without a PONG (at least 5 s) before the peer is declared dead: one lost beat is not a death.
  const pingTimeoutMs = options.pingTimeoutMs ?? Math.max(2 * pingIntervalMs, 5_000);
  return { pingIntervalMs, pingTimeoutMs };
}

async function dialSpdy(options: DialOptions): Promise<PortForwardSession> {
  const { socket, head, res } = await upgradeRequest(options, 'POST', {
    Upgrade: 'SPDY/3.1',
    'X-Stream-Protocol-Version': PORTFORWARD_PROTOCOL,
  });
  if (String(res.headers['x-stream-protocol-version'] ?? '') !== PORTFORWARD_PROTOCOL) {
    socket.destroy();
    throw new PortForwardDialError('upgrade-refused', `server did not agree on ${PORTFORWARD_PROTOCOL}`, {
      status: 101,
    });
  }
  if (head.length > 0) socket.unshift(head);
  const session = new SpdySession(socket, { isServer: false });
  return new SpdyPortForwardSession(session, { protocol: 'spdy', ...pingBounds(options) });
}

async function dialTunnel(options: DialOptions): Promise<PortForwardSession> {
  const key = newKey();
  const { socket, head, res } = await upgradeRequest(options, 'GET', {
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Protocol': TUNNEL_SUBPROTOCOL,
  });
  if (res.headers['sec-websocket-protocol'] !== TUNNEL_SUBPROTOCOL) {
    socket.destroy();
    throw new PortForwardDialError('upgrade-refused', 'server did not accept the SPDY WebSocket tunnel', {
      status: 101,
    });
  }
  if (res.headers['sec-websocket-accept'] !== acceptKey(key)) {
    socket.destroy();
    throw new PortForwardDialError(
      'protocol',
      'port-forward WebSocket answered with a wrong Sec-WebSocket-Accept',
    );
  }
  const ws = new WebSocketConnection(socket, true, head, { streaming: true });
  const session = new SpdySession(tunnelDuplex(ws), { isServer: false });
  return new SpdyPortForwardSession(session, { protocol: 'websocket-tunnel', ...pingBounds(options) });
}

async function dialLegacy(options: DialOptions): Promise<PortForwardSession> {
  const first = options.ports[0];
  if (first === undefined) return new V4PortForwardSession(options);
  // Proves now that the server accepts us (auth, pod, protocol), so a refusal surfaces as a dial failure the caller
  // can classify; the connection is kept for the first open() instead of being wasted.
  const ws = await dialV4(options, first);
  return new V4PortForwardSession(options, new V4Connection(first, Promise.resolve(ws)));
}

/** Dials a pod's port-forward endpoint with one protocol; the caller chooses and falls back. */
export function dialPortForward(options: DialOptions): Promise<PortForwardSession> {
  switch (options.protocol) {
    case 'spdy':
      return dialSpdy(options);
    case 'websocket-tunnel':
      return dialTunnel(options);
    default:
      return dialLegacy(options);
  }
}
