import { Router } from 'express';
import type { AuditReader } from '../../audit/types.ts';
import { bad, intParam, send, strParam } from '../envelope.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 date-time or Unix seconds (k13d's `from={timestamp}`), as epoch milliseconds. */
function timeParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && /^\d{1,11}$/.test(value)) return Number(value) * 1000;
  const t = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw bad(`${name} must be an RFC 3339 date-time or Unix seconds`);
  return t;
}

export function auditRouter(audit: AuditReader): Router {
  const r = Router();
  r.get('/api/v1/audit', async (req, res) => {
    const from = timeParam(req.query.from, 'from');
    const to = timeParam(req.query.to, 'to');
    if (from !== undefined && to !== undefined && from > to) throw bad('from must not be after to');
    const page = await audit.query({
      limit: intParam(req.query.limit, 'limit', 100, 1, 1000),
      offset: intParam(req.query.offset, 'offset', 0, 0, 1_000_000),
      action: strParam(req.query.action, 'action', /^[A-Za-z][A-Za-z0-9._-]{0,99}$/),
      user: strParam(req.query.user, 'user', /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/),
      from,
      to,
    });
    send(res, 'listAudit', page, { count: page.items.length, total: page.total });
  });
  return r;
}
