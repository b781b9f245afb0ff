/**
 * Loopback IPs for forwarded services, in the original's scheme: base 127.1.27.1, the context index added to the 2nd
 * octet, the namespace index to the 3rd, one 4th-octet step per service. Unlike the original, an IP belongs to the
 * service (and to the pod only for headless per-pod names), so it survives pod replacement, is remembered across
 * restarts in a state file, is released when the service goes, and never ends in .0 or .255 or falls back to 127.0.0.1.
 *
 * Overflow: when a namespace's block (127.C.N.1–254) is full, allocation continues in the highest 3rd-octet block
 * that is not the home block of any namespace index seen so far (127.C.255.x, then 127.C.254.x, …). Namespace indexes
 * are handed out from 0 upwards, so these blocks are the last any namespace would own; if one later does, its
 * services simply skip the addresses already taken. Only when every block of the context's 2nd octet (from the base
 * 3rd octet up) is full does allocation fail with IP_EXHAUSTED.
 */
import { KubefwdError, describeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { isLoopbackV4, reservationNames, type Reservation } from './ip-config.ts';
import { loadIpState, saveIpState } from './ip-state.ts';

export {
  mergeReservations,
  parseFwdConf,
  parseFwdConfText,
  parseReservations,
  type FwdConf,
  type Reservation,
} from './ip-config.ts';

export interface ServiceIpKey {
  context: string;
  namespace: string;
  service: string;
  /** Only for a headless service's per-pod forward. */
  pod?: string | undefined;
}
/** @deprecated the name the daemon used first; same shape. */
export type IpKey = ServiceIpKey;

export interface IpSlot {
  contextIndex: number;
  namespaceIndex: number;
}

export interface IpAllocation {
  key: string;
  ip: string;
  /** The reservation (from -r or -z) this IP honours, if any. */
  reservation: string | undefined;
}

export interface IpAllocatorOptions {
  /** Where assignments are remembered across restarts; none means in memory only. */
  statePath?: string | undefined;
  reservations?: readonly Reservation[];
  /** `baseUnreservedIP` of a -z file; 127.1.27.1 by default. */
  base?: string | undefined;
  /** Addresses never handed out (the API's 127.2.27.1). */
  reserved?: readonly string[];
  clusterDomain?: string;
  log?: Logger;
  /** Saves are coalesced: a burst of allocations is one write. */
  persistDelayMs?: number;
  /** Remembered keys of services that are gone are kept up to this many (oldest dropped first). */
  maxRemembered?: number;
}

export const DEFAULT_BASE_IP = '127.1.27.1';

export const keyString = (k: ServiceIpKey): string =>
  `${k.pod ? `${k.pod}.` : ''}${k.service}.${k.namespace}.${k.context}`;

const NO_NAMES: readonly string[] = [];

export function createIpAllocator(options: IpAllocatorOptions) {
  const base = (options.base ?? DEFAULT_BASE_IP).split('.').map(Number) as [number, number, number, number];
  if (!isLoopbackV4(options.base ?? DEFAULT_BASE_IP))
    throw new KubefwdError('CONFIG_INVALID', `base IP ${options.base} is not a 127.x.y.z address`);
  const log = options.log;
  // 1 s: at 10,000 services a start rewrote (and fsynced) the growing file every 200 ms, ~50 times.
  const persistDelayMs = options.persistDelayMs ?? 1000;
  const maxRemembered = options.maxRemembered ?? 4096;
  const reservations = options.reservations ?? [];
  const byReservedIp = new Map<string, Reservation>();
  for (const r of reservations) {
    const other = byReservedIp.get(r.ip);
    if (other && other.name !== r.name)
      throw new KubefwdError('CONFIG_INVALID', `IP ${r.ip} is reserved for both ${other.name} and ${r.name}`);
    byReservedIp.set(r.ip, r);
  }
  const blocked = new Set(['127.0.0.1', ...(options.reserved ?? [])]);
  for (const ip of options.reserved ?? [])
    if (byReservedIp.has(ip))
      throw new KubefwdError('CONFIG_INVALID', `IP ${ip} is used by kubefwd itself and cannot be reserved`);

  const active = new Map<string, string>();
  const byIp = new Map<string, string>();
  const reservationOf = new Map<string, string>();
  /** key → IP of services seen before (this run or earlier runs); kept in insertion order, oldest first. */
  let remembered = new Map<string, string>();
  let rememberedIps = new Map<string, string>();
  const homeThirds = new Set<number>();
  /** Live allocations per `second.third` block. */
  const perBlock = new Map<string, number>();
  /**
   * Per `second.third` block, the lowest 4th octet that may be free: every one below it is taken. Candidates start
   * there, so the 100th service of a namespace does not test the 99 addresses before it (10,000 services spent
   * ~0.7 s of their start in those tests).
   */
  const lowestFree = new Map<string, number>();
  /** `b.c` of `a.b.c.d`. */
  const blockOf = (ip: string): string => ip.slice(ip.indexOf('.') + 1, ip.lastIndexOf('.'));
  const fourthOf = (ip: string): number => Number(ip.slice(ip.lastIndexOf('.') + 1));
  let persistTimer: NodeJS.Timeout | undefined;
  let started = false;

  function remember(key: string, ip: string): void {
    const prevIp = remembered.get(key);
    if (prevIp !== undefined && rememberedIps.get(prevIp) === key) rememberedIps.delete(prevIp);
    const prevKey = rememberedIps.get(ip);
    if (prevKey !== undefined) remembered.delete(prevKey);
    remembered.delete(key);
    remembered.set(key, ip);
    rememberedIps.set(ip, key);
    while (remembered.size > maxRemembered) {
      const [oldest] = remembered.keys();
      if (oldest === undefined || active.has(oldest)) break;
      rememberedIps.delete(remembered.get(oldest) ?? '');
      remembered.delete(oldest);
    }
  }

  function save(): void {
    clearTimeout(persistTimer);
    persistTimer = undefined;
    if (!options.statePath) return;
    try {
      saveIpState(options.statePath, remembered);
    } catch (err) {
      log?.warn({ path: options.statePath, err: describeError(err) }, 'cannot save IP assignments');
    }
  }

  function persist(): void {
    if (!options.statePath || persistTimer) return;
    persistTimer = setTimeout(save, persistDelayMs);
    persistTimer.unref();
  }

  /** May `key` (allowed the reservation names `names`) take `ip`? `strict` also keeps others' remembered IPs. */
  function usable(ip: string, key: string, names: readonly string[], strict: boolean): boolean {
    const last = fourthOf(ip);
    if (last === 0 || last === 255 || blocked.has(ip)) return false;
    const r = byReservedIp.get(ip);
    if (r && !names.includes(r.name)) return false;
    const owner = byIp.get(ip);
    if (owner !== undefined && owner !== key) return false;
    if (strict) {
      const memo = rememberedIps.get(ip);
      if (memo !== undefined && memo !== key && !r) return false;
    }
    return true;
  }

  /**
   * The first address `accept` takes, in allocation order: the namespace's home block from `base`'s 4th octet, then
   * the blocks of no namespace from the top down, then (last resort) other namespaces' blocks, highest first. A plain
   * loop rather than a generator: 10,000 allocations at start spent ~90 ms of CPU in generator objects.
   */
  function firstAccepted(slot: IpSlot, accept: (ip: string) => boolean): string | undefined {
    const second = base[1] + slot.contextIndex;
    const home = base[2] + slot.namespaceIndex;
    const inBlock = (third: number, from: number): string | undefined => {
      const block = `${second}.${third}`;
      // A full block is skipped without looking at its 254 addresses: keeps thousands of allocations linear.
      if ((perBlock.get(block) ?? 0) >= 254) return undefined;
      const prefix = `${base[0]}.${block}.`;
      const low = lowestFree.get(block) ?? 1;
      for (let fourth = Math.max(from, low); fourth <= 254; fourth++)
        if (accept(prefix + fourth)) return prefix + fourth;
      for (let fourth = low; fourth < from; fourth++) if (accept(prefix + fourth)) return prefix + fourth;
      return undefined;
    };
    let found = home <= 255 ? inBlock(home, Math.max(base[3], 1)) : undefined;
    for (let third = 255; found === undefined && third >= base[2]; third--)
      if (third !== home && !homeThirds.has(third)) found = inBlock(third, 1);
    for (let third = 255; found === undefined && third >= base[2]; third--)
      if (third !== home && homeThirds.has(third)) found = inBlock(third, 1);
    return found;
  }

  function take(k: string, ip: string, reservation: string | undefined): string {
    active.set(k, ip);
    byIp.set(ip, k);
    const b = blockOf(ip);
    perBlock.set(b, (perBlock.get(b) ?? 0) + 1);
    let low = lowestFree.get(b) ?? 1;
    if (fourthOf(ip) === low) {
      const prefix = ip.slice(0, ip.lastIndexOf('.') + 1);
      while (low <= 254 && byIp.has(`${prefix}${low}`)) low++;
      lowestFree.set(b, low);
    }
    if (reservation) reservationOf.set(k, reservation);
    remember(k, ip);
    persist();
    return ip;
  }

  return {
    /** Loads what earlier runs remembered. The work is done before the first await, so a caller may not wait. */
    async start(): Promise<void> {
      if (started) return;
      started = true;
      if (!options.statePath) return;
      const loaded = loadIpState(options.statePath, log);
      remembered = new Map();
      rememberedIps = new Map();
      for (const [k, ip] of loaded) remember(k, ip);
      for (const [k, ip] of active) remember(k, ip);
      await Promise.resolve();
    },

    /** The IP of `key`, the same one for as long as the key is allocated and, through the state file, afterwards. */
    allocate(key: ServiceIpKey, slot: IpSlot): string {
      if (
        !Number.isInteger(slot.contextIndex) ||
        !Number.isInteger(slot.namespaceIndex) ||
        slot.contextIndex < 0 ||
        slot.namespaceIndex < 0
      )
        throw new KubefwdError('BAD_REQUEST', `invalid IP slot ${JSON.stringify(slot)}`);
      const k = keyString(key);
      const existing = active.get(k);
      if (existing) return existing;
      const second = base[1] + slot.contextIndex;
      if (second > 255)
        throw new KubefwdError(
          'IP_EXHAUSTED',
          `no loopback IP left for ${k}: context index ${slot.contextIndex} is past 127.255.x.x`,
        );
      if (base[2] + slot.namespaceIndex <= 255) homeThirds.add(base[2] + slot.namespaceIndex);

      // The names only matter to reservations (usable() reads them for reserved IPs only).
      const names = reservations.length > 0 ? reservationNames(key, slot, options.clusterDomain) : NO_NAMES;
      const reservation = reservations.find((r) => names.includes(r.name));
      if (reservation) {
        if (usable(reservation.ip, k, names, false)) return take(k, reservation.ip, reservation.name);
        log?.warn(
          { key: k, ip: reservation.ip, holder: byIp.get(reservation.ip) },
          `reserved IP ${reservation.ip} for ${reservation.name} is held by another forward; allocating another`,
        );
      }
      const prior = remembered.get(k);
      if (prior && usable(prior, k, names, false)) return take(k, prior, undefined);
      const ip =
        firstAccepted(slot, (c) => usable(c, k, names, true)) ??
        firstAccepted(slot, (c) => usable(c, k, names, false));
      if (ip !== undefined) {
        const memo = rememberedIps.get(ip);
        if (memo !== undefined && memo !== k) {
          log?.info(
            { key: k, ip, previous: memo },
            `reusing ${ip}, remembered for ${memo} which is not forwarded`,
          );
        }
        return take(k, ip, undefined);
      }
      throw new KubefwdError(
        'IP_EXHAUSTED',
        `no loopback IP left for ${k} in 127.${second}.${base[2]}-255.x (context ${slot.contextIndex}, namespace ${slot.namespaceIndex})`,
      );
    },

    /** Frees the IP for others; the key keeps its claim in memory so it gets the same IP back if it returns. */
    release(key: ServiceIpKey): void {
      const k = keyString(key);
      const ip = active.get(k);
      if (ip === undefined) return;
      active.delete(k);
      byIp.delete(ip);
      const b = blockOf(ip);
      perBlock.set(b, (perBlock.get(b) ?? 1) - 1);
      lowestFree.set(b, Math.min(lowestFree.get(b) ?? 1, fourthOf(ip)));
      reservationOf.delete(k);
      persist();
    },

    lookup: (key: ServiceIpKey): string | undefined => active.get(keyString(key)),

    list: (): IpAllocation[] =>
      [...active].map(([key, ip]) => ({ key, ip, reservation: reservationOf.get(key) })),

    /** Writes the state file now (idempotent). */
    async close(): Promise<void> {
      save();
      await Promise.resolve();
    },
  };
}

export type IpAllocator = ReturnType<typeof createIpAllocator>;
