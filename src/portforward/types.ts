import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../log/logger.ts';

/** The three protocols a cluster speaks for pods/portforward, in the order a client prefers them. */
export type PortForwardProtocol = 'websocket-tunnel' | 'spdy' | 'websocket-v4';

/** TLS and auth material for one dial; recomputed by the caller before every dial so rotated credentials apply. */
export interface DialOptions {
  /** https://host:port/api/v1/namespaces/NS/pods/POD/portforward (http: for a plain-HTTP server). */
  url: URL;
  protocol: PortForwardProtocol;
  /** Extra request headers, e.g. Authorization. */
  headers?: Record<string, string>;
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  rejectUnauthorized?: boolean;
  servername?: string | undefined;
  /** The parsed form of ca, cert and key, shared between dials; when given, ca, cert and key are not parsed again. */
  secureContext?: SecureContext | undefined;
  /** Ports the session will open; the legacy WebSocket protocol needs them in the URL query. */
  ports: number[];
  timeoutMs?: number;
  /** Interval of SPDY PINGs that keep the session alive and detect a dead peer; 0 disables. */
  pingIntervalMs?: number;
  /** A PING unanswered for this long destroys the session (dead peer); default two intervals, at least 5 s. */
  pingTimeoutMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

/** One forwarded TCP connection inside a session: its data stream and the outcome of its error stream. */
export interface PortForwardConnection {
  /** Bytes to and from the pod port. Half-close is honoured both ways. */
  readonly data: Duplex;
  /** Resolves with the error text the server wrote on the error stream, or null when it closed without one. */
  readonly error: Promise<string | null>;
}

/** What a connection spliced to a local socket (PortForwardSession.splice) tells its user. */
export interface SpliceHooks {
  /** Bytes from the pod, as they arrive, before they are written to the socket. */
  fromPod?: (piece: Buffer) => void;
  /** Bytes read from the socket, before they are sent to the pod. */
  fromClient?: (chunk: Buffer) => void;
  /** The pod side was reset: decides what becomes of the socket (destroyed when absent). */
  reset?: () => void;
}

/** A forwarded connection whose bytes flow between the session and a local socket with no stream between. */
export interface SplicedConnection {
  /** The pod side: end() sends our FIN, destroy() resets it unless both sides finished. */
  readonly pod: { end(): void; destroy(): void; readonly destroyed: boolean };
  /** As PortForwardConnection.error. */
  readonly error: Promise<string | null>;
}

/** An upgraded connection to one pod carrying any number of forwarded connections. */
export interface PortForwardSession {
  readonly protocol: PortForwardProtocol;
  /** Opens a connection to `port` of the pod. Never blocks on a round trip: data may be written at once. */
  open(port: number): PortForwardConnection;
  /**
   * Opens a connection to `port` spliced to `socket`: the pod's bytes are written to it and its bytes sent to the
   * pod, half-close and backpressure both ways. Protocols that cannot splice leave it out (callers use open()).
   */
  splice?(port: number, socket: Socket, hooks: SpliceHooks): SplicedConnection;
  /** Round-trip time of one PING in milliseconds (rejects when the session is closed). */
  ping(): Promise<number>;
  readonly isClosed: boolean;
  /** Resolves once the session is gone (peer closed, GOAWAY, error, or close()). */
  readonly closed: Promise<void>;
  /** Graceful: no new connections, existing ones finish. Idempotent. */
  close(): Promise<void>;
  /** Immediate: every stream is reset. Idempotent. */
  destroy(err?: Error): void;
}

/** Why a dial failed; `upgrade-refused` makes the caller try the next protocol. */
export type DialFailureKind =
  'upgrade-refused' | 'unauthorized' | 'forbidden' | 'not-found' | 'network' | 'timeout' | 'protocol';

export class PortForwardDialError extends Error {
  readonly kind: DialFailureKind;
  readonly status: number | undefined;
  constructor(kind: DialFailureKind, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PortForwardDialError';
    this.kind = kind;
    this.status = options?.status;
  }
}
