import { describe, expect, it } from 'vitest';
import type { ServiceView } from '../../../src/api/views.ts';
import type { ForwardHandle, StampSink } from '../../../src/daemon/ports.ts';
import type { ServiceRecord } from '../../../src/daemon/service-registry.ts';
import { createServiceTexts } from '../../../src/daemon/views/service-texts.ts';

/** A record whose forward stamps `state.values` (none while `state.open`) and whose view says `state.views`. */
function fixture(options: { stamp?: boolean } = {}) {
  const state = { values: [1, 'a'] as unknown[], open: false, views: 0 };
  const forward: Partial<ForwardHandle> = {};
  if (options.stamp !== false)
    forward.stamp = (into: StampSink) => {
      for (const v of state.values) into.put(v);
      return !state.open;
    };
  const record = {
    key: 'web.ns.ctx',
    pods: [],
    hostnames: ['web'],
    ip: '127.1.27.1',
    kind: 'normal',
    forward,
    podForwards: new Map(),
  } as unknown as ServiceRecord;
  const serviceRate = { rateIn: 0, rateOut: 0 };
  const texts = createServiceTexts({
    view: () => ({ key: record.key, n: ++state.views, values: state.values }) as unknown as ServiceView,
    serviceRate: () => serviceRate,
    forwardRate: () => undefined,
  });

  return { state, record, serviceRate, texts };
}

describe('service texts', () => {
  it('answers from the kept text while the stamp is the same, and makes it again on any change', () => {
    const f = fixture();
    const first = f.texts.text(f.record);
    expect(f.texts.text(f.record)).toBe(first);
    expect(f.state.views).toBe(1);
    f.state.values = [2, 'a'];
    expect(JSON.parse(f.texts.text(f.record).toString())).toMatchObject({ n: 2, values: [2, 'a'] });
    f.state.values = [2, 'a', undefined];
    f.texts.text(f.record);
    expect(f.state.views).toBe(3);
    f.serviceRate.rateOut = 5;
    f.texts.text(f.record);
    expect(f.state.views).toBe(4);
    (f.record as { pods: unknown[] }).pods = [];
    f.texts.text(f.record);
    expect(f.state.views).toBe(5);
    f.texts.text(f.record);
    expect(f.state.views).toBe(5);
  });

  it('makes the text afresh each time while a connection is open, and for a forward without stamps', () => {
    const open = fixture();
    open.state.open = true;
    open.texts.text(open.record);
    open.texts.text(open.record);
    expect(open.state.views).toBe(2);
    open.state.open = false;
    open.texts.text(open.record);
    open.texts.text(open.record);
    expect(open.state.views).toBe(3);
    const plain = fixture({ stamp: false });
    plain.texts.text(plain.record);
    plain.texts.text(plain.record);
    expect(plain.state.views).toBe(2);
  });
});
