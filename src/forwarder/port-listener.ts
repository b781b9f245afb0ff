import net from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { KubefwdError, describeError } from '../errors.ts';
import { pipeBatched } from './batched-pipe.ts';
import type { PortForwardConnection, PortForwardSession } from '../portforward/types.ts';

/** Read-only observer of one connection's bytes (the HTTP sniffer); fed the very Buffers that are forwarded. */
export interface ConnectionTap {
  client(chunk: Buffer): void;
  server(chunk: Buffer): void;
  end(): void;
}

/** Where one accepted connection goes. */
export interface ConnectionTarget {
  forwardKey: string;
  pod: string;
  podPort: number;
  session: PortForwardSession;
  /** Called once, when the first bytes come back from the pod: the path really works. */
  worked?: () => void;
  /** Called once, when the connection has carried BULK_BYTES from the pod: a bulk transfer, not a request. */
  bulk?: () => void;
  /** Counts the connection on its endpoint: called when it is spliced; what it returns is called at its close. */
  track?: ((meter: { readonly bytesRead: number; readonly bytesWritten: number }) => () => void) | undefined;
}

export interface ConnectionFailure {
  forwardKey: string | undefined;
  pod: string | undefined;
  /** `target`: no pod or no session; `open`: the session refused a stream; `stream`: the pod side's error text. */
  stage: 'target' | 'open' | 'stream';
  message: string;
}

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

export interface PortListenerOptions {
  ip: string;
  port: number;
  /**
   * Chooses the pod and session for an accepted connection from `client` (its address); may wait for a pod (until
   * `signal` aborts).
   */
  target(signal: AbortSignal, client: string | undefined): Promise<ConnectionTarget>;
  tap?: ((forwardKey: string, pod: string) => ConnectionTap | undefined) | undefined;
  onFailure?: (failure: ConnectionFailure) => void;
  onConnection?: (ev: { type: 'opened' | 'closed'; active: number; total: number }) => void;
  /** Called at each accepted connection, before anything else (the metrics sampler's cue to look at this one). */
  onAccept?: (() => void) | undefined;
  /** How long close() lets connections finish after ending them, before destroying them. */
  closeGraceMs?: number;
  now?: () => number;
}

interface Conn {
  socket: net.Socket;
  data: Duplex | undefined;
  abort: AbortController;
  /** Stops copying the pod's bytes to the client. */
  unpipe?: (() => void) | undefined;
  /** Ends the connection's count on its endpoint. */
  untrack?: (() => void) | undefined;
}

const noop = (): void => undefined;

/** The reason a connection's waits are aborted with: one shared Error, not a DOMException with a stack per close. */
const CLOSED = new Error('connection closed');

/**
 * A connection that has carried this much from the pod is a bulk transfer (a download, a stream), not a request:
 * its session then takes no new connections (see PodSessions.bulk). 4 MiB: a few hundred requests' worth, and about
 * what one loopback TCP connection queues.
 */
export const BULK_BYTES = 4 * 1024 * 1024;

/** How long an ended stream's error text may lag behind its end before the client is simply ended. */
const ERROR_SETTLE_MS = 1000;

function settled(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p.then(noop, noop), bound]).finally(() => clearTimeout(timer));
}

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
 */
export function createPortListener(options: PortListenerOptions) {
  const { ip, port } = options;
  const now = options.now ?? Date.now;
  const graceMs = options.closeGraceMs ?? 1000;
  const live = new Set<Conn>();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, accept);
  server.on('error', noop);
  let total = 0;
  let closedIn = 0;
  let closedOut = 0;
  let lastActive: number | undefined;
  let lastSeen = 0;
  let closes = 0;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let drained: (() => void) | undefined;

  const failure = (f: ConnectionFailure): void => options.onFailure?.(f);

  function accept(socket: net.Socket): void {
    if (closing) {
      socket.destroy();
      return;
    }
    options.onAccept?.();
    const conn: Conn = { socket, data: undefined, abort: new AbortController() };
    live.add(conn);
    total++;
    socket.setNoDelay(true);
    socket.on('error', noop);
    socket.once('close', () => {
      live.delete(conn);
      closes++;
      closedIn += socket.bytesWritten;
      closedOut += socket.bytesRead;
      lastActive = now();
      conn.abort.abort(CLOSED);
      conn.untrack?.();
      if (conn.data && !conn.data.destroyed) conn.data.destroy();
      options.onConnection?.({ type: 'closed', active: live.size, total });
      if (live.size === 0) drained?.();
    });
    options.onConnection?.({ type: 'opened', active: live.size, total });
    void connect(conn);
  }

  async function connect(conn: Conn): Promise<void> {
    const { socket } = conn;
    let target: ConnectionTarget;
    try {
      target = await options.target(conn.abort.signal, socket.remoteAddress);
    } catch (err) {
      if (!socket.destroyed) {
        if (!closing)
          failure({ forwardKey: undefined, pod: undefined, stage: 'target', message: describeError(err) });
        socket.destroy();
      }
      return;
    }
    if (socket.destroyed) return;
    let pf: PortForwardConnection;
    try {
      pf = target.session.open(target.podPort);
    } catch (err) {
      failure({ forwardKey: target.forwardKey, pod: target.pod, stage: 'open', message: describeError(err) });
      socket.destroy();
      return;
    }
    splice(conn, pf, target);
  }

  function splice(conn: Conn, pf: PortForwardConnection, target: ConnectionTarget): void {
    const { socket } = conn;
    const { data } = pf;
    conn.data = data;
    data.on('error', () => socket.destroy());
    // A stream that closes before its end was read was reset (session lost, pod gone): the client must not mistake
    // the truncation for a clean end.
    data.once('close', () => {
      if (!data.readableEnded) socket.destroy();
    });
    if (target.worked) data.once('data', target.worked);
    conn.untrack = target.track?.(socket);
    const tap = options.tap?.(target.forwardKey, target.pod);
    if (tap) observe(socket, data, tap);
    let failed = false;
    socket.pipe(data);
    conn.unpipe = pipeBatched(
      data,
      socket,
      target.bulk ? { bytes: BULK_BYTES, reached: target.bulk } : undefined,
    );
    data.once('end', () => {
      const end = (): void => {
        if (!failed && !socket.destroyed) socket.end();
      };
      // A stream still open for writing only half-closed: the client may go on sending. A stream already gone may
      // have been refused or reset; its error text settles a moment later and decides between a reset and an end.
      if (!data.destroyed) end();
      else settled(pf.error, ERROR_SETTLE_MS).then(end, end);
    });
    void pf.error.then((text) => {
      if (!text) return;
      failed = true;
      failure({ forwardKey: target.forwardKey, pod: target.pod, stage: 'stream', message: text });
      if (!socket.destroyed) socket.resetAndDestroy();
    }, noop);
  }

  /** The tap sees every chunk; a tap that throws is cut off rather than breaking the connection. */
  function observe(socket: net.Socket, data: Duplex, tap: ConnectionTap): void {
    let ok = true;
    const guard = (fn: () => void): void => {
      if (!ok) return;
      try {
        fn();
      } catch {
        ok = false;
      }
    };
    socket.on('data', (chunk: Buffer) => guard(() => tap.client(chunk)));
    data.on('data', (chunk: Buffer) => guard(() => tap.server(chunk)));
    socket.once('close', () => guard(() => tap.end()));
  }

  return {
    /** Resolves once listening; a port conflict rejects with PORT_IN_USE (that forward only). Idempotent. */
    start(): Promise<void> {
      starting ??= (async () => {
        if (closing) throw new KubefwdError('SHUTTING_DOWN', `listener ${ip}:${port} is closed`);
        server.listen({ host: ip, port, exclusive: true });
        try {
          await once(server, 'listening');
        } catch (err) {
          throw listenError(ip, port, err);
        }
      })();
      return starting;
    },

    get listening(): boolean {
      return server.listening;
    },

    /** The bound port (useful with port 0). */
    get boundPort(): number | undefined {
      const a = server.address();
      return a && typeof a === 'object' ? a.port : undefined;
    },

    /**
     * While no connection is open: how many connections opened and closed so far (undefined while one is open). As
     * long as it stays the same, `counters()` returns the same bytes: the once-a-second sampler skips reading the
     * idle ones of 10,000 listeners.
     */
    get idleEpoch(): number | undefined {
      return live.size === 0 ? total + closes : undefined;
    },

    counters(): PortCounters {
      let bytesIn = closedIn;
      let bytesOut = closedOut;
      for (const { socket } of live) {
        bytesIn += socket.bytesWritten;
        bytesOut += socket.bytesRead;
      }
      if (bytesIn + bytesOut !== lastSeen) {
        lastSeen = bytesIn + bytesOut;
        lastActive = now();
      }
      return { bytesIn, bytesOut, connectionsActive: live.size, connectionsTotal: total, lastActive };
    },

    /** Stops accepting, ends live connections both ways, destroys what is left after the grace period. Idempotent. */
    close(): Promise<void> {
      closing ??= (async () => {
        await starting?.catch(noop);
        const serverClosed = server.listening
          ? new Promise<void>((resolve) => server.close(() => resolve()))
          : Promise.resolve();
        if (live.size > 0) {
          const allGone = new Promise<void>((resolve) => (drained = resolve));
          for (const { socket, data, abort, unpipe } of live) {
            abort.abort(CLOSED);
            unpipe?.();
            data?.end();
            socket.end();
          }
          let timer: NodeJS.Timeout | undefined;
          const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
          await Promise.race([allGone, grace]);
          clearTimeout(timer);
          // A reset tells a client that never ended its side that the connection was cut, not finished.
          for (const { socket } of live) socket.resetAndDestroy();
          await allGone;
        }
        await serverClosed;
      })();
      return closing;
    },
  };
}

export type PortListener = ReturnType<typeof createPortListener>;
