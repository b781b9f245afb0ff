import type { ServiceView } from '../../api/views.ts';
import type { ForwardRates, StampSink } from '../ports.ts';
import type { ServiceRecord } from '../service-registry.ts';

export interface ServiceTextsDeps {
  view: (r: ServiceRecord) => ServiceView;
  serviceRate: (serviceKey: string) => ForwardRates | undefined;
  forwardRate: (forwardKey: string) => ForwardRates | undefined;
}

/**
 * Each service's view as UTF-8 JSON, kept between requests while nothing it shows has changed. At 1,000 services a
 * list spent ~45 % of its time in JSON.stringify and most of the rest making views that read as the last request's
 * did. A service's stamp is every value its view reads (the record's pods and names, each forward's pod, session
 * state, ports, counters' idle epoch, the last sample's rates: see ForwardHandle.stamp), so a kept text is used only
 * when a view made now would be the same: answers are as current as when every view was made per request. A service
 * with a connection open (its byte counters move) is made afresh each time.
 */
export function createServiceTexts(d: ServiceTextsDeps) {
  const kept = new WeakMap<ServiceRecord, { stamp: unknown[]; json: Buffer }>();
  const stamp = createStampWriter();

  /** Puts `r`'s stamp; false when a forward cannot be stamped (a connection is open). */
  function stampOf(r: ServiceRecord, into: StampSink): boolean {
    const rate = d.serviceRate(r.key);
    into.put(r.pods);
    into.put(r.hostnames);
    into.put(r.hostnames.length);
    into.put(r.ip);
    into.put(r.kind);
    into.put(rate?.rateIn);
    into.put(rate?.rateOut);
    if (!r.forward.stamp?.(into, d.forwardRate)) return false;
    into.put(r.podForwards.size);
    for (const e of r.podForwards.values()) {
      into.put(e);
      into.put(e.hostnames);
      into.put(e.hostnames.length);
      if (!e.forward.stamp?.(into, d.forwardRate)) return false;
    }
    return true;
  }

  return {
    /** JSON.stringify(view(r)) in UTF-8: the kept text when `r`'s stamp is the same as when it was made. */
    text(r: ServiceRecord): Buffer {
      const k = kept.get(r);
      const values = k?.stamp ?? [];
      stamp.begin(values);
      const stable = stampOf(r, stamp);
      const same = stamp.end();
      if (stable && same && k) return k.json;
      const json = utf8(JSON.stringify(d.view(r)));
      if (!stable) kept.delete(r);
      else if (k) k.json = json;
      else kept.set(r, { stamp: values, json });
      return json;
    },
  };
}

/**
 * `text` in a buffer of its own: Buffer.from puts short strings in shared 8 KiB slabs, and one kept text would hold a
 * whole slab alive (10,000 texts of ~1.2 KiB kept over time could hold up to 80 MiB).
 */
function utf8(text: string): Buffer {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  b.write(text);
  return b;
}

/**
 * Compares the values put with those of the last stamp while writing them over it: a service that has not changed
 * costs no allocation.
 */
function createStampWriter() {
  let values: unknown[] = [];
  let i = 0;
  let same = true;
  return {
    begin(into: unknown[]): void {
      values = into;
      i = 0;
      same = true;
    },
    put(value: unknown): void {
      if (same && i < values.length && values[i] === value) {
        i++;
        return;
      }
      same = false;
      values[i++] = value;
    },
    /** True when every value was the same as before, and as many. */
    end(): boolean {
      if (i !== values.length) {
        same = false;
        values.length = i;
      }
      return same;
    },
  };
}
