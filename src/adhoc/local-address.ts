import net from 'node:net';
import { KubefwdError } from '../errors.ts';

const isLoopback = (ip: string): boolean => (net.isIPv4(ip) ? ip.startsWith('127.') : ip === '::1');
const wildcard = (ip: string): boolean => ip === '0.0.0.0' || ip === '::';

/** Two listeners on these addresses would want the same port: the same address, or a wildcard on either side. */
export const overlaps = (a: string, b: string): boolean => a === b || wildcard(a) || wildcard(b);

/** The address a forward binds: 127.0.0.1 by default, `localhost` is 127.0.0.1, non-loopback only when allowed. */
export function normalizeAddress(address: string | undefined, allowed: readonly string[]): string {
  const ip = address === undefined || address === '' || address === 'localhost' ? '127.0.0.1' : address;
  if (!net.isIP(ip))
    throw new KubefwdError('BAD_REQUEST', `invalid address "${ip.slice(0, 64)}": expected an IP`);
  if (!isLoopback(ip) && !allowed.includes(ip))
    throw new KubefwdError(
      'FORBIDDEN',
      `address ${ip} is not a loopback address: start kubefwd with --allow-forward-address ${ip} to allow it`,
    );
  return ip;
}

/** A port free on `address` right now; the bind that follows retries if another program takes it first. */
export async function freePort(address: string): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host: address, port: 0, exclusive: true }, resolve);
  });
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}
