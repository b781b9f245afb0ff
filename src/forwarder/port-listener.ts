import net from 'node:net';
import { once } from 'node:events';
import { KubefwdError, describeError } from '../errors.ts';
import {
  Conn,
  spliceConnection,
  type ConnectionFailure,
  type ConnectionHooks,
  type ConnectionTarget,
  type TargetRequest,
} from './connection-splice.ts';
import { noReadAhead } from '../portforward/read-ahead.ts';
import { spliceSocket } from './socket-splice.ts';
import type { PortForwardConnection } from '../portforward/types.ts';

export {
  BULK_BYTES,
  type ConnectionFailure,
  type ConnectionTap,
  type ConnectionTarget,
  type TargetRequest,
} from './connection-splice.ts';

export interface PortCounters {
  /** Bytes from the pod to local clients. */
  bytesIn: number;
  /** Bytes from local clients to the pod. */
  bytesOut: number;
  connectionsActive: number;
  connectionsTotal: number;
  /** Epoch ms of the last traffic seen (sampled when counters are read, so the data path has no callbacks). */
  lastActive: number | undefined;
}

export interface PortListenerOptions extends ConnectionHooks {
  ip: string;
  port: number;
  /**
   * Chooses the pod and session for an accepted connection (`request.client` is its address); may wait for a pod
   * (until `request.signal` aborts).
   */
  target(request: TargetRequest): Promise<ConnectionTarget>;
  onConnection?: (ev: { type: 'opened' | 'closed'; active: number; total: number }) => void;
  /** Called at each accepted connection, before anything else (the metrics sampler's cue to look at this one). */
  onAccept?: (() => void) | undefined;
  /** How long close() lets connections finish after ending them, before destroying them. */
  closeGraceMs?: number;
  now?: () => number;
}

const noop = (): void => undefined;

function listenError(ip: string, port: number, err: unknown): KubefwdError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${ip}:${port}`;
  if (code === 'EADDRINUSE')
    return new KubefwdError('PORT_IN_USE', `${where} is already in use`, { cause: err });
  if (code === 'EACCES')
    return new KubefwdError(
      'PORT_IN_USE',
      `no permission to listen on ${where} (ports below 1024 need root)`,
      {
        cause: err,
      },
    );
  return new KubefwdError('INTERNAL_ERROR', `cannot listen on ${where}: ${describeError(err)}`, {
    cause: err,
  });
}

/**
 * One loopback listener on (IP, port) and the connections it accepts. Each connection is spliced to a stream of the
 * pod's shared session with stream piping (backpressure both ways, half-close both ways) and no per-chunk work: bytes
 * are counted from the socket's own totals. An error fails only that connection, never the session or the listener.
 *
 * A class, not a factory closure: one per forwarded port, and 10,000 forwards each paid for their own copies of
 * every method. Only the server's connection callback is made per listener.
 */
export class PortListener {
  #options: PortListenerOptions;
  #now: () => number;
  #graceMs: number;
  #live = new Set<Conn>();
  #server: net.Server;
  #total = 0;
  #closedIn = 0;
  #closedOut = 0;
  #lastActive: number | undefined;
  #lastSeen = 0;
  #closes = 0;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: PortListenerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#graceMs = options.closeGraceMs ?? 1000;
    this.#server = net.createServer(
      { allowHalfOpen: true, pauseOnConnect: true, noDelay: true },
      this.#accept,
    );
    this.#server.on('error', noop);
  }

  /** Resolves once listening; a port conflict rejects with PORT_IN_USE (that forward only). Idempotent. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      const { ip, port } = this.#options;
      if (this.#closing) throw new KubefwdError('SHUTTING_DOWN', `listener ${ip}:${port} is closed`);
      this.#server.listen({ host: ip, port, exclusive: true });
      try {
        await once(this.#server, 'listening');
      } catch (err) {
        throw listenError(ip, port, err);
      }
    })();
    return this.#starting;
  }

  get listening(): boolean {
    return this.#server.listening;
  }

  /** The bound port (useful with port 0). */
  get boundPort(): number | undefined {
    const a = this.#server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /**
   * While no connection is open: how many connections opened and closed so far (undefined while one is open). As
   * long as it stays the same, `counters()` returns the same bytes: the once-a-second sampler skips reading the
   * idle ones of 10,000 listeners.
   */
  get idleEpoch(): number | undefined {
    return this.#live.size === 0 ? this.#total + this.#closes : undefined;
  }

  counters(): PortCounters {
    let bytesIn = this.#closedIn;
    let bytesOut = this.#closedOut;
    for (const { socket } of this.#live) {
      bytesIn += socket.bytesWritten;
      bytesOut += socket.bytesRead;
    }
    if (bytesIn + bytesOut !== this.#lastSeen) {
      this.#lastSeen = bytesIn + bytesOut;
      this.#lastActive = this.#now();
    }
    return {
      bytesIn,
      bytesOut,
      connectionsActive: this.#live.size,
      connectionsTotal: this.#total,
      lastActive: this.#lastActive,
    };
  }

  /** Stops accepting, ends live connections both ways, destroys what is left after the grace period. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const server = this.#server;
      const live = this.#live;
      await this.#starting?.catch(noop);
      const serverClosed = server.listening
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
      if (live.size > 0) {
        const allGone = new Promise<void>((resolve) => (this.#drained = resolve));
        for (const conn of live) {
          conn.abort();
          conn.unpipe?.();
          conn.data?.end();
          conn.socket.end();
        }
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#graceMs)));
        await Promise.race([allGone, grace]);
        clearTimeout(timer);
        // A reset tells a client that never ended its side that the connection was cut, not finished.
        for (const { socket } of live) socket.resetAndDestroy();
        await allGone;
      }
      await serverClosed;
    })();
    return this.#closing;
  }

  #failure(f: ConnectionFailure): void {
    this.#options.onFailure?.(f);
  }

  /** The server's connection callback: an arrow made once per listener, so the server can call it unbound. */
  #accept = (socket: net.Socket): void => {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const options = this.#options;
    const live = this.#live;
    options.onAccept?.();
    const conn = new Conn(socket);
    live.add(conn);
    this.#total++;
    socket.setNoDelay(true);
    noReadAhead(socket);
    socket.on('error', noop);
    socket.once('close', () => {
      live.delete(conn);
      this.#closes++;
      this.#closedIn += socket.bytesWritten;
      this.#closedOut += socket.bytesRead;
      this.#lastActive = this.#now();
      conn.abort();
      conn.untrack?.();
      if (conn.data && !conn.data.destroyed) conn.data.destroy();
      options.onConnection?.({ type: 'closed', active: live.size, total: this.#total });
      if (live.size === 0) this.#drained?.();
    });
    options.onConnection?.({ type: 'opened', active: live.size, total: this.#total });
    void this.#connect(conn);
  };

  async #connect(conn: Conn): Promise<void> {
    const { socket } = conn;
    let target: ConnectionTarget;
    try {
      target = await this.#options.target(conn);
    } catch (err) {
      if (!socket.destroyed) {
        if (!this.#closing)
          this.#failure({
            forwardKey: undefined,
            pod: undefined,
            stage: 'target',
            message: describeError(err),
          });
        socket.destroy();
      }
      return;
    }
    if (socket.destroyed) return;
    try {
      if (spliceSocket(conn, target, this.#options)) return;
    } catch (err) {
      this.#openFailed(conn, target, err);
      return;
    }
    let pf: PortForwardConnection;
    try {
      pf = target.session.open(target.podPort);
    } catch (err) {
      this.#openFailed(conn, target, err);
      return;
    }
    spliceConnection(conn, pf, target, this.#options);
  }

  /** The session refused the connection's streams (it is closing): the client is cut. */
  #openFailed(conn: Conn, target: ConnectionTarget, err: unknown): void {
    const message = describeError(err);
    this.#failure({ forwardKey: target.forwardKey, pod: target.pod, stage: 'open', message });
    conn.socket.destroy();
  }
}

/** The listener of one forwarded port (not started). */
export function createPortListener(options: PortListenerOptions): PortListener {
  return new PortListener(options);
}
