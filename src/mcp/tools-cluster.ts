import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { NAMESPACE_NOT_FOUND, POD_NOT_FOUND } from './tool-errors.ts';
import { addTool, READ_CLUSTER, READ_LOCAL, type ToolContext } from './tool-kit.ts';

const context = z.string().min(1).optional().describe('Kubernetes context (default: the current context)');
const namespace = z.string().min(1).describe('Kubernetes namespace');
const podName = z.string().min(1).describe('Pod name (from list_pods or get_service)');
const item = z.looseObject({});
const ctxQuery = (c: string | undefined) => (c ? { context: c } : {});

export function registerClusterTools(server: McpServer, ctx: ToolContext): void {
  const { client } = ctx;
  addTool(
    server,
    ctx,
    {
      name: 'list_contexts',
      title: 'Kubernetes contexts',
      description: 'The Kubernetes contexts the daemon knows, the current one marked.',
      input: z.object({}),
      output: z.object({ contexts: z.array(item), current: z.string().nullable(), count: z.number().int() }),
      annotations: READ_LOCAL,
    },
    async () => {
      const r = (await client.call(client.api.GET('/api/v1/kubernetes/contexts'))) as {
        contexts: Array<Record<string, unknown>>;
        currentContext?: string;
      };
      return { contexts: r.contexts, current: r.currentContext ?? null, count: r.contexts.length };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'list_k8s_namespaces',
      title: 'Namespaces of the cluster',
      description:
        'The namespaces of a cluster, each marked when kubefwd forwards it. Use to see what can be forwarded.',
      input: z.object({ context }),
      output: z.object({ namespaces: z.array(item), count: z.number().int() }),
      annotations: READ_CLUSTER,
    },
    async (a) => {
      const r = (await client.call(
        client.api.GET('/api/v1/kubernetes/namespaces', { params: { query: ctxQuery(a.context) } }),
      )) as { namespaces: Array<Record<string, unknown>> };
      return { namespaces: r.namespaces, count: r.namespaces.length };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'list_k8s_services',
      title: 'Services of a namespace',
      description: 'The services of a namespace with type, ports and whether kubefwd forwards them.',
      input: z.object({ namespace, context }),
      output: z.object({ services: z.array(item), namespace: z.string(), count: z.number().int() }),
      annotations: READ_CLUSTER,
      notFound: NAMESPACE_NOT_FOUND,
    },
    async (a) => {
      const r = (await client.call(
        client.api.GET('/api/v1/kubernetes/services', {
          params: { query: { namespace: a.namespace, ...ctxQuery(a.context) } },
        }),
      )) as { services: Array<Record<string, unknown>> };
      return { services: r.services, namespace: a.namespace, count: r.services.length };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'list_pods',
      title: 'Pods of a namespace',
      description:
        'Pods with phase, readiness, restarts and age; filter by label selector or by the service they back.',
      input: z.object({
        namespace,
        context,
        label_selector: z.string().optional().describe("Label selector, e.g. 'app=nginx,version=v1'"),
        service_name: z.string().min(1).optional().describe('Only the pods behind this service'),
      }),
      output: z.object({ pods: z.array(item), namespace: z.string(), count: z.number().int() }),
      annotations: READ_CLUSTER,
      notFound: NAMESPACE_NOT_FOUND,
    },
    async (a) => {
      const pods = (await client.call(
        client.api.GET('/api/v1/kubernetes/pods/{namespace}', {
          params: {
            path: { namespace: a.namespace },
            query: {
              ...ctxQuery(a.context),
              ...(a.label_selector ? { label_selector: a.label_selector } : {}),
              ...(a.service_name ? { service_name: a.service_name } : {}),
            },
          },
        }),
      )) as Array<Record<string, unknown>>;
      return { pods, namespace: a.namespace, count: pods.length };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_pod',
      title: 'One pod in detail',
      description:
        'A pod in detail: containers, state, conditions, resources, and whether kubefwd forwards to it.',
      input: z.object({ namespace, pod_name: podName, context }),
      output: item,
      annotations: READ_CLUSTER,
      notFound: POD_NOT_FOUND,
    },
    async (a) =>
      (await client.call(
        client.api.GET('/api/v1/kubernetes/pods/{namespace}/{podName}', {
          params: { path: { namespace: a.namespace, podName: a.pod_name }, query: ctxQuery(a.context) },
        }),
      )) as Record<string, unknown>,
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_pod_logs',
      title: 'Logs of a pod',
      description: "The last lines of a pod container's log, to debug the service behind a forward.",
      input: z.object({
        namespace,
        pod_name: podName,
        context,
        container: z.string().min(1).optional().describe('Container (default: the first)'),
        tail_lines: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .optional()
          .describe('Lines from the end (default 100, at most 1000)'),
        since_time: z.iso
          .datetime({ offset: true })
          .optional()
          .describe('Only lines from this RFC 3339 time on (needs timestamps in the log)'),
        previous: z.boolean().optional().describe("The previous container instance's log"),
        timestamps: z.boolean().optional().describe('Prefix each line with its timestamp'),
      }),
      output: z.looseObject({
        podName: z.string(),
        namespace: z.string(),
        logs: z.array(z.string()),
        lineCount: z.number().int(),
      }),
      annotations: READ_CLUSTER,
      notFound: POD_NOT_FOUND,
    },
    async (a) => {
      const r = (await client.call(
        client.api.GET('/api/v1/kubernetes/pods/{namespace}/{podName}/logs', {
          params: {
            path: { namespace: a.namespace, podName: a.pod_name },
            query: {
              ...ctxQuery(a.context),
              ...(a.container ? { container: a.container } : {}),
              ...(a.tail_lines ? { tail_lines: a.tail_lines } : {}),
              ...(a.previous ? { previous: true } : {}),
              ...(a.timestamps || a.since_time ? { timestamps: true } : {}),
            },
          },
        }),
      )) as Record<string, unknown> & { logs: string[] };
      if (!a.since_time) return r as never;
      // The API returns the tail; the time filter reads each line's RFC 3339 prefix.
      const since = Date.parse(a.since_time);
      const logs = r.logs.filter((l) => Date.parse(l.slice(0, l.indexOf(' '))) >= since);
      return {
        ...r,
        logs: a.timestamps ? logs : logs.map((l) => l.slice(l.indexOf(' ') + 1)),
        lineCount: logs.length,
      } as never;
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_events',
      title: 'Kubernetes events',
      description:
        'Recent Kubernetes events of a namespace (scheduling, image pulls, restarts, kills), newest first; filter by object kind and name.',
      input: z.object({
        namespace,
        context,
        resource_kind: z
          .string()
          .regex(/^[A-Za-z]{1,63}$/)
          .optional()
          .describe('Pod, Service, Deployment, ...'),
        resource_name: z.string().min(1).optional().describe('Name of the object'),
        limit: z.number().int().min(1).max(1000).optional().describe('At most this many events (default 50)'),
      }),
      output: z.object({ events: z.array(item), namespace: z.string(), count: z.number().int() }),
      annotations: READ_CLUSTER,
      notFound: NAMESPACE_NOT_FOUND,
    },
    async (a) => {
      const events = (await client.call(
        client.api.GET('/api/v1/kubernetes/events/{namespace}', {
          params: {
            path: { namespace: a.namespace },
            query: {
              ...ctxQuery(a.context),
              ...(a.resource_kind ? { resource_kind: a.resource_kind } : {}),
              ...(a.resource_name ? { resource_name: a.resource_name } : {}),
              ...(a.limit ? { limit: a.limit } : {}),
            },
          },
        }),
      )) as Array<Record<string, unknown>>;
      return { events, namespace: a.namespace, count: events.length };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_endpoints',
      title: 'Endpoints of a service',
      description: 'Which pod addresses back a service, ready or not: to debug service-to-pod routing.',
      input: z.object({ namespace, service_name: z.string().min(1).describe('Service name'), context }),
      output: item,
      annotations: READ_CLUSTER,
      notFound: {
        code: 'service_not_found',
        actions: [{ action: 'list_k8s_services', hint: 'List the services of the namespace' }],
      },
    },
    async (a) =>
      (await client.call(
        client.api.GET('/api/v1/kubernetes/endpoints/{namespace}/{serviceName}', {
          params: {
            path: { namespace: a.namespace, serviceName: a.service_name },
            query: ctxQuery(a.context),
          },
        }),
      )) as Record<string, unknown>,
  );
}
