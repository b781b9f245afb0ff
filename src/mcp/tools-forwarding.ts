import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { KubefwdClient } from '../client/client.ts';
import { allServices, connectionInfo, connectionInfoOf, type ServiceLike } from './connection-info.ts';
import { invalidInput, NAMESPACE_NOT_FOUND, notFoundError, SERVICE_NOT_FOUND } from './tool-errors.ts';
import { addTool, ADDS_FROM_CLUSTER, type ToolContext } from './tool-kit.ts';

const loose = z.looseObject({});
const context = z.string().min(1).optional().describe('Kubernetes context (default: the current context)');
const namespace = z.string().min(1).describe('Kubernetes namespace');

/** The daemon's current context, for tools whose key needs it. */
export async function currentContext(client: KubefwdClient): Promise<string> {
  const data = (await client.call(client.api.GET('/api/v1/kubernetes/contexts'))) as {
    currentContext?: string;
  };
  if (!data.currentContext) throw invalidInput('context', 'no current context is known: name one');
  return data.currentContext;
}

/** A key, or a bare service name that names exactly one forwarded service. */
async function resolveServiceKey(client: KubefwdClient, key: string): Promise<string> {
  if (key.includes('.')) return key;
  const matches = (await allServices(client)).filter((s) => s.serviceName === key);
  if (matches.length === 1 && matches[0]) return matches[0].key;
  if (matches.length === 0) throw notFoundError(SERVICE_NOT_FOUND, `no forwarded service is named ${key}`);
  throw invalidInput('key', `${key} is ambiguous: one of ${matches.map((m) => m.key).join(', ')}`);
}

export function registerForwardingTools(server: McpServer, ctx: ToolContext): void {
  const { client } = ctx;
  addTool(
    server,
    ctx,
    {
      name: 'add_namespace',
      title: 'Forward a namespace',
      description:
        'Forward every service of a Kubernetes namespace to loopback IPs under their in-cluster names (hosts file entries), and keep following it. Returns the namespace key and how many services it has.',
      input: z.object({
        namespace,
        context,
        selector: z.string().optional().describe("Label selector for the services, e.g. 'app=api'"),
      }),
      output: z.looseObject({
        key: z.string().describe("Namespace key 'namespace.context'"),
        namespace: z.string(),
        context: z.string(),
        serviceCount: z.number().int().describe('Services the namespace has in the cluster now'),
        message: z.string(),
      }),
      annotations: ADDS_FROM_CLUSTER,
      notFound: NAMESPACE_NOT_FOUND,
      resource: (a) => `namespace/${a.namespace}.${a.context ?? ''}`,
    },
    async (a) => {
      const added = (await client.call(
        client.api.POST('/api/v1/namespaces', {
          body: {
            namespace: a.namespace,
            ...(a.context ? { context: a.context } : {}),
            ...(a.selector ? { selector: a.selector } : {}),
          },
        }),
      )) as { key: string; namespace: string; context: string };
      const listed = (await client.call(
        client.api.GET('/api/v1/kubernetes/services', {
          params: { query: { namespace: a.namespace, context: added.context } },
        }),
      )) as { services?: unknown[] };
      const serviceCount = listed.services?.length ?? 0;
      return {
        key: added.key,
        namespace: added.namespace,
        context: added.context,
        serviceCount,
        message: `Forwarding namespace ${added.namespace} of ${added.context} (${serviceCount} services)`,
      };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'remove_namespace',
      title: 'Stop forwarding a namespace',
      description:
        'Stop forwarding every service of a namespace: their hosts entries are removed and their IPs released.',
      input: z.object({ namespace: namespace.describe('The namespace to stop forwarding'), context }),
      output: z.looseObject({
        removed: z.boolean(),
        key: z.string(),
        namespace: z.string(),
        context: z.string(),
        message: z.string(),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      notFound: {
        code: 'namespace_not_found',
        actions: [{ action: 'get_health', hint: 'See which namespaces are forwarded' }],
      },
      resource: (a) => `namespace/${a.namespace}.${a.context ?? ''}`,
    },
    async (a) => {
      const ctxName = a.context ?? (await currentContext(client));
      const key = `${a.namespace}.${ctxName}`;
      const r = (await client.call(
        client.api.DELETE('/api/v1/namespaces/{key}', { params: { path: { key } } }),
      )) as {
        message?: string;
      };
      return {
        removed: true,
        key,
        namespace: a.namespace,
        context: ctxName,
        message: r.message ?? 'Namespace removed',
      };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'add_service',
      title: 'Forward one service',
      description:
        'Forward a single service. Answers once the daemon knows its pods: the local IP, the hostnames written to the hosts file, the ports and the pods behind each forward.',
      input: z.object({
        namespace,
        service_name: z.string().min(1).describe('Name of the service to forward'),
        context,
        ports: z
          .array(z.string())
          .optional()
          .describe('Accepted for compatibility; every port of the service is forwarded'),
      }),
      output: z.looseObject({
        key: z.string(),
        serviceName: z.string(),
        namespace: z.string(),
        context: z.string(),
        localIP: z.string(),
        hostnames: z.array(z.string()),
        ports: z.array(loose),
        pods: z.array(z.string()).describe('The pods the forwards use now (empty: no ready pod yet)'),
        status: z.string(),
      }),
      annotations: ADDS_FROM_CLUSTER,
      notFound: {
        code: 'service_not_found',
        actions: [{ action: 'list_k8s_services', hint: 'List the services of the namespace' }],
      },
      resource: (a) => `service/${a.service_name}.${a.namespace}.${a.context ?? ''}`,
    },
    async (a) => {
      const added = (await client.call(
        client.api.POST('/api/v1/services', {
          body: {
            namespace: a.namespace,
            service_name: a.service_name,
            ...(a.context ? { context: a.context } : {}),
          },
        }),
      )) as {
        key: string;
        serviceName: string;
        namespace: string;
        context: string;
        localIP: string;
        hostnames: string[];
        ports: unknown[];
      };
      // The daemon answers after the service's watch has synced, so its pods are known here.
      const svc = (await client.call(
        client.api.GET('/api/v1/services/{key}', { params: { path: { key: added.key } } }),
      )) as unknown as ServiceLike;
      const pods = [...new Set((svc.forwards ?? []).map((f) => f.podName).filter((p): p is string => !!p))];
      return { ...added, ports: added.ports as Array<Record<string, unknown>>, pods, status: svc.status };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'remove_service',
      title: 'Stop forwarding a service',
      description: 'Stop forwarding a service: its hosts entries are removed and its IP released.',
      input: z.object({
        key: z
          .string()
          .min(1)
          .describe(
            "Service key 'service.namespace.context', or the service name alone if only one service has it",
          ),
      }),
      output: z.looseObject({ removed: z.boolean(), key: z.string(), message: z.string() }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      notFound: SERVICE_NOT_FOUND,
      resource: (a) => `service/${a.key}`,
    },
    async (a) => {
      const key = await resolveServiceKey(client, a.key);
      const r = (await client.call(
        client.api.DELETE('/api/v1/services/{key}', { params: { path: { key } } }),
      )) as { message?: string };
      return { removed: true, key, message: r.message ?? 'Service forwarding stopped' };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_connection_info',
      title: 'How to connect to a forwarded service',
      description:
        'Connection details of a forwarded service: local IP, hostnames, ports and ready-to-use environment variables (DATABASE_URL for 5432, REDIS_URL for 6379, ...). Use after add_service or add_namespace.',
      input: z.object({
        service_name: z.string().min(1).describe('Service name'),
        namespace: z
          .string()
          .min(1)
          .optional()
          .describe('Namespace (needed only when the name is in several)'),
        context,
        port: z.number().int().min(1).max(65535).optional().describe('Only this local or pod port'),
      }),
      output: connectionInfo,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      notFound: SERVICE_NOT_FOUND,
    },
    async (a) => {
      const matches = (await allServices(client, a.namespace ? { namespace: a.namespace } : {})).filter(
        (s) => s.serviceName === a.service_name && (!a.context || s.context === a.context),
      );
      const [first] = matches;
      if (!first) throw notFoundError(SERVICE_NOT_FOUND, `no forwarded service is named ${a.service_name}`);
      if (matches.length > 1)
        throw invalidInput(
          'namespace',
          `${a.service_name} is forwarded from ${matches.map((m) => `${m.namespace}.${m.context}`).join(', ')}: name the namespace (and context)`,
        );
      return connectionInfoOf(first, a.port);
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'find_services',
      title: 'Find forwarded services',
      description:
        'Search forwarded services by part of their name, a port, or a namespace; each match comes with its connection info and environment variables.',
      input: z.object({
        query: z.string().optional().describe('Part of the service name (case-insensitive)'),
        port: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .optional()
          .describe('A local or pod port the service forwards'),
        namespace: z.string().min(1).optional().describe('Only this namespace'),
      }),
      output: z.object({ services: z.array(connectionInfo), count: z.number().int() }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (a) => {
      const q = a.query?.toLowerCase();
      const services = (await allServices(client, a.namespace ? { namespace: a.namespace } : {}))
        .filter((s) => !q || s.serviceName.toLowerCase().includes(q))
        .map((s) => connectionInfoOf(s, a.port))
        .filter((c) => a.port === undefined || c.ports.length > 0);
      return { services, count: services.length };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'list_hostnames',
      title: 'Hostnames in the hosts file',
      description: 'Every hostname kubefwd wrote to the hosts file, with its IP and service.',
      input: z.object({}),
      output: z.object({
        hostnames: z.array(
          z.object({
            hostname: z.string(),
            ip: z.string(),
            service: z.string(),
            namespace: z.string(),
            context: z.string(),
          }),
        ),
        total: z.number().int(),
      }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => {
      const hostnames = (await allServices(client)).flatMap((s) => {
        const info = connectionInfoOf(s);
        return info.hostnames.map((hostname) => ({
          hostname,
          ip: info.localIP,
          service: s.serviceName,
          namespace: s.namespace,
          context: s.context,
        }));
      });
      return { hostnames, total: hostnames.length };
    },
  );
}
