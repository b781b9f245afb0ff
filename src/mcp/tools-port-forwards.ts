import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { NotFoundAs } from './tool-errors.ts';
import { addTool, ADDS_FROM_CLUSTER, READ_LOCAL, type ToolContext } from './tool-kit.ts';

/** Ad-hoc forwards (kubectl port-forward's shape, `/api/v1/portforwards`): not in the original kubefwd. */
const portForward = z.looseObject({
  id: z.string(),
  target: z.string().describe('kind/name, e.g. service/web'),
  namespace: z.string(),
  context: z.string(),
  localAddress: z.string(),
  localPort: z.number().int(),
  status: z.string(),
});
const NOT_FOUND: NotFoundAs = {
  code: 'not_forwarding',
  actions: [{ action: 'list_port_forwards', hint: 'List the ad-hoc port-forwards and their ids' }],
};

export function registerPortForwardTools(server: McpServer, ctx: ToolContext): void {
  const { client } = ctx;
  addTool(
    server,
    ctx,
    {
      name: 'list_port_forwards',
      title: 'Ad-hoc port-forwards',
      description:
        'The ad-hoc port-forwards (one local port to a pod, service, deployment or statefulset, as kubectl port-forward), with their local address and the pod they reach.',
      input: z.object({
        namespace: z.string().min(1).optional().describe('Only this namespace'),
        context: z.string().min(1).optional().describe('Only this context'),
      }),
      output: z.object({ portforwards: z.array(portForward), count: z.number().int() }),
      annotations: READ_LOCAL,
    },
    async (a) => {
      const r = await client.call(
        client.api.GET('/api/v1/portforwards', {
          params: {
            query: {
              limit: 1000,
              ...(a.namespace ? { namespace: a.namespace } : {}),
              ...(a.context ? { context: a.context } : {}),
            },
          },
        }),
      );
      const portforwards = r.portforwards as unknown as Array<z.infer<typeof portForward>>;
      return { portforwards, count: portforwards.length };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'add_port_forward',
      title: 'Forward one local port',
      description:
        'Forward one local port to a pod, service, deployment or statefulset, as kubectl port-forward does (no hosts entry, no root). Answers once it listens, with the local address and port.',
      input: z.object({
        target: z
          .string()
          .min(1)
          .describe("kubectl's TYPE/NAME: 'svc/web', 'deploy/api', 'sts/db', 'pod/web-0', or a pod name"),
        port: z
          .string()
          .min(1)
          .describe("[LOCAL:]REMOTE as kubectl writes it: '8080:80', ':80' (any free local port), '5432'"),
        namespace: z.string().min(1).optional().describe("Namespace (default: the context's)"),
        context: z
          .string()
          .min(1)
          .optional()
          .describe('Kubernetes context (default: the first kubefwd runs with)'),
        address: z.string().min(1).optional().describe('Local address (default 127.0.0.1)'),
        ttl: z.string().min(1).optional().describe("Stop once unused this long, e.g. '15m'"),
      }),
      output: portForward,
      annotations: ADDS_FROM_CLUSTER,
      notFound: {
        code: 'service_not_found',
        actions: [{ action: 'list_k8s_services', hint: 'List the services of the namespace' }],
      },
      resource: (a) => `portforward/${a.target}`,
    },
    async (a) =>
      (await client.call(
        client.api.POST('/api/v1/portforwards', {
          body: {
            target: a.target,
            port: a.port,
            ...(a.namespace ? { namespace: a.namespace } : {}),
            ...(a.context ? { context: a.context } : {}),
            ...(a.address ? { address: a.address } : {}),
            ...(a.ttl ? { ttl: a.ttl } : {}),
          },
        }),
      )) as never,
  );

  addTool(
    server,
    ctx,
    {
      name: 'remove_port_forward',
      title: 'Stop an ad-hoc port-forward',
      description:
        'Stop an ad-hoc port-forward: its local port is closed and live connections through it end.',
      input: z.object({ id: z.string().min(1).describe('The port-forward id (from list_port_forwards)') }),
      output: z.looseObject({ removed: z.boolean(), id: z.string() }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      notFound: NOT_FOUND,
      resource: (a) => `portforward/${a.id}`,
    },
    async (a) => {
      const r = (await client.call(
        client.api.DELETE('/api/v1/portforwards/{id}', { params: { path: { id: a.id } } }),
      )) as Record<string, unknown>;
      return { ...r, removed: true, id: a.id };
    },
  );
}
