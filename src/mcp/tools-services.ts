import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { ServiceLike } from './connection-info.ts';
import { SERVICE_NOT_FOUND } from './tool-errors.ts';
import { addTool, READ_LOCAL, type ToolContext } from './tool-kit.ts';

const serviceKey = z.string().min(1).describe("Service key 'service.namespace.context'");
const forward = z.looseObject({
  key: z.string(),
  podName: z.string().nullable(),
  localIP: z.string(),
  localPort: z.number().int(),
  podPort: z.number().int().nullable(),
  hostnames: z.array(z.string()),
  status: z.string(),
  error: z.string().nullable(),
});
const service = z.looseObject({
  key: z.string(),
  serviceName: z.string(),
  namespace: z.string(),
  context: z.string(),
  headless: z.boolean(),
  status: z.string().describe('active, error, partial or pending'),
  activeCount: z.number().int(),
  errorCount: z.number().int(),
  totalBytesIn: z.number(),
  totalBytesOut: z.number(),
  forwards: z.array(forward).optional(),
});

export function registerServiceTools(server: McpServer, ctx: ToolContext): void {
  const { client } = ctx;
  addTool(
    server,
    ctx,
    {
      name: 'list_services',
      title: 'List forwarded services',
      description:
        'The forwarded services with their status, forward counts, errors and bytes, and a summary.',
      input: z.object({
        namespace: z.string().min(1).optional().describe('Only this namespace'),
        status: z
          .enum(['active', 'error', 'partial', 'pending', 'all'])
          .optional()
          .describe('Only services in this status (default all)'),
        include_forwards: z
          .boolean()
          .optional()
          .describe('Include each port forward (pod, IP, port, hostnames, error)'),
      }),
      output: z.object({ services: z.array(service), summary: z.looseObject({}) }),
      annotations: READ_LOCAL,
    },
    async (a) => {
      const status = a.status && a.status !== 'all' ? a.status : undefined;
      const data = await client.call(
        client.api.GET('/api/v1/services', {
          params: {
            query: {
              limit: 1000,
              ...(a.namespace ? { namespace: a.namespace } : {}),
              ...(status ? { status } : {}),
            },
          },
        }),
      );
      const services = (data.services as unknown as Array<ServiceLike & Record<string, unknown>>).map((s) => {
        const { forwards, ...rest } = s;
        return a.include_forwards ? { ...rest, forwards } : rest;
      });
      return { services, summary: data.summary as Record<string, unknown> } as never;
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_service',
      title: 'One forwarded service',
      description:
        'A forwarded service in detail: every port forward with its pod, IP, port, hostnames, bytes, rates and error.',
      input: z.object({ key: serviceKey }),
      output: service,
      annotations: READ_LOCAL,
      notFound: SERVICE_NOT_FOUND,
    },
    async (a) =>
      (await client.call(
        client.api.GET('/api/v1/services/{key}', { params: { path: { key: a.key } } }),
      )) as never,
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_service_endpoints',
      title: "A service's endpoints",
      description:
        'How a forwarded service spreads connections, as a Service does: its balancing policy (round-robin, least-conn or first; set for the service or from --lb; ClientIP affinity) and, per pod, whether it takes new connections or drains, its session, and its connections and bytes.',
      input: z.object({ key: serviceKey }),
      output: z.looseObject({
        key: z.string(),
        balancing: z.looseObject({ policy: z.string() }),
        endpoints: z.array(z.looseObject({ pod: z.string() })),
      }),
      annotations: READ_LOCAL,
      notFound: SERVICE_NOT_FOUND,
    },
    async (a) =>
      (await client.call(
        client.api.GET('/api/v1/services/{key}/endpoints', { params: { path: { key: a.key } } }),
      )) as never,
  );

  addTool(
    server,
    ctx,
    {
      name: 'reconnect_service',
      title: 'Reconnect a service',
      description:
        'Drop the connections of a service to its pods and dial them again at once. Live connections through it are cut.',
      input: z.object({ key: serviceKey }),
      output: z.looseObject({
        triggered: z.number().int(),
        services: z.array(z.string()),
        message: z.string(),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
      notFound: SERVICE_NOT_FOUND,
      resource: (a) => `service/${a.key}`,
    },
    async (a) => {
      const r = (await client.call(
        client.api.POST('/api/v1/services/{key}/reconnect', { params: { path: { key: a.key } } }),
      )) as { triggered: number; services: string[] };
      return { ...r, message: `Reconnection of ${a.key} triggered` };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'reconnect_all_errors',
      title: 'Reconnect every failing service',
      description: 'Reconnect every service that has a forward in error. Returns how many were triggered.',
      input: z.object({}),
      output: z.looseObject({ triggered: z.number().int(), message: z.string() }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
      resource: () => 'service/*',
    },
    async () => {
      const r = (await client.call(client.api.POST('/api/v1/services/reconnect', {}))) as {
        triggered: number;
      };
      return { triggered: r.triggered, message: `Reconnection triggered for ${r.triggered} services` };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'sync_service',
      title: 'Re-read the pods of a service',
      description: 'Re-read the pods behind a service and update its forwards (after a rollout, say).',
      input: z.object({
        key: serviceKey,
        force: z.boolean().optional().describe('Sync even if one ran moments ago'),
      }),
      output: z.looseObject({ service: z.string(), force: z.boolean(), message: z.string() }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      notFound: SERVICE_NOT_FOUND,
      resource: (a) => `service/${a.key}`,
    },
    async (a) => {
      const force = a.force ?? false;
      await client.call(
        client.api.POST('/api/v1/services/{key}/sync', {
          params: { path: { key: a.key }, query: { force } },
        }),
      );
      return { service: a.key, force, message: 'Pod sync triggered' };
    },
  );
}
