import type { ServiceQuery, ServiceStatus, ServiceSummary } from '../../api/views.ts';
import type { ForwardHandle } from '../ports.ts';
import type { ServiceRecord } from '../service-registry.ts';

/** What filtering, ordering and the summary need of a service: no forward views, no time-series queries. */
export interface ServiceTally {
  record: ServiceRecord;
  status: ServiceStatus;
  forwards: number;
  active: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  rateIn: number;
  rateOut: number;
}

export const serviceStatus = (active: number, errors: number): ServiceStatus =>
  active > 0 && errors === 0
    ? 'active'
    : errors > 0 && active === 0
      ? 'error'
      : active > 0
        ? 'partial'
        : 'pending';

export interface ServiceListDeps {
  records: () => ServiceRecord[];
  /** The service's current rates (the metrics store's last sample), undefined before its first. */
  rate: (serviceKey: string) => { rateIn: number; rateOut: number } | undefined;
}

/**
 * The services list over the registry's records: ordered by name then key (the order kept between requests while
 * the set of records is unchanged: a record's name and key never change), filtered and summarised on tallies, so
 * a request builds the full view (forwards, rates, endpoints) of the page it answers only. With 10,000 services,
 * building every view to answer a page of 100 was what a request cost.
 */
export function createServiceList(d: ServiceListDeps) {
  // localeCompare's order (the same collation), without a collator made per comparison.
  const collator = new Intl.Collator();
  const byName = (a: ServiceRecord, b: ServiceRecord): number =>
    collator.compare(a.name, b.name) || collator.compare(a.key, b.key);
  let order: ServiceRecord[] = [];
  let members = new Set<ServiceRecord>();

  /** The records in list order. */
  function sorted(): ServiceRecord[] {
    const now = d.records();
    if (now.length !== order.length || !now.every((r) => members.has(r))) {
      order = now.sort(byName);
      members = new Set(order);
    }
    return order;
  }

  function tally(r: ServiceRecord): ServiceTally {
    const t: ServiceTally = {
      record: r,
      status: 'pending',
      forwards: 0,
      active: 0,
      errors: 0,
      bytesIn: 0,
      bytesOut: 0,
      rateIn: 0,
      rateOut: 0,
    };
    const count = (forward: ForwardHandle): void => {
      for (const f of forward.snapshot()) {
        t.forwards++;
        if (f.status === 'active') t.active++;
        else if (f.status === 'error') t.errors++;
        t.bytesIn += f.bytesIn;
        t.bytesOut += f.bytesOut;
      }
    };
    count(r.forward);
    for (const e of r.podForwards.values()) count(e.forward);
    t.status = serviceStatus(t.active, t.errors);
    const rate = d.rate(r.key);
    t.rateIn = rate?.rateIn ?? 0;
    t.rateOut = rate?.rateOut ?? 0;
    return t;
  }

  /** The tallies of the services `q` selects (not searched: the summary covers the filters only), in list order. */
  function filtered(q: Omit<ServiceQuery, 'search' | 'offset' | 'limit'>): ServiceTally[] {
    const out: ServiceTally[] = [];
    for (const r of sorted()) {
      if ((q.namespace && r.namespace !== q.namespace) || (q.context && r.context !== q.context)) continue;
      const t = tally(r);
      if (!q.status || t.status === q.status) out.push(t);
    }
    return out;
  }

  return {
    sorted,
    tally,
    /** The records of one page of `q`, the total it matched (searched) and the summary of the filtered ones. */
    query(q: ServiceQuery): { records: ServiceRecord[]; total: number; summary: ServiceSummary } {
      const all = filtered(q);
      const search = q.search?.toLowerCase();
      const matched = search
        ? all.filter((t) =>
            `${t.record.name} ${t.record.namespace} ${t.record.context}`.toLowerCase().includes(search),
          )
        : all;
      return {
        records: matched.slice(q.offset, q.offset + q.limit).map((t) => t.record),
        total: matched.length,
        summary: summarize(all),
      };
    },
    summarize,
  };
}

/** The list's summary over tallies, in the order (and so with the floating-point sums) of the views' summary. */
export function summarize(tallies: readonly ServiceTally[]): ServiceSummary {
  const s: ServiceSummary = {
    totalServices: tallies.length,
    activeServices: 0,
    totalForwards: 0,
    activeForwards: 0,
    errorCount: 0,
    totalBytesIn: 0,
    totalBytesOut: 0,
    rateIn: 0,
    rateOut: 0,
  };
  for (const t of tallies) {
    if (t.status === 'active') s.activeServices++;
    s.totalForwards += t.forwards;
    s.activeForwards += t.active;
    s.errorCount += t.errors;
    s.totalBytesIn += t.bytesIn;
    s.totalBytesOut += t.bytesOut;
    s.rateIn += t.rateIn;
    s.rateOut += t.rateOut;
  }
  return s;
}
