import { createHttpSniffer, type HttpExchange } from './http-sniffer.ts';
import { Ring } from './ring.ts';

export interface CapturedExchange extends HttpExchange {
  forwardKey: string;
  serviceKey: string;
}

/**
 * The last N HTTP exchanges per forward, fed by sniffers tapped onto forwarded connections. Forward keys name the pod,
 * so every pod replacement makes a new one: at most `maxForwards` rings are kept, the least recently used dropped.
 */
export function createCaptureStore(
  options: { perForward?: number; maxForwards?: number; now?: () => number } = {},
) {
  const per = options.perForward ?? 200;
  const maxForwards = options.maxForwards ?? 256;
  const rings = new Map<string, Ring<CapturedExchange>>();
  const byService = new Map<string, Set<string>>();
  function evictOldest(): void {
    const oldest = rings.keys().next().value;
    if (oldest === undefined) return;
    rings.delete(oldest);
    for (const [service, keys] of byService) {
      if (keys.delete(oldest) && keys.size === 0) byService.delete(service);
    }
  }

  return {
    tap(forwardKey: string, serviceKey: string) {
      return createHttpSniffer({
        now: options.now,
        onExchange: (ex) => {
          let ring = rings.get(forwardKey);
          if (ring) rings.delete(forwardKey);
          else {
            ring = new Ring(per);
            let set = byService.get(serviceKey);
            if (!set) byService.set(serviceKey, (set = new Set()));
            set.add(forwardKey);
            if (rings.size >= maxForwards) evictOldest();
          }
          // Re-inserted on every use: the Map's order is least recently used first.
          rings.set(forwardKey, ring);
          ring.push({ ...ex, forwardKey, serviceKey });
        },
      });
    },
    list(forwardKey: string, count: number): CapturedExchange[] {
      return rings.get(forwardKey)?.last(count) ?? [];
    },
    listByService(serviceKey: string, count: number): CapturedExchange[] {
      const all = [...(byService.get(serviceKey) ?? [])].flatMap((k) => rings.get(k)?.toArray() ?? []);
      return all.sort((a, b) => a.timestamp.localeCompare(b.timestamp)).slice(-count);
    },
    forwardKeys: (serviceKey: string): string[] => [...(byService.get(serviceKey) ?? [])],
    get size(): number {
      return rings.size;
    },
  };
}

export type CaptureStore = ReturnType<typeof createCaptureStore>;
