import { describe, expect, it } from 'vitest';
import { SharedTlsKubeConfig } from '../../../src/cluster/shared-tls-kubeconfig.ts';
import { generateTls } from '../../../src/sim/tls.ts';

const cluster = { name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false };

describe('shared TLS kubeconfig', () => {
  it('hands every request with the same credentials the same secure context, and new credentials a new one', async () => {
    const one = await generateTls();
    const two = await generateTls();
    const kc = new SharedTlsKubeConfig();
    const connect = (ca: string) => {
      const options = kc.createDispatcherOptions(cluster, { ca: Buffer.from(ca) });
      if (options.type !== 'agent') throw new Error(`expected an agent, got ${options.type}`);
      return options.connect;
    };
    const a = connect(one.caPem);
    const b = connect(one.caPem);
    expect(a.secureContext).toBeDefined();
    expect(b.secureContext).toBe(a.secureContext);
    // The credentials stay in the options (client-node's own checks read them), beside the parsed form.
    expect(b.ca).toEqual(Buffer.from(one.caPem));
    expect(connect(two.caPem).secureContext).not.toBe(a.secureContext);
  });

  it('leaves requests without TLS material alone', () => {
    const kc = new SharedTlsKubeConfig();
    expect(kc.createDispatcherOptions(cluster, {})).toEqual({ type: 'none' });
  });

  it('hands requests with the same credentials one dispatcher, until closed', async () => {
    const one = await generateTls();
    const two = await generateTls();
    const kc = new SharedTlsKubeConfig();
    const a = kc.dispatcherFor(cluster, { ca: Buffer.from(one.caPem) });
    expect(a).toBeDefined();
    expect(kc.dispatcherFor(cluster, { ca: Buffer.from(one.caPem) })).toBe(a);
    // Another server name or verification makes other connections.
    expect(kc.dispatcherFor(cluster, { ca: Buffer.from(one.caPem), servername: 'other' })).not.toBe(a);
    expect(kc.dispatcherFor(cluster, { ca: Buffer.from(two.caPem) })).not.toBe(a);
    await kc.close();
    // After close, a request still gets a dispatcher, its own one.
    const after = kc.dispatcherFor(cluster, { ca: Buffer.from(one.caPem) });
    expect(after).toBeDefined();
    expect(after).not.toBe(a);
    expect(kc.dispatcherFor(cluster, { ca: Buffer.from(one.caPem) })).not.toBe(after);
  });
});
