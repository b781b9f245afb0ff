import type { ServiceQuery, ServiceStatus, ServiceSummary } from '../../api/views.ts';
import type { ForwardTally } from '../ports.ts';
import type { ServiceRecord } from '../service-registry.ts';
import { createTallyCache, emptyTally, type TallyRow } from './service-tallies.ts';

/** What filtering and the summary need of a service: no forward views, no time-series queries. */
export interface ServiceTally extends ForwardTally {
  status: ServiceStatus;
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
  /** See TallyCacheOptions: the event bus's last id, the clock, how long tallies serve. */
  version: () => number;
  now: () => number;
  maxAgeMs?: number | undefined;
}

/**
 * The services list over the registry's records: ordered by name then key (the order kept between requests while
 * the set of records is unchanged: a record's name and key never change), filtered and summarised on tallies, so
 * a request builds the full view (forwards, rates, endpoints) of the page it answers only. With 10,000 services,
 * building every view to answer a page of 100 was what a request cost. The tallies are kept between requests
 * (service-tallies.ts).
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

  /** `r` counted into `t`, every field written over. */
  function tallyInto(r: ServiceRecord, t: ServiceTally): void {
    t.forwards = t.active = t.errors = t.bytesIn = t.bytesOut = 0;
    r.forward.tally(t);
    if (r.podForwards.size > 0) for (const e of r.podForwards.values()) e.forward.tally(t);
    t.status = serviceStatus(t.active, t.errors);
    const rate = d.rate(r.key);
    t.rateIn = rate?.rateIn ?? 0;
    t.rateOut = rate?.rateOut ?? 0;
  }

  /** `r` counted now. */
  function tally(r: ServiceRecord): ServiceTally {
    const t = emptyTally();
    tallyInto(r, t);
    return t;
  }

  const cache = createTallyCache({
    records: sorted,
    tally: tallyInto,
    version: d.version,
    now: d.now,
    maxAgeMs: d.maxAgeMs,
  });
  const tallies = (): Array<TallyRow<ServiceRecord>> => cache.rows();

  return {
    sorted,
    /** `r` counted now (not the kept tallies). */
    tally,
    /** The summary of every service, as the list's without filters. */
    summary(): ServiceSummary {
      const s = emptySummary();
      for (const t of tallies()) add(s, t);
      return s;
    },
    /**
     * The records of one page of `q`, how many matched (filters and search) and the summary of the filtered ones
     * (not searched), in one pass in list order (so the summary's sums are the views' in the same order).
     */
    query(q: ServiceQuery): { records: ServiceRecord[]; total: number; summary: ServiceSummary } {
      const summary = emptySummary();
      const records: ServiceRecord[] = [];
      const end = q.offset + q.limit;
      let total = 0;
      for (const t of tallies()) {
        const r = t.record;
        if ((q.namespace && r.namespace !== q.namespace) || (q.context && r.context !== q.context)) continue;
        if (q.status && t.status !== q.status) continue;
        add(summary, t);
        if (q.search && !`${r.name} ${r.namespace} ${r.context}`.toLowerCase().includes(q.search)) continue;
        if (total >= q.offset && total < end) records.push(r);
        total++;
      }
      return { records, total, summary };
    },
  };
}

const emptySummary = (): ServiceSummary => ({
  totalServices: 0,
  activeServices: 0,
  totalForwards: 0,
  activeForwards: 0,
  errorCount: 0,
  totalBytesIn: 0,
  totalBytesOut: 0,
  rateIn: 0,
  rateOut: 0,
});

function add(s: ServiceSummary, t: ServiceTally): void {
  s.totalServices++;
  if (t.status === 'active') s.activeServices++;
  s.totalForwards += t.forwards;
  s.activeForwards += t.active;
  s.errorCount += t.errors;
  s.totalBytesIn += t.bytesIn;
  s.totalBytesOut += t.bytesOut;
  s.rateIn += t.rateIn;
  s.rateOut += t.rateOut;
}
