import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';
import { KubefwdError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';

export interface IpKey {
  context: string;
  namespace: string;
  service: string;
  pod?: string | undefined;
}

export interface IpSlot {
  contextIndex: number;
  namespaceIndex: number;
}

export interface Reservation {
  /** Matched against `svc`, `svc.ns`, `svc.ns.ctx` (and `pod.svc…` for headless pods). */
  name: string;
  ip: string;
}

export const keyString = (k: IpKey): string =>
  `${k.pod ? `${k.pod}.` : ''}${k.service}.${k.namespace}.${k.context}`;

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

export function isLoopbackV4(ip: string): boolean {
  const parts = ip.split('.');
  return (
    parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255) && parts[0] === '127'
  );
}

/** Parses `-r NAME:IP` entries; invalid ones are errors (the original skipped them with a warning). */
export function parseReservations(entries: readonly string[]): Reservation[] {
  return entries.map((e) => {
    const i = e.indexOf(':');
    const name = e.slice(0, i).trim().toLowerCase();
    const ip = e.slice(i + 1).trim();
    if (i <= 0 || !name || !isLoopbackV4(ip))
      throw new KubefwdError('CONFIG_INVALID', `invalid --reserve "${e}": expected NAME:127.x.y.z`);
    return { name, ip };
  });
}

/** Reads the original's `-z` YAML: `baseUnreservedIP` and `serviceConfigurations: [{name, ip}]`. */
export function parseFwdConf(path: string): { base: string | undefined; reservations: Reservation[] } {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KubefwdError(
      'CONFIG_INVALID',
      `cannot read --fwd-conf ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const d = (doc ?? {}) as { baseUnreservedIP?: unknown; serviceConfigurations?: unknown };
  const base =
    d.baseUnreservedIP === undefined
      ? undefined
      : typeof d.baseUnreservedIP === 'string'
        ? d.baseUnreservedIP
        : JSON.stringify(d.baseUnreservedIP);
  if (base !== undefined && !isLoopbackV4(base))
    throw new KubefwdError(
      'CONFIG_INVALID',
      `--fwd-conf: baseUnreservedIP ${base} is not a 127.x.y.z address`,
    );
  const list = d.serviceConfigurations ?? [];
  if (!Array.isArray(list))
    throw new KubefwdError('CONFIG_INVALID', '--fwd-conf: serviceConfigurations must be a list');
  const reservations = list.map((entry: unknown, i) => {
    const e = entry as { name?: unknown; ip?: unknown };
    if (typeof e?.name !== 'string' || typeof e.ip !== 'string' || !isLoopbackV4(e.ip)) {
      throw new KubefwdError(
        'CONFIG_INVALID',
        `--fwd-conf: serviceConfigurations[${i}] needs a name and a 127.x.y.z ip`,
      );
    }
    return { name: e.name.toLowerCase(), ip: e.ip };
  });
  return { base, reservations };
}

/**
 * The original's scheme (base 127.1.27.1; +context index on the 2nd octet, +namespace index on the 3rd, one 4th-octet
 * step per service), but keyed by service so an IP survives pod replacement and daemon restarts (state file), freed
 * when the service goes, never .0/.255. A block that fills up continues in blocks 64 namespace indexes further on
 * (127.1.27.x → 127.1.91.x → …), which no namespace index reaches before 64 namespaces.
 */
export function createIpAllocator(options: {
  statePath?: string | undefined;
  reservations?: Reservation[];
  base?: string | undefined;
  reserved?: string[];
  log?: Logger;
}) {
  const base = (options.base ?? '127.1.27.1').split('.').map(Number) as [number, number, number, number];
  const reservations = options.reservations ?? [];
  const reservedIps = new Set([...reservations.map((r) => r.ip), ...(options.reserved ?? []), '127.0.0.1']);
  const byKey = new Map<string, string>();
  const byIp = new Map<string, string>();
  let remembered: Record<string, string> = {};
  let rememberedIps = new Set<string>();
  let persistTimer: NodeJS.Timeout | undefined;

  const seen = new Set<string>();
  for (const r of reservations) {
    if (seen.has(r.ip)) throw new KubefwdError('CONFIG_INVALID', `IP ${r.ip} is reserved twice`);
    seen.add(r.ip);
  }

  function reservationFor(key: IpKey): string | undefined {
    const s = key.pod ? `${key.pod}.${key.service}` : key.service;
    const names = [s, `${s}.${key.namespace}`, `${s}.${key.namespace}.${key.context}`];
    return reservations.find((r) => names.includes(r.name))?.ip;
  }

  /** Coalesces saves: a burst of allocations is one write. */
  function persist(): void {
    if (!options.statePath || persistTimer) return;
    persistTimer = setTimeout(save, 200);
    persistTimer.unref();
  }

  function save(): void {
    clearTimeout(persistTimer);
    persistTimer = undefined;
    if (!options.statePath) return;
    try {
      mkdirSync(dirname(options.statePath), { recursive: true });
      const tmp = `${options.statePath}.${process.pid}.tmp`;
      writeFileSync(
        tmp,
        JSON.stringify({ version: 1, ips: { ...remembered, ...Object.fromEntries(byKey) } }, null, 1),
      );
      renameSync(tmp, options.statePath);
    } catch (err) {
      options.log?.warn({ err: String(err) }, 'cannot save IP assignments');
    }
  }

  function usable(ip: string, key: string): boolean {
    const last = Number(ip.split('.')[3]);
    if (last === 0 || last === 255) return false;
    if (reservedIps.has(ip) && reservationFor(parseKey(key)) !== ip) return false;
    const owner = byIp.get(ip);
    return owner === undefined || owner === key;
  }

  const keys = new Map<string, IpKey>();
  const parseKey = (k: string): IpKey => keys.get(k) as IpKey;

  return {
    start(): void {
      if (!options.statePath) return;
      try {
        const doc = JSON.parse(readFileSync(options.statePath, 'utf8')) as { ips?: Record<string, string> };
        remembered = Object.fromEntries(
          Object.entries(doc.ips ?? {}).filter(([, ip]) => typeof ip === 'string' && isLoopbackV4(ip)),
        );
      } catch {
        remembered = {};
      }
      rememberedIps = new Set(Object.values(remembered));
    },
    allocate(key: IpKey, slot: IpSlot): string {
      const k = keyString(key);
      keys.set(k, key);
      const existing = byKey.get(k);
      if (existing) return existing;
      const candidates: string[] = [];
      const reserved = reservationFor(key);
      if (reserved) candidates.push(reserved);
      const prior = remembered[k];
      if (prior) candidates.push(prior);
      let ip = candidates.find((c) => usable(c, k));
      if (!ip) {
        const second = base[1] + slot.contextIndex;
        for (let block = 0; !ip && block < 4; block++) {
          const third = base[2] + slot.namespaceIndex + block * 64;
          if (second > 255 || third > 255) break;
          for (let fourth = block === 0 ? base[3] : 1; fourth <= 254; fourth++) {
            const candidate = `${base[0]}.${second}.${third}.${fourth}`;
            if (usable(candidate, k) && !rememberedIps.has(candidate)) {
              ip = candidate;
              break;
            }
          }
        }
        // Remembered addresses of services not present now are only borrowed when nothing else is left.
        ip ??= [...rememberedIps].find(
          (c) => usable(c, k) && toInt(c) >= toInt(`${base[0]}.${base[1] + slot.contextIndex}.0.0`),
        );
      }
      if (!ip)
        throw new KubefwdError(
          'IP_EXHAUSTED',
          `no loopback IP left for ${k} (context ${slot.contextIndex}, namespace ${slot.namespaceIndex})`,
        );
      byKey.set(k, ip);
      byIp.set(ip, k);
      persist();
      return ip;
    },
    release(key: IpKey): void {
      const k = keyString(key);
      const ip = byKey.get(k);
      if (!ip) return;
      byKey.delete(k);
      byIp.delete(ip);
      remembered[k] = ip;
      rememberedIps.add(ip);
      persist();
    },
    lookup: (key: IpKey): string | undefined => byKey.get(keyString(key)),
    list: (): Array<{ key: string; ip: string }> => [...byKey].map(([key, ip]) => ({ key, ip })),
    close(): void {
      save();
    },
  };
}

export type IpAllocator = ReturnType<typeof createIpAllocator>;
