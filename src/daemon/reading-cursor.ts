import type { ReadingVisitor } from '../metrics/metrics-store.ts';
import type { ServiceRecord } from './service-registry.ts';

/**
 * The metrics store's `visitSome` over the registry: visits the forwards of up to `budget` services from where the
 * last call stopped, true once it has been through them all (the next call starts over). The registry's iterator
 * is kept between calls: services removed meanwhile are skipped, services added are visited if the cursor has not
 * passed them yet (or by the next pass).
 */
export function createReadingCursor(
  records: () => Iterator<ServiceRecord>,
): (visitor: ReadingVisitor, budget: number) => boolean {
  let cursor: Iterator<ServiceRecord> | undefined;
  return (visitor, budget) => {
    cursor ??= records();
    for (let n = 0; n < budget; n++) {
      const next = cursor.next();
      if (next.done) {
        cursor = undefined;
        return true;
      }
      const r = next.value;
      r.forward.visitReadings(visitor);
      for (const p of r.podForwards.values()) p.forward.visitReadings(visitor);
    }
    return false;
  };
}
