import { createHttpSniffer, type HttpExchange } from './http-sniffer.ts';
import { Ring } from './ring.ts';

export interface CapturedExchange extends HttpExchange {
  forwardKey: string;
  serviceKey: string;
}

/** The last N HTTP exchanges per forward, fed by sniffers tapped onto forwarded connections. */
export function createCaptureStore(options: { perForward?: number; now?: () => number } = {}) {
  const per = options.perForward ?? 200;
  const rings = new Map<string, Ring<CapturedExchange>>();
  const byService = new Map<string, Set<string>>();
  return {
    tap(forwardKey: string, serviceKey: string) {
      return createHttpSniffer({
        now: options.now,
        onExchange: (ex) => {
          let ring = rings.get(forwardKey);
          if (!ring) {
            rings.set(forwardKey, (ring = new Ring(per)));
            let set = byService.get(serviceKey);
            if (!set) byService.set(serviceKey, (set = new Set()));
            set.add(forwardKey);
          }
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
  };
}

export type CaptureStore = ReturnType<typeof createCaptureStore>;
