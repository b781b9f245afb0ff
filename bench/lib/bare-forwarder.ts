/**
 * The least a port-forward client in Node.js does per connection, a reference beside the daemon's connection setup:
 * one SPDY session to the pod, and for each accepted connection the two SYN_STREAMs, its bytes as DATA frames, the
 * pod's DATA frames written back (a turn's in one write), FIN both ways. No streams as objects, no pod choice, no
 * counters, no events, no capture: what is left is the work no forwarder written in Node.js can skip (accept, TLS,
 * sockets, frames). It uses the daemon's own frame encoder, parser and header compressor, the cheapest parts of its
 * path. Its one backpressure is a client's reads pausing while the session's transport holds more than the daemon
 * lets it (an upload would otherwise pile up in memory); not a forwarder to use: it trusts the client to read as fast
 * as the pod writes.
 *
 * `node bare-forwarder.ts` reads the simulator's endpoint as JSON from BARE_FORWARDER_SIM and prints the port it listens on
 * (127.0.0.1), forwarding to port 8080 of pod bench/bulk-0. It runs with the daemon's V8 flags (nodeFlags).
 */
import net from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PORTFORWARD_PROTOCOL } from '../../src/portforward/constants.ts';
import { FLAG_FIN, FRAME, dataHeader, synStreamFrame } from '../../src/portforward/spdy/frames.ts';
import { createHeaderCodec } from '../../src/portforward/spdy/header-codec.ts';
import { FrameParser } from '../../src/portforward/spdy/parser.ts';
import { upgradeRequest } from '../../src/portforward/upgrade.ts';
import { nodeFlags, start, type Proc } from './procs.ts';
import type { SimEndpoint } from './sim-thread.ts';

const POD_PORT = '8080';
/** What the session's transport may hold before a client's reads pause (the daemon's session bound). */
const HOLD_BYTES = 1024 * 1024;

async function serve(sim: SimEndpoint): Promise<number> {
  const { socket: tls, head } = await upgradeRequest(
    {
      url: new URL(`${sim.url}/api/v1/namespaces/bench/pods/bulk-0/portforward`),
      protocol: 'spdy',
      ports: [8080],
      headers: { Authorization: `Bearer ${sim.token}` },
      ca: sim.ca,
    },
    'POST',
    { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': PORTFORWARD_PROTOCOL },
  );
  const codec = createHeaderCodec();
  const clients = new Map<number, Socket>();
  const corked = new Set<Socket>();
  const uncork = (): void => {
    for (const client of corked) client.uncork();
    corked.clear();
  };
  const parser = new FrameParser({
    onControl(type, _flags, payload) {
      // A reset stream: its client is cut. SYN_REPLY, PING and the rest need nothing here.
      if (type === FRAME.RST_STREAM) clients.get(payload.readUInt32BE(0) & 0x7fffffff)?.destroy();
    },
    onData(id, piece, fin) {
      const client = clients.get(id);
      if (!client) return;
      if (piece.length > 0) {
        // What arrives for a client within one turn leaves in one write, as the daemon's do.
        if (!corked.has(client)) {
          if (corked.size === 0) setImmediate(uncork);
          corked.add(client);
          client.cork();
        }
        client.write(piece);
      }
      if (fin) client.end();
    },
  });
  tls.on('data', (chunk: Buffer) => parser.push(chunk));
  tls.on('error', () => process.exit(1));
  tls.on('close', () => process.exit(0));
  if (head.length > 0) parser.push(head);
  let nextId = 1;
  let requestId = 0;
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const errorId = nextId;
    const dataId = nextId + 2;
    nextId += 4;
    const requestID = String(++requestId);
    clients.set(dataId, client);
    tls.cork();
    tls.write(synStreamFrame(codec, errorId, { streamType: 'error', port: POD_PORT, requestID }));
    tls.write(dataHeader(errorId, FLAG_FIN, 0));
    tls.write(synStreamFrame(codec, dataId, { streamType: 'data', port: POD_PORT, requestID }));
    tls.uncork();
    client.on('data', (chunk: Buffer) => {
      tls.cork();
      tls.write(dataHeader(dataId, 0, chunk.length));
      tls.write(chunk);
      if (tls.writableLength > HOLD_BYTES) {
        client.pause();
        tls.once('drain', () => client.resume());
      }
      tls.uncork();
    });
    client.on('end', () => tls.write(dataHeader(dataId, FLAG_FIN, 0)));
    client.on('error', () => undefined);
    client.on('close', () => clients.delete(dataId));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/**
 * Starts the bare forwarder in a process of its own against the simulator's `sim`, with the V8 flags of `launcher`
 * (the benchmarks' daemon build by default).
 */
export async function startBareForwarder(
  sim: SimEndpoint,
  launcher?: string,
): Promise<{ proc: Proc; port: number }> {
  const proc = start(process.execPath, [...nodeFlags(launcher), fileURLToPath(import.meta.url)], {
    BARE_FORWARDER_SIM: JSON.stringify(sim),
  });
  const [, port] = await proc.waitFor(/listening on (\d+)/, 30_000);
  return { proc, port: Number(port) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // An exit of its own on SIGTERM, so that flags such as --cpu-prof (BENCH_NODE_FLAGS) write their output.
  process.once('SIGTERM', () => process.exit(0));
  const port = await serve(JSON.parse(process.env.BARE_FORWARDER_SIM ?? '{}') as SimEndpoint);
  process.stdout.write(`listening on ${port}\n`);
}
