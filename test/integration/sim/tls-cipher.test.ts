import { once } from 'node:events';
import tls from 'node:tls';
import { afterAll, expect, it } from 'vitest';
import { createSimulator } from '../../../src/sim/index.ts';

const sim = createSimulator({ control: false, fixture: { clusters: [{ name: 'c', objects: [] }] } });
afterAll(() => sim.close());

it('negotiates AES-128-GCM as a Go API server does, whatever order the client offers', async () => {
  await sim.start();
  const cluster = sim.cluster();
  const url = new URL(cluster.url);
  // Node.js offers AES-256-GCM first; an OpenSSL server that takes its own default order would choose it.
  for (const ciphers of [undefined, 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256']) {
    const client = tls.connect({
      host: url.hostname,
      port: Number(url.port),
      ca: cluster.tls?.caPem,
      ciphers,
    });
    await once(client, 'secureConnect');
    expect(client.getCipher().name).toBe('TLS_AES_128_GCM_SHA256');
    client.destroy();
  }
});
