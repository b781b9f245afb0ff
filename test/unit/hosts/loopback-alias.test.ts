import { describe, expect, it } from 'vitest';
import { createLoopbackAliases } from '../../../src/hosts/loopback-alias.ts';

describe('loopback aliases', () => {
  it('on macOS adds an alias once per IP and removes it when the last user goes', () => {
    const calls: string[] = [];
    const a = createLoopbackAliases({
      platform: 'darwin',
      run: (cmd, args) => calls.push(`${cmd} ${args.join(' ')}`),
    });
    a.acquire('127.1.27.1');
    a.acquire('127.1.27.1');
    a.acquire('127.0.0.1');
    a.release('127.1.27.1');
    expect(calls).toEqual(['ifconfig lo0 alias 127.1.27.1 up']);
    a.release('127.1.27.1');
    expect(calls).toEqual(['ifconfig lo0 alias 127.1.27.1 up', 'ifconfig lo0 -alias 127.1.27.1']);
    a.acquire('127.1.27.2');
    a.releaseAll();
    expect(calls.slice(-2)).toEqual(['ifconfig lo0 alias 127.1.27.2 up', 'ifconfig lo0 -alias 127.1.27.2']);
  });

  it('does nothing on Linux and Windows', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const calls: string[] = [];
      const a = createLoopbackAliases({ platform, run: (cmd) => calls.push(cmd) });
      a.acquire('127.1.27.1');
      a.release('127.1.27.1');
      expect(calls).toEqual([]);
    }
  });

  it('lets a failing alias command fail the forward that needed it', () => {
    const a = createLoopbackAliases({
      platform: 'darwin',
      run: () => {
        throw new Error('ifconfig: permission denied');
      },
    });
    expect(() => a.acquire('127.1.27.5')).toThrow(/permission denied/);
  });
});
