import type { Socket } from 'node:net';
import type { ErrorSink, SpdySession } from './spdy/session.ts';
import type { PortForwardConnection, PortForwardSession, SpliceHooks, SplicedConnection } from './types.ts';

export interface SpdyClientOptions {
  protocol: 'spdy' | 'websocket-tunnel';
  /** 0 disables keep-alive PINGs. */
  pingIntervalMs: number;
  /** A PING without answer within this bound means the peer is dead: the session is destroyed. */
  pingTimeoutMs: number;
}

/** How long the error stream may outlive its data stream before it is reset. */
const ERROR_STREAM_GRACE_MS = 1000;

/**
 * Called when a connection's data stream is over. The server ends the error stream once the forward is over (the
 * kubelet closes it after the copy), which frees it on both sides; it is reset only if that does not come soon, so no
 * stream outlives its connection for long (client-go's RemoveStreams; kubernetes#112032) and an orderly close costs
 * no RST_STREAM.
 */
function errorGrace(errorSink: ErrorSink): void {
  if (!errorSink.open) return;
  const timer = setTimeout(() => errorSink.cancel(), ERROR_STREAM_GRACE_MS);
  timer.unref();
  void errorSink.text.then(() => clearTimeout(timer));
}

/** Port-forward over a SPDY session (direct or tunnelled): one error and one data stream per connection. */
export class SpdyPortForwardSession implements PortForwardSession {
  readonly protocol: 'spdy' | 'websocket-tunnel';
  readonly closed: Promise<void>;
  #session: SpdySession;
  #requestId = 0;
  #pinger: NodeJS.Timeout | undefined;

  constructor(session: SpdySession, options: SpdyClientOptions) {
    this.#session = session;
    this.protocol = options.protocol;
    this.closed = session.closed;
    if (options.pingIntervalMs > 0) {
      this.#pinger = setInterval(() => {
        session.ping(options.pingTimeoutMs).catch((err: unknown) => {
          if (!session.isClosed)
            session.destroy(new Error('port-forward peer did not answer PING', { cause: err }));
        });
      }, options.pingIntervalMs);
      this.#pinger.unref();
    }
    void session.closed.then(() => clearInterval(this.#pinger));
  }

  get isClosed(): boolean {
    return this.#session.isClosed || this.#session.goawayReceived;
  }

  /** Why the session ended, when it did not end in order. */
  get closeError(): Error | null {
    return this.#session.closeError;
  }

  get streamCount(): number {
    return this.#session.streamCount;
  }

  /** RST_STREAM frames sent on this session. */
  get resetsSent(): number {
    return this.#session.resetsSent;
  }

  open(port: number): PortForwardConnection {
    const session = this.#session;
    const [errorSink, data] = session.batch(() => {
      const base = this.#base(port);
      return [
        session.openErrorSink({ streamType: 'error', ...base }),
        session.openStream({ streamType: 'data', ...base }),
      ] as const;
    });
    data.once('close', () => errorGrace(errorSink));
    return { data, error: errorSink.text };
  }

  splice(port: number, socket: Socket, hooks: SpliceHooks): SplicedConnection {
    const session = this.#session;
    const { fromPod, fromClient, reset } = hooks;
    const [errorSink, pod] = session.batch(() => {
      const base = this.#base(port);
      const sink = session.openErrorSink({ streamType: 'error', ...base });
      const stream = session.spliceStream({ streamType: 'data', ...base }, socket, {
        fromPeer: fromPod,
        fromSocket: fromClient,
        reset,
        done: () => errorGrace(sink),
      });
      return [sink, stream] as const;
    });
    return { pod, error: errorSink.text };
  }

  /**
   * The headers both streams of a connection carry. Both SYN_STREAMs leave in one write and data may follow at once:
   * frames are ordered, the server pairs the streams by requestID, so there is no round trip to wait for.
   */
  #base(port: number): { port: string; requestID: string } {
    return { port: String(port), requestID: String(++this.#requestId) };
  }

  ping(): Promise<number> {
    return this.#session.ping();
  }

  close(): Promise<void> {
    return this.#session.close();
  }

  destroy(err?: Error): void {
    clearInterval(this.#pinger);
    this.#session.destroy(err);
  }
}
