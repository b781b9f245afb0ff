import { describe, expect, it } from 'vitest';
import { choosePod, pinPod, resolvePodPort, type ForwardPod } from '../../../src/forwarder/pod-choice.ts';

const pod = (name: string, over: Partial<ForwardPod> = {}): ForwardPod => ({
  namespace: 'ns',
  name,
  uid: `uid-${name}`,
  ready: true,
  terminating: false,
  containerPorts: { http: 8080, '8080': 8080 },
  creationTimestamp: '2024-01-01T00:00:00Z',
  ...over,
});

describe('choosePod', () => {
  it('prefers ready, not terminating pods', () => {
    const pods = [
      pod('a', { ready: false, creationTimestamp: '2020-01-01T00:00:00Z' }),
      pod('b', { terminating: true, creationTimestamp: '2020-01-01T00:00:00Z' }),
      pod('c'),
    ];
    expect(choosePod(pods, undefined, [80])?.name).toBe('c');
  });

  it('returns nothing when no pod is ready (the forward is pending)', () => {
    expect(choosePod([pod('a', { ready: false })], undefined, [80])).toBeUndefined();
    expect(choosePod([], undefined, [80])).toBeUndefined();
  });

  it('picks the oldest, then the first by name', () => {
    const pods = [
      pod('z', { creationTimestamp: '2024-01-02T00:00:00Z' }),
      pod('y', { creationTimestamp: '2024-01-01T00:00:00Z' }),
      pod('x', { creationTimestamp: '2024-01-01T00:00:00Z' }),
    ];
    expect(choosePod(pods, undefined, [80])?.name).toBe('x');
    expect(choosePod([...pods].reverse(), undefined, [80])?.name).toBe('x');
  });

  it('keeps the current pod while it stays ready, even when an older one appears', () => {
    const current = pod('new', { creationTimestamp: '2024-05-01T00:00:00Z' });
    const older = pod('old', { creationTimestamp: '2020-01-01T00:00:00Z' });
    expect(choosePod([older, current], current, [80])?.name).toBe('new');
    expect(choosePod([older, { ...current, ready: false }], current, [80])?.name).toBe('old');
    expect(choosePod([older, { ...current, terminating: true }], current, [80])?.name).toBe('old');
  });

  it('treats a replacement with the same name but another uid as a new pod', () => {
    const current = pod('web-0');
    const replaced = pod('web-0', { uid: 'other' });
    expect(choosePod([replaced], current, [80])?.uid).toBe('other');
  });

  it('skips pods without the named target port', () => {
    const pods = [
      pod('a', { containerPorts: { '9090': 9090 }, creationTimestamp: '2020-01-01T00:00:00Z' }),
      pod('b', { containerPorts: { web: 8081 } }),
    ];
    expect(choosePod(pods, undefined, ['web'])?.name).toBe('b');
    expect(choosePod(pods, undefined, ['nope'])).toBeUndefined();
    // With several ports, a pod that serves more of them wins.
    expect(choosePod(pods, undefined, ['web', 80])?.name).toBe('b');
  });

  it('keeps the current pod only if it still resolves the ports best', () => {
    const current = pod('a', { containerPorts: {} });
    const other = pod('b', { containerPorts: { web: 1 } });
    expect(choosePod([current, other], current, ['web'])?.name).toBe('b');
  });
});

describe('pinPod', () => {
  it('chooses only the named pod, and only while it is usable', () => {
    const pin = pinPod('b');
    expect(pin([pod('a'), pod('b')], undefined, [80])?.name).toBe('b');
    expect(pin([pod('a'), pod('b', { ready: false })], undefined, [80])).toBeUndefined();
    expect(pin([pod('a')], undefined, [80])).toBeUndefined();
  });
});

describe('resolvePodPort', () => {
  it('resolves numbers, numeric strings and names per pod', () => {
    const p = pod('a', { containerPorts: { http: 8080 } });
    expect(resolvePodPort(p, 80)).toBe(80);
    expect(resolvePodPort(p, '81')).toBe(81);
    expect(resolvePodPort(p, 'http')).toBe(8080);
    expect(resolvePodPort(p, 'grpc')).toBeUndefined();
  });
});
