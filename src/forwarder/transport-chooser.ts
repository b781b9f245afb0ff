import type { Logger } from '../log/logger.ts';
import type { PortForwardProtocol } from '../portforward/types.ts';
import { PortForwardDialError } from '../portforward/types.ts';

/** What `--port-forward-protocol` accepts: one protocol only, or `auto` (each in turn until one is accepted). */
export type ProtocolPreference = 'auto' | PortForwardProtocol;
export const PROTOCOL_PREFERENCES: readonly ProtocolPreference[] = [
  'auto',
  'spdy',
  'websocket-tunnel',
  'websocket-v4',
];

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
 * The protocols a context is tried with, in order. `auto` starts with plain SPDY, as the original kubefwd and every
 * kubectl before 1.31: the API server relays its bytes to the kubelet untouched, where the WebSocket tunnel costs a
 * framing and masking layer on both ends (about a tenth of the daemon CPU per uploaded GB). The tunnel follows where
 * the server has it (a proxy that passes WebSockets but not SPDY), the legacy channels last: they cannot multiplex.
 */
export function protocolOrder(preference: ProtocolPreference, serverMinor: number): PortForwardProtocol[] {
  if (preference !== 'auto') return [preference];
  return serverMinor >= TUNNEL_MIN_MINOR
    ? ['spdy', 'websocket-tunnel', 'websocket-v4']
    : ['spdy', 'websocket-v4'];
}

/**
 * Which port-forward protocol each context speaks. A refused upgrade moves the context to the next protocol of its
 * order and is remembered, so later dials do not pay for it again.
 */
export function createTransportChooser(
  options: { log?: Logger; preference?: ProtocolPreference } = {},
): TransportChooser {
  const preference = options.preference ?? 'auto';
  /** A context's protocol order and how far refusals moved it along. */
  type Choice = { order: PortForwardProtocol[]; at: number };
  const chosen = new Map<string, Choice>();

  const entry = (context: string, serverMinor: number): Choice => {
    let e = chosen.get(context);
    if (!e) {
      e = { order: protocolOrder(preference, serverMinor), at: 0 };
      chosen.set(context, e);
    }
    return e;
  };
  const protocolOf = (e: Choice): PortForwardProtocol => e.order[e.at] as PortForwardProtocol;

  /**
   * Moves past `refused` only if it is still the context's choice: two dials refused at once must not skip a
   * protocol between them. Returns the protocol to try next, or undefined when none is left.
   */
  const refuse = (context: string, refused: PortForwardProtocol): PortForwardProtocol | undefined => {
    const e = chosen.get(context);
    if (!e) return undefined;
    if (protocolOf(e) !== refused) return protocolOf(e);
    if (e.at + 1 >= e.order.length) return undefined;
    e.at++;
    const next = protocolOf(e);
    options.log?.info({ context, refused, next }, `port-forward protocol ${refused} refused, using ${next}`);
    return next;
  };

  return {
    current: (context, serverMinor) => protocolOf(entry(context, serverMinor)),
    async dial(context, serverMinor, attempt) {
      const e = entry(context, serverMinor);
      let protocol = protocolOf(e);
      for (;;) {
        try {
          return await attempt(protocol);
        } catch (err) {
          if (!(err instanceof PortForwardDialError) || err.kind !== 'upgrade-refused') throw err;
          // The order only moves forward, so `next` is always one this dial has not tried.
          const next = refuse(context, protocol);
          if (!next) throw err;
          protocol = next;
        }
      }
    },
    all: () => Object.fromEntries([...chosen].map(([context, e]) => [context, protocolOf(e)])),
  };
}
