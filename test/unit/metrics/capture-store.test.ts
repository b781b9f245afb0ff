import { describe, expect, it } from 'vitest';
import { createCaptureStore } from '../../../src/metrics/capture-store.ts';

function exchange(
  store: ReturnType<typeof createCaptureStore>,
  key: string,
  service: string,
  path = '/',
): void {
  const s = store.tap(key, service);
  s.client(Buffer.from(`GET ${path} HTTP/1.1\r\n\r\n`));
  s.server(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'));
  s.end();
}

describe('capture store', () => {
  it('keeps the last N exchanges per forward, newest last, tagged with their keys', () => {
    const store = createCaptureStore({ perForward: 3 });
    for (let i = 0; i < 5; i++) exchange(store, 'web.ns.ctx.pod-a.80', 'web.ns.ctx', `/${i}`);
    const list = store.list('web.ns.ctx.pod-a.80', 10);
    expect(list.map((x) => x.path)).toEqual(['/2', '/3', '/4']);
    expect(list[0]).toMatchObject({
      forwardKey: 'web.ns.ctx.pod-a.80',
      serviceKey: 'web.ns.ctx',
      status: 204,
    });
    expect(store.list('web.ns.ctx.pod-a.80', 1).map((x) => x.path)).toEqual(['/4']);
    expect(store.list('unknown', 10)).toEqual([]);
  });

  it('merges a service’s forwards in time order', () => {
    let t = 0;
    const store = createCaptureStore({ now: () => (t += 1000) });
    exchange(store, 'a', 'svc', '/1');
    exchange(store, 'b', 'svc', '/2');
    exchange(store, 'other', 'other-svc', '/x');
    exchange(store, 'a', 'svc', '/3');
    expect(store.listByService('svc', 10).map((x) => x.path)).toEqual(['/1', '/2', '/3']);
    expect(store.listByService('svc', 2).map((x) => x.path)).toEqual(['/2', '/3']);
    expect(store.forwardKeys('svc').sort()).toEqual(['a', 'b']);
  });

  it('keeps at most maxForwards rings, dropping the least recently used (pods come and go)', () => {
    const store = createCaptureStore({ maxForwards: 3, perForward: 2 });
    for (const k of ['a', 'b', 'c']) exchange(store, k, 'svc');
    exchange(store, 'a', 'svc');
    exchange(store, 'd', 'svc');
    expect(store.size).toBe(3);
    expect(store.list('b', 10)).toEqual([]);
    expect(store.list('a', 10)).toHaveLength(2);
    expect(store.forwardKeys('svc').sort()).toEqual(['a', 'c', 'd']);
    store.forget('a');
    expect(store.size).toBe(2);
  });
});
