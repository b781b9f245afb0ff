import { describe, expect, it } from 'vitest';
import { createTransportChooser } from '../../../src/forwarder/transport-chooser.ts';
import { PortForwardDialError, type PortForwardProtocol } from '../../../src/portforward/types.ts';

const refused = (p: string): PortForwardDialError =>
  new PortForwardDialError('upgrade-refused', `upgrade to ${p} refused`, { status: 400 });

describe('transport chooser', () => {
  it('prefers the WebSocket tunnel from 1.31 on and plain SPDY before', () => {
    const t = createTransportChooser();
    expect(t.current('new', 31)).toBe('websocket-tunnel');
    expect(t.current('newer', 33)).toBe('websocket-tunnel');
    expect(t.current('old', 30)).toBe('spdy');
    expect(t.all()).toEqual({ new: 'websocket-tunnel', newer: 'websocket-tunnel', old: 'spdy' });
  });

  it('falls back on a refused upgrade and remembers it per context', async () => {
    const t = createTransportChooser();
    const tried: PortForwardProtocol[] = [];
    const accepts = new Set<PortForwardProtocol>(['spdy']);
    const attempt = (p: PortForwardProtocol): Promise<string> => {
      tried.push(p);
      return accepts.has(p) ? Promise.resolve(p) : Promise.reject(refused(p));
    };
    expect(await t.dial('a', 32, attempt)).toBe('spdy');
    expect(tried).toEqual(['websocket-tunnel', 'spdy']);
    tried.length = 0;
    expect(await t.dial('a', 32, attempt)).toBe('spdy');
    expect(tried).toEqual(['spdy']);
    expect(t.all()).toEqual({ a: 'spdy' });
    // Another context starts from its own preference.
    tried.length = 0;
    await t.dial('b', 32, attempt);
    expect(tried).toEqual(['websocket-tunnel', 'spdy']);
  });

  it('uses legacy WebSockets last, and fails when every protocol is refused', async () => {
    const t = createTransportChooser();
    const tried: PortForwardProtocol[] = [];
    await expect(
      t.dial('c', 31, (p) => {
        tried.push(p);
        return Promise.reject(refused(p));
      }),
    ).rejects.toThrow(/websocket-v4 refused/);
    expect(tried).toEqual(['websocket-tunnel', 'spdy', 'websocket-v4']);
    expect(t.all()).toEqual({ c: 'websocket-v4' });
  });

  it('does not fall back on other failures', async () => {
    const t = createTransportChooser();
    const tried: PortForwardProtocol[] = [];
    await expect(
      t.dial('d', 31, (p) => {
        tried.push(p);
        return Promise.reject(new PortForwardDialError('unauthorized', 'no'));
      }),
    ).rejects.toThrow('no');
    await expect(t.dial('d', 31, () => Promise.reject(new Error('socket hang up')))).rejects.toThrow(
      'hang up',
    );
    expect(tried).toEqual(['websocket-tunnel']);
    expect(t.all()).toEqual({ d: 'websocket-tunnel' });
  });

  it('does not skip a protocol when concurrent dials are refused together', async () => {
    const t = createTransportChooser();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tried: PortForwardProtocol[] = [];
    const attempt = async (p: PortForwardProtocol): Promise<string> => {
      tried.push(p);
      if (p === 'websocket-tunnel') {
        await gate;
        throw refused(p);
      }
      return p;
    };
    const both = Promise.all([t.dial('e', 31, attempt), t.dial('e', 31, attempt)]);
    release();
    expect(await both).toEqual(['spdy', 'spdy']);
    expect(tried.filter((p) => p === 'websocket-v4')).toEqual([]);
    expect(t.all()).toEqual({ e: 'spdy' });
  });
});
