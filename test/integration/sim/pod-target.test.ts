import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dialPortForward } from '../../../src/portforward/dial.ts';
import type { PortForwardSession } from '../../../src/portforward/types.ts';
import { createSimulator, type Simulator } from '../../../src/sim/index.ts';

// A server the simulator does not run stands in for the pod's port: it tags what it echoes, so the test sees the
// bytes went through it and not through a built-in backend.
const outside = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on('data', (d: Buffer) => s.write(`outside:${d.toString()}`));
  s.on('end', () => s.end());
});
let sim: Simulator;

beforeAll(async () => {
  outside.listen(0, '127.0.0.1');
  await once(outside, 'listening');
  const port = (outside.address() as net.AddressInfo).port;
  const pod = (name: string, target: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', annotations: { 'kubefwd.sim/target-8080': target } },
    spec: { containers: [{ name: 'c', image: 'sim', ports: [{ containerPort: 8080 }] }] },
  });
  sim = createSimulator({
    control: false,
    fixture: {
      clusters: [
        {
          name: 'c',
          objects: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
            pod('good', `127.0.0.1:${port}`),
            pod('bad', 'nowhere'),
          ],
        },
      ],
    },
  });
  await sim.start();
});
afterAll(async () => {
  await sim.close();
  outside.close();
});

async function dial(pod: string): Promise<PortForwardSession> {
  const cluster = sim.cluster();
  const user = [...cluster.users.values()][0];
  return dialPortForward({
    url: new URL(`${cluster.url}/api/v1/namespaces/ns/pods/${pod}/portforward`),
    protocol: 'spdy',
    ports: [8080],
    headers: { Authorization: `Bearer ${user?.token}` },
    ca: cluster.tls?.caPem,
    pingIntervalMs: 0,
  });
}

it('forwards a pod port annotated kubefwd.sim/target-<port> to that address', async () => {
  const session = await dial('good');
  const c = session.open(8080);
  const chunks: Buffer[] = [];
  c.data.on('data', (d: Buffer) => chunks.push(d));
  c.data.end('hello');
  await once(c.data, 'end');
  expect(Buffer.concat(chunks).toString()).toBe('outside:hello');
  expect(await c.error).toBeNull();
  session.destroy();
});

it('says what is wrong with a malformed target on the error stream', async () => {
  const session = await dial('bad');
  const c = session.open(8080);
  c.data.resume();
  c.data.on('error', () => undefined);
  expect(await c.error).toMatch(/kubefwd\.sim\/target-8080 is not HOST:PORT: "nowhere"/);
  session.destroy();
});
