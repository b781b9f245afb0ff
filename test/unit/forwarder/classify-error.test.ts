import { describe, expect, it } from 'vitest';
import { KubefwdError } from '../../../src/errors.ts';
import { classifyError } from '../../../src/forwarder/classify-error.ts';
import { PortForwardDialError } from '../../../src/portforward/types.ts';

describe('classifyError', () => {
  it('classifies the texts pods and sockets produce', () => {
    expect(
      classifyError(
        'error forwarding port 9 to pod abc, uid : failed to execute portforward in network namespace "/var/run/netns/cni-1": failed to connect to localhost:9 inside namespace "abc", IPv4: dial tcp4 127.0.0.1:9: connect: connection refused',
      ),
    ).toBe('connection-refused');
    expect(classifyError('failed to find sandbox "x": network namespace for sandbox "x" is closed')).toBe(
      'pod-gone',
    );
    expect(classifyError(new Error('no ready pod for web.ns.ctx within 300 ms'))).toBe('no-ready-pod');
    expect(classifyError('pod web-1 has no port named "grpc"')).toBe('no-such-port');
    expect(classifyError(new Error('connect ETIMEDOUT 10.0.0.1:443'))).toBe('timeout');
    expect(classifyError(new Error('read ECONNRESET'))).toBe('network');
    expect(classifyError('something else')).toBe('other');
  });

  it('uses the dial failure kind and our error codes', () => {
    expect(classifyError(new PortForwardDialError('forbidden', 'x', { status: 403 }))).toBe('forbidden');
    expect(classifyError(new PortForwardDialError('not-found', 'x', { status: 404 }))).toBe('pod-gone');
    expect(classifyError(new PortForwardDialError('upgrade-refused', 'x'))).toBe('upgrade-refused');
    expect(classifyError(new KubefwdError('PORT_IN_USE', '127.1.27.1:80 is already in use'))).toBe(
      'port-in-use',
    );
  });
});
