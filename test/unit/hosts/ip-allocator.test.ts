import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIpAllocator, parseReservations, type ServiceIpKey } from '../../../src/hosts/ip-allocator.ts';

const key = (service: string, namespace = 'ns', context = 'c', pod?: string): ServiceIpKey => ({
  context,
  namespace,
  service,
  pod,
});
const slot = (contextIndex: number, namespaceIndex: number) => ({ contextIndex, namespaceIndex });

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('IP allocator: the original scheme', () => {
  it('adds the context index to the 2nd octet, the namespace index to the 3rd, one 4th-octet step per service', () => {
    const a = createIpAllocator({});
    expect(a.allocate(key('api'), slot(0, 0))).toBe('127.1.27.1');
    expect(a.allocate(key('db'), slot(0, 0))).toBe('127.1.27.2');
    expect(a.allocate(key('api', 'other'), slot(0, 2))).toBe('127.1.29.1');
    expect(a.allocate(key('api', 'ns', 'c2'), slot(1, 1))).toBe('127.2.28.1');
    expect(a.list().map((x) => x.ip)).toEqual(['127.1.27.1', '127.1.27.2', '127.1.29.1', '127.2.28.1']);
  });

  it('keeps an IP per service across pod replacement, gives headless pods their own, and frees on release', () => {
    const a = createIpAllocator({});
    const ip = a.allocate(key('api'), slot(0, 0));
    // A pod replacement does not change the service key: same IP.
    expect(a.allocate(key('api'), slot(0, 0))).toBe(ip);
    const p0 = a.allocate(key('db', 'ns', 'c', 'db-0'), slot(0, 0));
    const p1 = a.allocate(key('db', 'ns', 'c', 'db-1'), slot(0, 0));
    const svc = a.allocate(key('db'), slot(0, 0));
    expect(new Set([ip, p0, p1, svc]).size).toBe(4);
    expect(a.lookup(key('db', 'ns', 'c', 'db-1'))).toBe(p1);
    a.release(key('api'));
    expect(a.lookup(key('api'))).toBeUndefined();
    // Another service does not take the released IP while others are free (api may come back) …
    expect(a.allocate(key('web'), slot(0, 0))).not.toBe(ip);
    // … and api, back again, gets its old address.
    expect(a.allocate(key('api'), slot(0, 0))).toBe(ip);
  });

  it('never hands out 127.0.0.1, .0, .255 or the addresses kubefwd keeps for itself', () => {
    const a = createIpAllocator({ base: '127.0.0.1', reserved: ['127.0.0.2'] });
    expect(a.allocate(key('a'), slot(0, 0))).toBe('127.0.0.3');
    const b = createIpAllocator({ reserved: ['127.2.27.1'] });
    expect(b.allocate(key('api', 'x', 'd'), slot(1, 0))).toBe('127.2.27.2');
  });
});

describe('IP allocator: reservations', () => {
  it('honours -r/-z reservations whenever the service comes, and never gives them to others', () => {
    const a = createIpAllocator({
      reservations: parseReservations(['web:127.1.27.2', 'db.data.c:127.1.27.9']),
    });
    const ips: string[] = [];
    for (let i = 0; i < 254; i++) ips.push(a.allocate(key(`s${i}`), slot(0, 0)));
    expect(ips).not.toContain('127.1.27.2');
    expect(ips).not.toContain('127.1.27.9');
    expect(a.allocate(key('web'), slot(0, 0))).toBe('127.1.27.2');
    expect(a.allocate(key('db', 'data'), slot(0, 3))).toBe('127.1.27.9');
    expect(a.list().find((x) => x.ip === '127.1.27.2')?.reservation).toBe('web');
  });

  it('applies a bare name only to the first namespace of the first context, as the original', () => {
    const a = createIpAllocator({ reservations: parseReservations(['web:127.1.27.200']) });
    expect(a.allocate(key('web', 'second'), slot(0, 1))).toBe('127.1.28.1');
    expect(a.allocate(key('web', 'first'), slot(0, 0))).toBe('127.1.27.200');
  });

  it('keeps a reservation across a release (pod rollout, service re-created)', () => {
    const a = createIpAllocator({ reservations: parseReservations(['web.ns:127.1.27.40']) });
    expect(a.allocate(key('web'), slot(0, 0))).toBe('127.1.27.40');
    a.release(key('web'));
    for (let i = 0; i < 100; i++) a.allocate(key(`s${i}`), slot(0, 0));
    expect(a.allocate(key('web'), slot(0, 0))).toBe('127.1.27.40');
  });

  it('refuses to reserve the API address', () => {
    expect(
      thrownCode(() =>
        createIpAllocator({ reservations: parseReservations(['x:127.2.27.1']), reserved: ['127.2.27.1'] }),
      ),
    ).toBe('CONFIG_INVALID');
  });
});

describe('IP allocator: more than 254 services', () => {
  it('continues into the highest 3rd-octet blocks no namespace index owns', () => {
    const a = createIpAllocator({});
    a.allocate(key('first', 'ns0'), slot(0, 0));
    const ips = new Set<string>();
    for (let i = 0; i < 600; i++) ips.add(a.allocate(key(`s${i}`, 'big'), slot(0, 1)));
    expect(ips.size).toBe(600);
    for (const ip of ips) {
      expect(ip).not.toMatch(/\.(0|255)$/);
      expect(ip.startsWith('127.1.27.')).toBe(false);
    }
    const blocks = [...ips].reduce<Record<string, number>>((m, ip) => {
      const b = ip.split('.').slice(0, 3).join('.');
      m[b] = (m[b] ?? 0) + 1;
      return m;
    }, {});
    expect(blocks).toEqual({ '127.1.28': 254, '127.1.255': 254, '127.1.254': 92 });
  });

  it('gives 10,000 services over 100 namespaces in 2 contexts each its own address, in its namespace block', () => {
    const a = createIpAllocator({});
    const ips = new Set<string>();
    for (let c = 0; c < 2; c++)
      for (let n = 0; n < 50; n++)
        for (let i = 0; i < 100; i++) {
          // Namespace indexes are global across contexts, as the original's.
          const ip = a.allocate(key(`s${i}`, `ns${n}`, `c${c}`), slot(c, c * 50 + n));
          expect(ip).toBe(`127.${1 + c}.${27 + c * 50 + n}.${i + 1}`);
          ips.add(ip);
        }
    expect(ips.size).toBe(10_000);
  });

  it('starts at the lowest free address of a block, and still keeps a released one for its service', () => {
    const a = createIpAllocator({});
    for (let i = 0; i < 5; i++) a.allocate(key(`s${i}`), slot(0, 0));
    a.release(key('s1'));
    // .2 is remembered for s1: a newcomer takes the next free one, s1 gets its own back.
    expect(a.allocate(key('new'), slot(0, 0))).toBe('127.1.27.6');
    expect(a.allocate(key('s1'), slot(0, 0))).toBe('127.1.27.2');
    expect(a.allocate(key('next'), slot(0, 0))).toBe('127.1.27.7');
  });

  it('says IP_EXHAUSTED when truly nothing is left, and for a context past the 2nd octet', () => {
    const a = createIpAllocator({ base: '127.1.254.1' });
    for (let i = 0; i < 508; i++) a.allocate(key(`s${i}`), slot(0, 0));
    expect(thrownCode(() => a.allocate(key('one-more'), slot(0, 0)))).toBe('IP_EXHAUSTED');
    expect(thrownCode(() => createIpAllocator({}).allocate(key('x'), slot(255, 0)))).toBe('IP_EXHAUSTED');
    expect(thrownCode(() => createIpAllocator({}).allocate(key('x'), slot(-1, 0)))).toBe('BAD_REQUEST');
  });
});

describe('IP allocator: invariants under any sequence of allocate and release', () => {
  it('no two live keys share an IP, a live key keeps its IP, nothing ends in .0/.255', () => {
    const op = fc.record({
      release: fc.boolean(),
      svc: fc.integer({ min: 0, max: 40 }),
      ns: fc.integer({ min: 0, max: 3 }),
      pod: fc.option(fc.constantFrom('p0', 'p1'), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const a = createIpAllocator({ reservations: parseReservations(['s1.n0:127.1.27.5']) });
        const live = new Map<string, string>();
        for (const o of ops) {
          const k = key(`s${o.svc}`, `n${o.ns}`, 'c', o.pod);
          const id = `${o.pod ?? ''}/${o.svc}/${o.ns}`;
          if (o.release) {
            a.release(k);
            live.delete(id);
            continue;
          }
          const ip = a.allocate(k, slot(0, o.ns));
          const before = live.get(id);
          if (before) expect(ip).toBe(before);
          live.set(id, ip);
          expect(ip).not.toMatch(/\.(0|255)$/);
          if (o.svc === 1 && o.ns === 0 && !o.pod) expect(ip).toBe('127.1.27.5');
          else expect(ip).not.toBe('127.1.27.5');
        }
        expect(new Set(live.values()).size).toBe(live.size);
      }),
    );
  });
});
