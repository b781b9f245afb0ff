import { describe, expect, it } from 'vitest';
import { createTransportChooser, protocolOrder } from '../../../src/forwarder/transport-chooser.ts';
import { PortForwardDialError, type PortForwardProtocol } from '../../../src/portforward/types.ts';

const refused = (p: string): PortForwardDialError =>
  new PortForwardDialError('upgrade-refused', `upgrade to ${p} refused`, { status: 400 });

/** An attempt that every server refuses, and the protocols it was tried with. */
function refuseAll(): { tried: PortForwardProtocol[]; attempt: (p: PortForwardProtocol) => Promise<never> } {
  const tried: PortForwardProtocol[] = [];
  return {
    tried,
    attempt: (p) => {
      tried.push(p);
      return Promise.reject(refused(p));
    },
  };
}

describe('transport chooser', () => {
  it('starts with plain SPDY; the tunnel is a fallback only where the server has it (1.31 on)', () => {
    const t = createTransportChooser();
    expect(t.current('new', 31)).toBe('spdy');
    expect(t.current('old', 30)).toBe('spdy');
    expect(t.all()).toEqual({ new: 'spdy', old: 'spdy' });
    expect(protocolOrder('auto', 31)).toEqual(['spdy', 'websocket-tunnel', 'websocket-v4']);
    expect(protocolOrder('auto', 30)).toEqual(['spdy', 'websocket-v4']);
  });

  it('a chosen protocol is the only one tried', async () => {
    const t = createTransportChooser({ preference: 'websocket-tunnel' });
    expect(t.current('a', 20)).toBe('websocket-tunnel');
    const { tried, attempt } = refuseAll();
    await expect(t.dial('b', 32, attempt)).rejects.toThrow(/websocket-tunnel refused/);
    expect(tried).toEqual(['websocket-tunnel']);
  });

  it('falls back on a refused upgrade and remembers it per context', async () => {
    const t = createTransportChooser();
    const tried: PortForwardProtocol[] = [];
    const accepts = new Set<PortForwardProtocol>(['websocket-tunnel']);
    const attempt = (p: PortForwardProtocol): Promise<string> => {
      tried.push(p);
      return accepts.has(p) ? Promise.resolve(p) : Promise.reject(refused(p));
    };
    expect(await t.dial('a', 32, attempt)).toBe('websocket-tunnel');
    expect(tried).toEqual(['spdy', 'websocket-tunnel']);
    tried.length = 0;
    expect(await t.dial('a', 32, attempt)).toBe('websocket-tunnel');
    expect(tried).toEqual(['websocket-tunnel']);
    expect(t.all()).toEqual({ a: 'websocket-tunnel' });
    // Another context starts from its own order.
    tried.length = 0;
    await t.dial('b', 32, attempt);
    expect(tried).toEqual(['spdy', 'websocket-tunnel']);
    // A server before 1.31 has no tunnel: legacy WebSockets follow SPDY.
    tried.length = 0;
    await expect(t.dial('old', 30, attempt)).rejects.toThrow(/websocket-v4 refused/);
    expect(tried).toEqual(['spdy', 'websocket-v4']);
  });

  it('uses legacy WebSockets last, and fails when every protocol is refused', async () => {
    const t = createTransportChooser();
    const { tried, attempt } = refuseAll();
    await expect(t.dial('c', 31, attempt)).rejects.toThrow(/websocket-v4 refused/);
    expect(tried).toEqual(['spdy', 'websocket-tunnel', 'websocket-v4']);
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
    expect(tried).toEqual(['spdy']);
    expect(t.all()).toEqual({ d: 'spdy' });
  });

  it('does not skip a protocol when concurrent dials are refused together', async () => {
    const t = createTransportChooser();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tried: PortForwardProtocol[] = [];
    const attempt = async (p: PortForwardProtocol): Promise<string> => {
      tried.push(p);
      if (p === 'spdy') {
        await gate;
        throw refused(p);
      }
      return p;
    };
    const both = Promise.all([t.dial('e', 31, attempt), t.dial('e', 31, attempt)]);
    release();
    expect(await both).toEqual(['websocket-tunnel', 'websocket-tunnel']);
    expect(tried.filter((p) => p === 'websocket-v4')).toEqual([]);
    expect(t.all()).toEqual({ e: 'websocket-tunnel' });
  });
});
