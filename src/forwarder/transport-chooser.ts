import type { PortForwardProtocol } from '../portforward/types.ts';
import { PortForwardDialError } from '../portforward/types.ts';

/**
 * Which protocol each context speaks: the SPDY tunnel in WebSockets where the server is 1.31 or newer, plain SPDY
 * otherwise or after the tunnel upgrade is refused, legacy v4 WebSockets last. The choice is remembered per context.
 */
export function createTransportChooser() {
  const chosen = new Map<string, PortForwardProtocol[]>();
  const order = (minor: number): PortForwardProtocol[] =>
    minor >= 31 ? ['websocket-tunnel', 'spdy', 'websocket-v4'] : ['spdy', 'websocket-v4'];
  return {
    candidates(context: string, serverMinor: number): PortForwardProtocol[] {
      let list = chosen.get(context);
      if (!list) chosen.set(context, (list = order(serverMinor)));
      return list;
    },
    /** Runs `attempt` over the candidates; an upgrade refusal moves on and is remembered. */
    async dial<T>(
      context: string,
      serverMinor: number,
      attempt: (p: PortForwardProtocol) => Promise<T>,
    ): Promise<T> {
      const list = this.candidates(context, serverMinor);
      for (;;) {
        const protocol = list[0] as PortForwardProtocol;
        try {
          return await attempt(protocol);
        } catch (err) {
          if (err instanceof PortForwardDialError && err.kind === 'upgrade-refused' && list.length > 1) {
            list.shift();
            continue;
          }
          throw err;
        }
      }
    },
    current(context: string): PortForwardProtocol | undefined {
      return chosen.get(context)?.[0];
    },
    all: (): Record<string, PortForwardProtocol | undefined> =>
      Object.fromEntries([...chosen].map(([c, l]) => [c, l[0]])),
  };
}

export type TransportChooser = ReturnType<typeof createTransportChooser>;
