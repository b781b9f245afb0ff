import { describe, expect, it } from 'vitest';
import { createBalancer } from '../../../src/forwarder/balancer.ts';
import { createEndpointSet, type EndpointEventType } from '../../../src/forwarder/endpoint-set.ts';
import type { ForwardPod } from '../../../src/forwarder/pod-choice.ts';
import type { PodRef } from '../../../src/forwarder/pod-sessions.ts';
import type { PortForwardSession } from '../../../src/portforward/types.ts';

const pod = (name: string, over: Partial<ForwardPod> = {}): ForwardPod => ({
  namespace: 'ns',
  name,
  uid: `uid-${name}`,
  ready: true,
  terminating: false,
  containerPorts: {},
  creationTimestamp: '2024-01-01T00:00:00Z',
  ...over,
});

/** Sessions that are connected while held: what the set needs of them, with the holds visible. */
function fakeSessions() {
  const held = new Map<string, number>();
  return {
    held,
    hold(ref: PodRef) {
      held.set(ref.name, (held.get(ref.name) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        held.set(ref.name, (held.get(ref.name) ?? 1) - 1);
      };
    },
    live: (ref: PodRef) => ((held.get(ref.name) ?? 0) > 0 ? ({} as PortForwardSession) : undefined),
  };
}

function make(maxSessions = 8) {
  const sessions = fakeSessions();
  const events: Array<[EndpointEventType, string]> = [];
  const set = createEndpointSet({
    context: 'ctx',
    sessions,
    balancer: createBalancer({ policy: 'round-robin' }),
    maxSessions,
    onEvent: (type, p) => events.push([type, p.name]),
  });
  return { set, sessions, events };
}

const meter = { bytesRead: 5, bytesWritten: 7 };

describe('endpoint set', () => {
  it('holds sessions only once warmed, bounded by maxSessions', () => {
    const { set, sessions, events } = make(2);
    const pods = [pod('a'), pod('b'), pod('c')];
    set.update(pods, pods);
    expect(events).toEqual([
      ['endpoint.added', 'a'],
      ['endpoint.added', 'b'],
    ]);
    expect(sessions.held.size).toBe(0);
    expect(set.pick(undefined)).toBeUndefined();
    set.warmUp();
    expect([...sessions.held.entries()]).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(new Set([set.pick(undefined)?.name, set.pick(undefined)?.name])).toEqual(new Set(['a', 'b']));
  });

  it('an endpoint leaving with connections drains until the last ends, then goes', () => {
    const { set, sessions, events } = make();
    const a = pod('a');
    const b = pod('b');
    set.update([a, b], [a, b]);
    set.warmUp();
    const done = set.track(a, meter);
    const terminating = { ...a, terminating: true, ready: false };
    set.update([b], [terminating, b]);
    expect(events.at(-1)).toEqual(['endpoint.draining', 'a']);
    expect(set.views().find((v) => v.pod === 'a')).toMatchObject({ state: 'draining', connectionsActive: 1 });
    expect(sessions.held.get('a')).toBe(1);
    for (let i = 0; i < 4; i++) expect(set.pick(undefined)?.name).toBe('b');
    done();
    expect(events.at(-1)).toEqual(['endpoint.removed', 'a']);
    expect(sessions.held.get('a')).toBe(0);
    expect(set.views().map((v) => v.pod)).toEqual(['b']);
  });

  it('an endpoint leaving without connections goes at once; a deleted pod goes even with connections', () => {
    const { set, events } = make();
    const a = pod('a');
    const b = pod('b');
    set.update([a, b], [a, b]);
    set.update([b], [{ ...a, ready: false }, b]);
    expect(events.at(-1)).toEqual(['endpoint.removed', 'a']);
    set.track(b, meter);
    set.update([], []);
    expect(events.at(-1)).toEqual(['endpoint.removed', 'b']);
  });

  it('counts connections and bytes per endpoint, live and closed', () => {
    const { set } = make();
    const a = pod('a');
    set.update([a], [a]);
    const live = { bytesRead: 1, bytesWritten: 2 };
    set.track(a, meter)();
    set.track(a, live);
    expect(set.views()[0]).toMatchObject({
      connectionsActive: 1,
      connectionsTotal: 2,
      bytesIn: 9,
      bytesOut: 6,
    });
  });
});
