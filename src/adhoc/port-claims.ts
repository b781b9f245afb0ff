import { KubefwdError } from '../errors.ts';
import type { AdhocForward } from './adhoc-forward.ts';
import { freePort, overlaps } from './local-address.ts';
import { formatTarget } from './target-spec.ts';

const ANY_PORT_ATTEMPTS = 3;

export interface PortClaimsOptions {
  /** The forwards that hold their ports now. */
  forwards: () => Iterable<AdhocForward>;
  /** Names another owner of (address, port) in this process, e.g. a service forward. */
  holder?: ((address: string, port: number) => string | undefined) | undefined;
  /** Names the process holding (address, port) (from /proc on Linux). */
  findHolder: (address: string, port: number) => Promise<string | undefined>;
}

/**
 * Who holds which local port, and binding a new forward's port: a taken one is refused naming its holder, a port
 * chosen by the system (0) is tried again when another program took it between the choice and the bind.
 */
export function createPortClaims(options: PortClaimsOptions) {
  /** (address, port) pairs being bound right now, so two requests for one port do not race. */
  const binding = new Map<string, string>();

  /** Who holds (address, port) among our own listeners, as a phrase; undefined when none does. */
  function ownHolder(address: string, port: number): string | undefined {
    for (const f of options.forwards()) {
      if (f.snapshot().localPort === port && overlaps(f.spec.address, address))
        return `port-forward ${f.spec.id} (${formatTarget(f.spec.target)} in ${f.spec.namespace}.${f.spec.context})`;
    }
    for (const [key, id] of binding)
      if (key === `${address}:${port}`) return `port-forward ${id}, being created`;
    return options.holder?.(address, port);
  }

  async function inUse(address: string, port: number, cause?: unknown): Promise<KubefwdError> {
    const who = ownHolder(address, port) ?? (await options.findHolder(address, port).catch(() => undefined));
    return new KubefwdError(
      'PORT_IN_USE',
      `${address}:${port} is already in use${who ? ` by ${who}` : ' by another program'}`,
      { cause },
    );
  }

  async function bind(
    make: (port: number) => AdhocForward,
    address: string,
    port: number,
  ): Promise<AdhocForward> {
    for (let attempt = 1; ; attempt++) {
      const local = port === 0 ? await freePort(address) : port;
      const key = `${address}:${local}`;
      const f = make(local);
      binding.set(key, f.spec.id);
      try {
        await f.start();
        return f;
      } catch (err) {
        binding.delete(key);
        await f.close();
        const taken = err instanceof KubefwdError && err.code === 'PORT_IN_USE';
        if (taken && port === 0 && attempt < ANY_PORT_ATTEMPTS) continue;
        throw taken ? await inUse(address, local, err) : err;
      } finally {
        binding.delete(key);
      }
    }
  }

  return { holderOf: ownHolder, inUse, bind };
}
