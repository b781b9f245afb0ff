import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger.ts';
import { createLogRing, type LogRecord } from '../../../src/log/log-ring.ts';

const sink = () => ({ write: (_line: string) => undefined });

describe('log ring', () => {
  it('is a pino destination: records from createLogger({ tees }) arrive parsed, levels named', () => {
    const ring = createLogRing({ capacity: 10 });
    const log = createLogger({ format: 'json', level: 'warn', destination: sink(), tees: [ring] });
    log.debug({ service: 'web.ns.ctx', port: 80 }, 'listening');
    log.error({ err: 'boom' }, 'failed');
    const [a, b] = ring.list({ count: 10 });
    expect(a).toMatchObject({ id: 1, level: 'debug', msg: 'listening', service: 'web.ns.ctx', port: 80 });
    expect(typeof a?.time).toBe('number');
    expect(a?.timestamp).toBe(new Date(a?.time as number).toISOString());
    expect(b).toMatchObject({ id: 2, level: 'error', msg: 'failed', err: 'boom', message: 'failed' });
    expect(b?.service).toBeUndefined();
  });

  it('keeps the newest `capacity` records and filters by minimum level and service', () => {
    const ring = createLogRing(3);
    const line = (level: number, msg: string, extra: Record<string, unknown> = {}) =>
      ring.write(`${JSON.stringify({ level, time: 1, msg, ...extra })}\n`);
    line(30, 'zero');
    line(30, 'one');
    line(40, 'two', { serviceKey: 'db.ns.ctx' });
    line(20, 'three', { forwardKey: 'web.ns.ctx.pod.80' });
    line(50, 'four', { service: 'web.ns.ctx' });
    expect(ring.size).toBe(4);
    expect(ring.list({ count: 10 }).map((r) => r.msg)).toEqual(['one', 'two', 'three', 'four']);
    expect(ring.list({ count: 1 }).map((r) => r.msg)).toEqual(['four']);
    expect(ring.list({ count: 10, level: 'warn' }).map((r) => r.msg)).toEqual(['two', 'four']);
    expect(ring.list({ count: 10, service: 'web' }).map((r) => r.msg)).toEqual(['three', 'four']);
    ring.clear();
    expect(ring.list({ count: 10 })).toEqual([]);
  });

  it('keeps debug and trace records apart: a flood of them evicts no warning, and order stays by time', () => {
    const ring = createLogRing(100);
    const line = (level: number, msg: string) => ring.write(`${JSON.stringify({ level, time: 1, msg })}\n`);
    line(40, 'before the flood');
    for (let i = 0; i < 10_000; i++) line(20, `forward ${i}`);
    line(30, 'after');
    expect(ring.size).toBe(102);
    expect(ring.list({ count: 10, level: 'info' }).map((r) => r.msg)).toEqual(['before the flood', 'after']);
    expect(ring.list({ count: 3 }).map((r) => r.msg)).toEqual(['forward 9998', 'forward 9999', 'after']);
    const all = ring.list({ count: 1000 });
    expect(all).toHaveLength(102);
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((a, b) => a - b));
    expect(all[0]?.msg).toBe('before the flood');
    expect(all[1]?.msg).toBe('forward 9900');
  });

  it('hands each record to subscribers until they unsubscribe; one failing subscriber harms no one', () => {
    const ring = createLogRing();
    const seen: LogRecord[] = [];
    ring.subscribe(() => {
      throw new Error('closed stream');
    });
    const off = ring.subscribe((r) => seen.push(r));
    ring.write('{"level":30,"msg":"a"}\n{"level":30,"msg":"b"}\n');
    off();
    ring.write('{"level":30,"msg":"c"}\n');
    expect(seen.map((r) => r.msg)).toEqual(['a', 'b']);
    expect(ring.size).toBe(3);
  });

  it('ignores lines that are not JSON objects, and keeps reserved fields its own', () => {
    let t = 42;
    const ring = createLogRing({ now: () => t++ });
    ring.write('not json\n[1,2]\n\n');
    ring.write(Buffer.from('{"msg":"x","id":"spoofed","level":"warn"}\n'));
    expect(ring.list({ count: 10 })).toEqual([
      expect.objectContaining({ id: 1, msg: 'x', level: 'warn', time: 42 }),
    ]);
  });
});
