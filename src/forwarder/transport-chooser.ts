import type { Logger } from '../log/logger.ts';
import type { PortForwardProtocol } from '../portforward/types.ts';
import { PortForwardDialError } from '../portforward/types.ts';

/** The order a client tries protocols in; the legacy one cannot multiplex, so it comes last. */
const ALL: readonly PortForwardProtocol[] = ['websocket-tunnel', 'spdy', 'websocket-v4'];

/** API servers from this minor on accept the SPDY tunnel in WebSockets by default (KEP-4006). */
export const TUNNEL_MIN_MINOR = 31;

export interface TransportChooser {
  /** The protocol the next dial to `context` uses. */
  current(context: string, serverMinor: number): PortForwardProtocol;
  /**
   * Runs `attempt` with the context's protocol; when the upgrade is refused, moves to the next protocol, remembers
   * that for the context and tries again. Any other failure is the caller's.
   */
  dial<T>(context: string, serverMinor: number, attempt: (p: PortForwardProtocol) => Promise<T>): Promise<T>;
  /** The protocol each context dialled so far uses (diagnostics). */
  all(): Record<string, PortForwardProtocol>;
}

/**
 * Which port-forward protocol each context speaks: the SPDY tunnel where the server is 1.31 or newer (what kubectl
 * does), plain SPDY otherwise or once the tunnel upgrade was refused (an older server, a proxy that strips it), the
 * legacy v4 WebSocket channels last. A refusal is remembered, so later dials do not pay for it again.
 */
export function createTransportChooser(options: { log?: Logger } = {}): TransportChooser {
  const chosen = new Map<string, PortForwardProtocol>();

  const current = (context: string, serverMinor: number): PortForwardProtocol => {
    let p = chosen.get(context);
    if (!p) {
      p = serverMinor >= TUNNEL_MIN_MINOR ? 'websocket-tunnel' : 'spdy';
      chosen.set(context, p);
    }
    return p;
  };

  /**
   * Moves past `refused` only if it is still the context's choice: two dials refused at once must not skip a
   * protocol between them.
   */
  const refuse = (context: string, refused: PortForwardProtocol): PortForwardProtocol | undefined => {
    const now = chosen.get(context);
    if (now !== refused) return now;
    const next = ALL[ALL.indexOf(refused) + 1];
    if (next) {
      chosen.set(context, next);
      options.log?.info(
        { context, refused, next },
        `port-forward protocol ${refused} refused, using ${next}`,
      );
    }
    return next;
  };

  return {
    current,
    async dial(context, serverMinor, attempt) {
      let protocol = current(context, serverMinor);
      for (;;) {
        try {
          return await attempt(protocol);
        } catch (err) {
          if (!(err instanceof PortForwardDialError) || err.kind !== 'upgrade-refused') throw err;
          const next = refuse(context, protocol);
          if (!next || ALL.indexOf(next) <= ALL.indexOf(protocol)) throw err;
          protocol = next;
        }
      }
    },
    all: () => Object.fromEntries(chosen),
  };
}
