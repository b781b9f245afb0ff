import { McpServer, ProtocolError, ProtocolErrorCode, ResourceTemplate } from '@modelcontextprotocol/server';
import type { KubefwdClient } from '../client/client.ts';
import { ApiError } from '../client/api-error.ts';
import { allServices } from './connection-info.ts';
import { healthOf } from './tools-observe.ts';

type Row = Record<string, unknown>;

export const RESOURCE_URIS = {
  services: 'kubefwd://services',
  forwards: 'kubefwd://forwards',
  metrics: 'kubefwd://metrics',
  summary: 'kubefwd://summary',
  errors: 'kubefwd://errors',
  status: 'kubefwd://status',
  httpTraffic: 'kubefwd://http-traffic',
  contexts: 'kubefwd://contexts',
} as const;

/** One forwarded service, by key: these make the resource list change as services come and go. */
export const SERVICE_TEMPLATE = 'kubefwd://services/{key}';
export const serviceUri = (key: string): string => `kubefwd://services/${encodeURIComponent(key)}`;

interface ResourceDef {
  name: string;
  uri: string;
  title: string;
  description: string;
  read(client: KubefwdClient): Promise<unknown>;
}

const stamp = (data: Row): Row => ({ ...data, timestamp: new Date().toISOString() });

const RESOURCES: ResourceDef[] = [
  {
    name: 'services',
    uri: RESOURCE_URIS.services,
    title: 'Forwarded services',
    description: 'Every service kubefwd forwards, with status, counts and bytes (JSON).',
    read: async (c) => (await allServices(c)).map(({ forwards: _f, ...s }) => s),
  },
  {
    name: 'forwards',
    uri: RESOURCE_URIS.forwards,
    title: 'Port forwards',
    description: 'Every port forward: pod, local IP and port, hostnames, status, error, bytes (JSON).',
    read: async (c) =>
      (await c.call(c.api.GET('/api/v1/forwards', { params: { query: { limit: 1000 } } }))).forwards,
  },
  {
    name: 'metrics',
    uri: RESOURCE_URIS.metrics,
    title: 'Traffic metrics',
    description: 'Totals of bytes and rates in and out, and counts (JSON).',
    read: async (c) => stamp(await c.call(c.api.GET('/api/v1/metrics'))),
  },
  {
    name: 'summary',
    uri: RESOURCE_URIS.summary,
    title: 'Summary',
    description: 'Health, version, uptime, contexts, namespaces and counts (JSON).',
    read: async (c) => stamp(await healthOf(c)),
  },
  {
    name: 'errors',
    uri: RESOURCE_URIS.errors,
    title: 'Current errors',
    description: 'The forwards in error now, with their messages (JSON).',
    read: async (c) => {
      const errors = (await c.call(c.api.GET('/api/v1/diagnostics/errors'))) as Row[];
      return stamp({ errorCount: errors.length, errors });
    },
  },
  {
    name: 'status',
    uri: RESOURCE_URIS.status,
    title: 'Quick status',
    description: 'ok, issues or error, with a one-line message (JSON).',
    read: async (c) => stamp({ ...(await c.call(c.api.GET('/api/v1/status'))) }),
  },
  {
    name: 'http-traffic',
    uri: RESOURCE_URIS.httpTraffic,
    title: 'HTTP traffic',
    description:
      'The latest HTTP requests seen through each forwarded service: method, path, status, duration (JSON).',
    read: async (c) => {
      const services = await allServices(c);
      const traffic: Row[] = [];
      for (const s of services) {
        const t = (await c.call(
          c.api.GET('/api/v1/services/{key}/http', {
            params: { path: { key: s.key }, query: { count: 20 } },
          }),
        )) as Row;
        traffic.push(t);
      }
      return stamp({ services: traffic });
    },
  },
  {
    name: 'contexts',
    uri: RESOURCE_URIS.contexts,
    title: 'Kubernetes contexts',
    description: 'The Kubernetes contexts the daemon knows, the current one marked (JSON).',
    read: async (c) => c.call(c.api.GET('/api/v1/kubernetes/contexts')),
  },
];

const json = (uri: string, data: unknown) => ({
  contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data, null, 2) }],
});

/** Resource reads answer protocol errors (the host reads them, not the model), with the daemon's message. */
async function reading(uri: string, read: () => Promise<unknown>) {
  try {
    return json(uri, await read());
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NOT_FOUND')
      throw new ProtocolError(ProtocolErrorCode.ResourceNotFound, err.message, { uri });
    const message =
      err instanceof ApiError
        ? `${err.code === 'API_UNAVAILABLE' ? 'api_unavailable' : err.code}: ${err.message}`
        : String(err);
    throw new ProtocolError(ProtocolErrorCode.InternalError, message);
  }
}

export function registerResources(server: McpServer, client: KubefwdClient): void {
  for (const r of RESOURCES) {
    server.registerResource(
      r.name,
      r.uri,
      { title: r.title, description: r.description, mimeType: 'application/json' },
      async (uri) => reading(uri.href, () => r.read(client)),
    );
  }
  server.registerResource(
    'service',
    new ResourceTemplate(SERVICE_TEMPLATE, {
      list: async () => {
        try {
          const services = await allServices(client);
          return {
            resources: services.map((s) => ({
              uri: serviceUri(s.key),
              name: s.key,
              title: `${s.serviceName} (${s.namespace}, ${s.context})`,
              mimeType: 'application/json',
            })),
          };
        } catch {
          return { resources: [] }; // no daemon: the fixed resources still list, and say why when read
        }
      },
    }),
    {
      title: 'Forwarded service',
      description: 'One forwarded service with its forwards (JSON).',
      mimeType: 'application/json',
    },
    async (uri, vars) =>
      reading(uri.href, () =>
        client.call(
          client.api.GET('/api/v1/services/{key}', {
            params: { path: { key: decodeURIComponent(String(vars.key)) } },
          }),
        ),
      ),
  );
}
