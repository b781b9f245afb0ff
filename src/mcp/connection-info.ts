import * as z from 'zod';
import type { KubefwdClient } from '../client/client.ts';

/** The parts of a service in `GET /api/v1/services` the connection tools read. */
export interface ServiceLike {
  key: string;
  serviceName: string;
  namespace: string;
  context: string;
  status: string;
  localIP?: string;
  hostnames?: string[];
  forwards?: Array<{
    key?: string;
    podName?: string | null;
    localIP?: string;
    localPort?: number;
    podPort?: number | null;
    hostnames?: string[];
    status?: string;
    error?: string | null;
  }>;
}

export const portInfo = z.object({
  localPort: z.number().int().describe('Port on the local IP'),
  remotePort: z.number().int().nullable().describe('Port on the pod'),
});

export const connectionInfo = z.object({
  key: z.string().describe('Service key: service.namespace.context'),
  service: z.string(),
  namespace: z.string(),
  context: z.string(),
  localIP: z.string().describe('The loopback IP the service is forwarded on'),
  hostnames: z.array(z.string()).describe('Names written to the hosts file for this IP'),
  ports: z.array(portInfo),
  envVars: z
    .record(z.string(), z.string())
    .describe(
      'Suggested environment variables: NAME_HOST, NAME_IP, NAME_PORT, and DATABASE_URL etc. by port',
    ),
  status: z.string(),
});
export type ConnectionInfo = z.infer<typeof connectionInfo>;

/** Every forwarded service (the API pages at 1,000). */
export async function allServices(
  client: KubefwdClient,
  query: { namespace?: string | undefined } = {},
): Promise<ServiceLike[]> {
  const out: ServiceLike[] = [];
  for (let offset = 0; ; offset += 1000) {
    const data = await client.call(
      client.api.GET('/api/v1/services', { params: { query: { ...query, limit: 1000, offset } } }),
    );
    const page = data.services as unknown as ServiceLike[];
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

const unique = (list: string[]): string[] => [...new Set(list)];

/** The ports of a service, optionally only those whose local or pod port is `port`. */
export function portsOf(svc: ServiceLike, port?: number): Array<z.infer<typeof portInfo>> {
  const seen = new Set<number>();
  const ports: Array<z.infer<typeof portInfo>> = [];
  for (const f of svc.forwards ?? []) {
    if (f.localPort === undefined || seen.has(f.localPort)) continue;
    if (port !== undefined && f.localPort !== port && f.podPort !== port) continue;
    seen.add(f.localPort);
    ports.push({ localPort: f.localPort, remotePort: f.podPort ?? null });
  }
  return ports;
}

export function connectionInfoOf(svc: ServiceLike, port?: number): ConnectionInfo {
  const localIP = svc.localIP ?? svc.forwards?.find((f) => f.localIP)?.localIP ?? '';
  const hostnames = unique([
    ...(svc.hostnames ?? []),
    ...(svc.forwards ?? []).flatMap((f) => f.hostnames ?? []),
  ]);
  const ports = portsOf(svc, port);
  return {
    key: svc.key,
    service: svc.serviceName,
    namespace: svc.namespace,
    context: svc.context,
    localIP,
    hostnames,
    ports,
    envVars: envVarsFor(svc.serviceName, localIP, ports),
    status: svc.status,
  };
}

/**
 * The environment variables the original kubefwd suggests: `<NAME>_HOST` (the service name, which the hosts file
 * resolves), `<NAME>_IP`, `<NAME>_PORT` (first local port), and by that port a ready URL for the usual servers.
 */
export function envVarsFor(
  serviceName: string,
  localIP: string,
  ports: Array<{ localPort: number }>,
): Record<string, string> {
  const name = serviceName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const env: Record<string, string> = { [`${name}_HOST`]: serviceName };
  if (localIP) env[`${name}_IP`] = localIP;
  const port = ports[0]?.localPort;
  if (port === undefined) return env;
  env[`${name}_PORT`] = String(port);
  const at = `${serviceName}:${port}`;
  const byPort: Record<number, [string, string]> = {
    5432: ['DATABASE_URL', `postgresql://${at}`],
    3306: ['DATABASE_URL', `mysql://${at}`],
    27017: ['MONGODB_URI', `mongodb://${at}`],
    6379: ['REDIS_URL', `redis://${at}`],
    9092: ['KAFKA_BROKERS', at],
    80: [`${name}_URL`, `http://${at}`],
    8080: [`${name}_URL`, `http://${at}`],
    443: [`${name}_URL`, `https://${at}`],
    8443: [`${name}_URL`, `https://${at}`],
  };
  const url = byPort[port];
  if (url) env[url[0]] = url[1];
  return env;
}
