import type net from 'node:net';
import type { Duplex } from 'node:stream';
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

/** What the listener's owner is told of a connection's bytes and failures. */
export interface ConnectionHooks {
  tap?: ((forwardKey: string, pod: string) => ConnectionTap | undefined) | undefined;
  onFailure?: (failure: ConnectionFailure) => void;
}

/** What the listener does to a connection's pod side: end() sends its FIN, destroy() resets it unless finished. */
export interface PodSide {
  end(): void;
  destroy(): void;
  readonly destroyed: boolean;
}

/** What choosing a connection's target may ask of it. */
export interface TargetRequest {
  /** Aborts when the connection closes before it has a target. */
  readonly signal: AbortSignal;
  /** The client's address. */
  readonly client: string | undefined;
}

/** The reason a connection's waits are aborted with: one shared Error, not a DOMException with a stack per close. */
const CLOSED = new Error('connection closed');

/**
 * One accepted connection, from its accept to its close. Its abort signal and its client's address are made when
 * first asked for: most connections never wait for a pod (an AbortController, and its abort event at every close) and
 * most services have no client-IP affinity (a system call per connection).
 */
export class Conn implements TargetRequest {
  readonly socket: net.Socket;
  /** The pod side, once spliced: a stream of the session, or the session's own splice (socket-splice.ts). */
  data: PodSide | undefined;
  /** Stops copying the pod's bytes to the client. */
  unpipe: (() => void) | undefined;
  /** Ends the connection's count on its endpoint. */
  untrack: (() => void) | undefined;
  #abort: AbortController | undefined;
  #closed = false;

  constructor(socket: net.Socket) {
    this.socket = socket;
  }

  get signal(): AbortSignal {
    if (this.#closed) return AbortSignal.abort(CLOSED);
    return (this.#abort ??= new AbortController()).signal;
  }

  get client(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** The connection is over (or its listener closing): whatever waits for its target stops. */
  abort(): void {
    this.#closed = true;
    this.#abort?.abort(CLOSED);
  }
}

const noop = (): void => undefined;

/**
 * A connection that has carried this much from the pod is a bulk transfer (a download, a stream), not a request:
 * its session then takes no new connections (see PodSessions.bulk). 4 MiB: a few hundred requests' worth, and about
 * what one loopback TCP connection queues.
 */
export const BULK_BYTES = 4 * 1024 * 1024;

/** How long an ended stream's error text may lag behind its end before the client is simply ended. */
export const ERROR_SETTLE_MS = 1000;

export function settled(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p.then(noop, noop), bound]).finally(() => clearTimeout(timer));
}

/** The tap's calls, each skipped for good once one has thrown: a tap that throws never breaks the connection. */
export function guardedTap(tap: ConnectionTap): ConnectionTap {
  let ok = true;
  const guarded =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      if (!ok) return;
      try {
        fn(...args);
      } catch {
        ok = false;
      }
    };
  return {
    client: guarded((chunk: Buffer) => tap.client(chunk)),
    server: guarded((chunk: Buffer) => tap.server(chunk)),
    end: guarded(() => tap.end()),
  };
}

/** The tap sees every chunk. */
function observe(socket: net.Socket, data: Duplex, tap: ConnectionTap): void {
  const seen = guardedTap(tap);
  socket.on('data', (chunk: Buffer) => seen.client(chunk));
  data.on('data', (chunk: Buffer) => seen.server(chunk));
  socket.once('close', () => seen.end());
}

/** Reports the pod side's error text, when there is one, and resets the client. */
export function onErrorText(
  error: Promise<string | null>,
  socket: net.Socket,
  target: ConnectionTarget,
  hooks: ConnectionHooks,
  fail: () => void,
): void {
  void error.then((text) => {
    if (!text) return;
    fail();
    hooks.onFailure?.({ forwardKey: target.forwardKey, pod: target.pod, stage: 'stream', message: text });
    if (!socket.destroyed) socket.resetAndDestroy();
  }, noop);
}

/**
 * Splices an accepted connection to a stream of the pod's session: the pod's bytes flow back in batches, the end of
 * either side half-closes the other, and the pod side's error text resets the client.
 */
export function spliceConnection(
  conn: Conn,
  pf: PortForwardConnection,
  target: ConnectionTarget,
  hooks: ConnectionHooks,
): void {
  const { socket } = conn;
  const { data } = pf;
  conn.data = data;
  // A reset, not a plain close: a FIN would end a body delimited by the connection's end as if it were complete.
  const cut = (): void => {
    if (!socket.destroyed) socket.resetAndDestroy();
  };
  data.on('error', cut);
  // A stream that closes before its end was read was reset (session lost, pod gone): the client must not mistake
  // the truncation for a clean end.
  data.once('close', () => {
    if (!data.readableEnded) cut();
  });
  if (target.worked) data.once('data', target.worked);
  conn.untrack = target.track?.(socket);
  const tap = hooks.tap?.(target.forwardKey, target.pod);
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
  onErrorText(pf.error, socket, target, hooks, () => (failed = true));
}
