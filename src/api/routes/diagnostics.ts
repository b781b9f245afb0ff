import { Router } from 'express';
import {
  analysis,
  classify,
  formatUptime,
  forwardIssues,
  overallStatus,
  serviceSummary,
  statusMessage,
} from '../derive.ts';
import { intParam, notFound } from '../params.ts';
import type { Forward } from '../views.ts';
import { forwardKey } from './forwards.ts';
import { serviceKey } from './services.ts';
import type { RouteContext } from './context.ts';

const diagnose = (f: Forward) => {
  const c = classify(f.error);
  return { ...f, kind: c?.kind ?? null, suggestion: c?.suggestion ?? null };
};

export function diagnosticsRouter({ views, respond, now }: RouteContext): Router {
  const r = Router({ strict: true });

  /** Everything the summary, status and analysis routes share. */
  async function overview() {
    const [services, state, info] = await Promise.all([
      views.services.list({}),
      views.diagnostics.state(),
      views.info(),
    ]);
    const issues = [...forwardIssues(services.flatMap((s) => s.forwards)), ...state.issues];
    const status = overallStatus(views.health(), services, issues);
    return { services, state, info, issues, status, uptime: formatUptime(now() - info.startedAt) };
  }

  r.get('/api/v1/diagnostics', async (_req, res) => {
    const o = await overview();
    const count = (s: string) => o.services.filter((x) => x.status === s).length;
    respond.send(res, {
      status: o.status,
      timestamp: new Date(now()).toISOString(),
      uptime: o.uptime,
      version: o.info.version,
      services: {
        total: o.services.length,
        active: count('active'),
        error: count('error'),
        partial: count('partial'),
        pending: count('pending'),
      },
      issues: o.issues,
      namespaces: o.state.namespaces,
      namespacesDenied: o.state.namespaces
        .filter((n) => n.forbidden !== null)
        .map((n) => ({ key: n.key, message: n.forbidden as string })),
      hostsFile: o.state.hostsFile,
      transports: o.state.transports,
      allocatedIPs: o.state.allocatedIPs,
      recommendations: analysis(o.services, o.issues).recommendations.map((x) => x.message),
    });
  });

  r.get('/api/v1/diagnostics/errors', async (req, res) => {
    const count = intParam(req.query.count, 'count', 50, 1, 500);
    const o = await overview();
    respond.sendList(res, o.issues.filter((i) => i.severity === 'error').slice(0, count));
  });

  r.get('/api/v1/diagnostics/services/:key', async (req, res) => {
    const key = serviceKey(req.params.key);
    const s = await views.services.get(key);
    if (!s) throw notFound('Service', key);
    const state = await views.diagnostics.state();
    respond.send(res, {
      key: s.key,
      serviceName: s.serviceName,
      namespace: s.namespace,
      context: s.context,
      status: s.status,
      localIP: s.localIP,
      hostnames: s.hostnames,
      pods: s.pods,
      forwards: s.forwards.map(diagnose),
      issues: [
        ...forwardIssues(s.forwards),
        ...state.issues.filter((i) => i.serviceKey === key || i.key === key),
      ],
      reconnections: await views.history.reconnections(20, key),
    });
  });

  r.get('/api/v1/diagnostics/forwards/:key', async (req, res) => {
    const key = forwardKey(req.params.key);
    const f = await views.forwards.get(key);
    if (!f) throw notFound('Forward', key);
    respond.send(res, diagnose(f));
  });

  r.get('/api/v1/diagnostics/network', async (_req, res) =>
    respond.send(res, await views.diagnostics.network()),
  );

  r.get('/api/v1/status', async (_req, res) => {
    const o = await overview();
    const s = serviceSummary(o.services);
    respond.send(res, {
      status: o.status,
      message: statusMessage(o.status, o.services, o.issues),
      totalServices: s.totalServices,
      activeServices: s.activeServices,
      errorCount: o.issues.filter((i) => i.severity === 'error').length,
      uptime: o.uptime,
    });
  });

  r.get('/api/v1/analyze', async (_req, res) => {
    const o = await overview();
    const s = serviceSummary(o.services);
    respond.send(res, {
      status: o.status,
      summary: statusMessage(o.status, o.services, o.issues),
      issues: o.issues,
      ...analysis(o.services, o.issues),
      stats: {
        totalServices: s.totalServices,
        activeServices: s.activeServices,
        erroredServices: o.services.filter((x) => x.errorCount > 0).length,
        totalForwards: s.totalForwards,
        activeForwards: s.activeForwards,
        totalBytesIn: s.totalBytesIn,
        totalBytesOut: s.totalBytesOut,
        uptime: o.uptime,
      },
    });
  });
  return r;
}
