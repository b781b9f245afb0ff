import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { KubefwdClient } from '../client/client.ts';
import { invalidInput, SERVICE_NOT_FOUND } from './tool-errors.ts';
import { addTool, READ_LOCAL, type ToolContext } from './tool-kit.ts';

const item = z.looseObject({});
const upTo = (max: number, what: string) => z.number().int().min(1).max(max).optional().describe(what);
type Row = Record<string, unknown>;

/** What `GET /api/health` (no key needed) and `/api/info` say, merged with the services' summary. */
export async function healthOf(client: KubefwdClient): Promise<Row> {
  const health = (await client.call(client.api.GET('/api/health'))) as Row;
  const info = (await client.call(client.api.GET('/api/info'))) as Row;
  const list = await client.call(client.api.GET('/api/v1/services', { params: { query: { limit: 1 } } }));
  const summary = list.summary as unknown as {
    totalServices: number;
    activeServices: number;
    errorCount: number;
  };
  const status =
    health.status !== 'healthy'
      ? String(health.status)
      : summary.errorCount === 0
        ? 'healthy'
        : summary.errorCount > summary.activeServices
          ? 'unhealthy'
          : 'degraded';
  return { ...info, status, daemon: health.status, ...summary };
}

/** The original kubefwd's reading of a forward error, with what to do about it. */
export function classify(message: string): { errorType: string; suggestion: string } {
  const m = message.toLowerCase();
  if (m.includes('refused'))
    return {
      errorType: 'connection_refused',
      suggestion:
        'The pod may not be ready or listening on that port: check its logs (get_pod_logs) and readiness.',
    };
  if (m.includes('timeout') || m.includes('timed out'))
    return {
      errorType: 'timeout',
      suggestion: 'Check network policies and whether the pod answers; then reconnect_service.',
    };
  if (m.includes('not found'))
    return { errorType: 'pod_not_found', suggestion: 'The pod is gone: sync_service finds its replacement.' };
  if (m.includes('forbidden'))
    return {
      errorType: 'permission_denied',
      suggestion: 'The credentials of the context may not port-forward: check RBAC.',
    };
  return { errorType: 'unknown', suggestion: 'Check the pod (get_pod, get_events) and reconnect_service.' };
}

export function registerObserveTools(server: McpServer, ctx: ToolContext): void {
  const { client } = ctx;
  const simple = (
    name: string,
    title: string,
    description: string,
    path: '/api/v1/analyze' | '/api/v1/status',
  ) =>
    addTool(
      server,
      ctx,
      { name, title, description, input: z.object({}), output: item, annotations: READ_LOCAL },
      async () => (await client.call(client.api.GET(path))) as Row,
    );

  addTool(
    server,
    ctx,
    {
      name: 'get_health',
      title: 'kubefwd health',
      description:
        'Health of kubefwd: healthy, degraded or unhealthy, version, uptime, contexts, namespaces and service and error counts. Also tells whether a daemon answers at all.',
      input: z.object({}),
      output: z.looseObject({
        status: z.string(),
        version: z.string(),
        totalServices: z.number().int(),
        errorCount: z.number().int(),
      }),
      annotations: READ_LOCAL,
    },
    async () => (await healthOf(client)) as never,
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_metrics',
      title: 'Traffic metrics',
      description:
        'Bytes in and out and transfer rates: in total (summary), per service (by_service), or one service with its per-forward figures and recent history (service_detail).',
      input: z.object({
        scope: z
          .enum(['summary', 'by_service', 'service_detail'])
          .optional()
          .describe('Level of detail (default summary)'),
        service_key: z.string().min(1).optional().describe('The service for service_detail'),
      }),
      output: z.looseObject({}),
      annotations: READ_LOCAL,
      notFound: SERVICE_NOT_FOUND,
    },
    async (a) => {
      const scope = a.scope ?? 'summary';
      if (scope === 'service_detail') {
        if (!a.service_key) throw invalidInput('service_key', 'service_detail needs the service key');
        const path = { params: { path: { key: a.service_key } } };
        const service = (await client.call(client.api.GET('/api/v1/metrics/services/{key}', path))) as Row;
        const history = (await client.call(
          client.api.GET('/api/v1/metrics/services/{key}/history', {
            params: { path: { key: a.service_key }, query: { duration: '1m', interval: '5s' } },
          }),
        )) as Row;
        return { scope, service, history };
      }
      const summary = (await client.call(client.api.GET('/api/v1/metrics'))) as Row;
      if (scope === 'summary') return { scope, ...summary };
      const services = (await client.call(client.api.GET('/api/v1/metrics/services'))) as Row[];
      return { scope, ...summary, services };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'diagnose_errors',
      title: 'Diagnose current errors',
      description:
        'The forwards in error now, each classified (connection refused, timeout, pod gone, ...) with a fix to try, and the recent warnings and errors of the log.',
      input: z.object({}),
      output: z.object({
        errorCount: z.number().int(),
        errors: z.array(item),
        recentLogs: z.array(item),
        overallHealth: z.string(),
      }),
      annotations: READ_LOCAL,
    },
    async () => {
      const current = (await client.call(client.api.GET('/api/v1/diagnostics/errors'))) as Row[];
      const errors = current.map((e) => ({
        ...e,
        ...classify(typeof e.message === 'string' ? e.message : typeof e.error === 'string' ? e.error : ''),
      }));
      const logs = (await client.call(
        client.api.GET('/api/v1/logs', { params: { query: { count: 20, level: 'warn' } } }),
      )) as { logs: Row[] };
      const overallHealth = errors.length === 0 ? 'healthy' : errors.length > 5 ? 'unhealthy' : 'degraded';
      return { errorCount: errors.length, errors, recentLogs: logs.logs, overallHealth };
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_logs',
      title: "kubefwd's own log",
      description: "kubefwd's recent log lines, newest last; filter by lowest level or by text.",
      input: z.object({
        count: upTo(500, 'Lines to return (default 50, at most 500)'),
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'all'])
          .optional()
          .describe('Lowest level to include (default all)'),
        search: z.string().optional().describe('Only lines whose message contains this (case-insensitive)'),
      }),
      output: z.object({
        logs: z.array(z.looseObject({ timestamp: z.string(), level: z.string(), message: z.string() })),
        count: z.number().int(),
      }),
      annotations: READ_LOCAL,
    },
    async (a) => {
      const count = a.count ?? 50;
      const level = a.level && a.level !== 'all' ? a.level : undefined;
      const search = a.search?.toLowerCase();
      const r = (await client.call(
        client.api.GET('/api/v1/logs', {
          params: { query: { count: search ? 1000 : count, ...(level ? { level } : {}) } },
        }),
      )) as { logs: Array<Row & { timestamp: string; level: string; message: string }> };
      const logs = (search ? r.logs.filter((l) => l.message.toLowerCase().includes(search)) : r.logs).slice(
        -count,
      );
      return { logs, count: logs.length };
    },
  );

  simple(
    'get_analysis',
    'Full analysis',
    'The full analysis: status, issues by severity, recommendations and the actions (tools) that fix them. The best start for troubleshooting.',
    '/api/v1/analyze',
  );
  simple(
    'get_quick_status',
    'Quick status',
    'A fast check: status and one line of summary. Use it first, before acting.',
    '/api/v1/status',
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_http_traffic',
      title: 'HTTP requests through a forward',
      description:
        'The plain HTTP/1.x requests seen through a service or one forward: method, path, status, duration and size, with a summary. Needs service_key or forward_key.',
      input: z.object({
        service_key: z.string().min(1).optional().describe("Service key 'service.namespace.context'"),
        forward_key: z.string().min(1).optional().describe('Forward key (from get_service)'),
        count: upTo(500, 'Requests to return (default 50, at most 500)'),
      }),
      output: z.looseObject({}),
      annotations: READ_LOCAL,
      notFound: {
        code: 'not_forwarding',
        actions: [{ action: 'list_services', hint: 'List the forwarded services' }],
      },
    },
    async (a) => {
      const count = a.count ?? 50;
      if (a.forward_key)
        return await client.call(
          client.api.GET('/api/v1/forwards/{key}/http', {
            params: { path: { key: a.forward_key }, query: { count } },
          }),
        );
      if (a.service_key)
        return await client.call(
          client.api.GET('/api/v1/services/{key}/http', {
            params: { path: { key: a.service_key }, query: { count } },
          }),
        );
      throw invalidInput('service_key', 'give service_key or forward_key');
    },
  );

  addTool(
    server,
    ctx,
    {
      name: 'get_history',
      title: 'History of events, errors, reconnections',
      description:
        'What happened lately: events (services added, forwards connected, errors, ...), errors, or reconnections, newest first.',
      input: z.object({
        type: z.enum(['events', 'errors', 'reconnections']).describe('Which history'),
        service_key: z.string().min(1).optional().describe('Only this service'),
        event_type: z
          .string()
          .min(1)
          .optional()
          .describe("Only events of this type, e.g. 'service.added', 'forward.error'"),
        count: upTo(1000, 'Entries to return (default 100 events, 50 errors or reconnections)'),
      }),
      output: z.looseObject({ type: z.string(), count: z.number().int() }),
      annotations: READ_LOCAL,
      notFound: SERVICE_NOT_FOUND,
    },
    async (a) => {
      const count = a.count ?? (a.type === 'events' ? 100 : 50);
      const ofService = (rows: Row[]) =>
        a.service_key
          ? rows.filter(
              (r) =>
                r.serviceKey === a.service_key || (r.data as Row | undefined)?.serviceKey === a.service_key,
            )
          : rows;
      if (a.type === 'reconnections') {
        const rows = (await client.call(
          a.service_key
            ? client.api.GET('/api/v1/services/{key}/history/reconnections', {
                params: { path: { key: a.service_key }, query: { count } },
              })
            : client.api.GET('/api/v1/history/reconnections', { params: { query: { count } } }),
        )) as Row[];
        return { type: a.type, reconnections: rows, count: rows.length };
      }
      if (a.type === 'errors') {
        const rows = ofService(
          await client.call(client.api.GET('/api/v1/history/errors', { params: { query: { count: 1000 } } })),
        ).slice(0, count);
        return { type: a.type, errors: rows, count: rows.length };
      }
      const all = (await client.call(
        client.api.GET('/api/v1/history/events', { params: { query: { count: 1000 } } }),
      )) as Row[];
      const rows = ofService(all.filter((e) => !a.event_type || e.type === a.event_type)).slice(0, count);
      return { type: a.type, events: rows, count: rows.length };
    },
  );
}
