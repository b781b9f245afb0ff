import type { ApiViews } from '../../api/views.ts';
import type { Schemas } from '../../contract/contract.ts';
import type { CaptureStore, CapturedExchange } from '../../metrics/capture-store.ts';
import type { Engine } from '../engine.ts';
import type { ServiceViews } from './services.ts';

const fmtDuration = (ms: number): string => `${ms.toFixed(1)}ms`;

/** HTTP traffic captured on forwards and services as the API shows it, and turning its detail on and off. */
export function createCaptureViews(d: {
  engine: Engine;
  captures: CaptureStore;
  services: ServiceViews;
}): ApiViews['captures'] {
  const { engine, captures } = d;
  return {
    forward(key, count) {
      const f = d.services.allForwards().find((x) => x.key === key);
      if (!f) return undefined;
      return captureView(captures.list(key, count), {
        forwardKey: key,
        serviceKey: f.serviceKey,
        podName: f.podName,
        localIP: f.localIP,
        localPort: f.localPort,
      });
    },
    service(key, count) {
      if (!engine.registry.get(key)) return undefined;
      return captureView(captures.listByService(key, count), {
        serviceKey: key,
        detail: captures.detail(key),
      });
    },
    setDetail(key, enabled) {
      if (!engine.registry.get(key)) return false;
      captures.setDetail(key, enabled);
      return true;
    },
    purge: (key) => (engine.registry.get(key) ? captures.purge(key) : undefined),
  };
}

function captureView(
  list: CapturedExchange[],
  extra: Omit<Schemas['HttpTraffic'], 'summary' | 'logs'>,
): Schemas['HttpTraffic'] {
  const codes: Record<string, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  const paths = new Map<string, number>();
  for (const x of list) {
    const k = `${Math.floor(x.status / 100)}xx`;
    if (k in codes) codes[k] = (codes[k] ?? 0) + 1;
    paths.set(x.path, (paths.get(x.path) ?? 0) + 1);
  }
  return {
    ...extra,
    summary: {
      totalRequests: list.length,
      lastRequest: list.at(-1)?.timestamp ?? null,
      statusCodes: codes,
      topPaths: [...paths]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([path, count]) => ({ path, count })),
    },
    logs: list.map((x) => ({
      timestamp: x.timestamp,
      method: x.method,
      path: x.path,
      statusCode: x.status,
      duration: fmtDuration(x.durationMs),
      durationMs: x.durationMs,
      requestBytes: x.requestBytes,
      size: x.responseBytes,
      httpVersion: x.httpVersion,
      ttfbMs: x.ttfbMs,
      requestBodyBytes: x.requestBodyBytes,
      responseBodyBytes: x.responseBodyBytes,
      forwardKey: x.forwardKey,
      pod: x.pod ?? null,
      ...(x.request ? { request: x.request } : {}),
      ...(x.response ? { response: x.response } : {}),
    })),
  };
}
