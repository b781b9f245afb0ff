/**
 * What Node.js's TLS and sockets alone cost per GB forwarded, a reference beside the daemon's CPU per GB: a relay whose
 * only work is what every Node.js forwarder must do, TLS to an upstream and a local TCP socket, with no port-forward
 * protocol at all (no frames, no streams, no API server). Each accepted connection gets a TLS connection of its own to
 * an HTTPS server that answers as the pod's server does (/bytes/N, /upload). The pod's bytes come back through
 * `pipeBatched` and both sockets have no read-ahead, as the daemon's; it is no floor (in the full runs of scale round
 * five the daemon cost less per GB downloaded than this relay, 0.68-0.77× kubectl against 0.82-0.84×). The client's
 * bytes go out with `pipe()`, a TLS write per chunk read where the daemon batches a turn's frames into one. The
 * upstream's TLS is the simulated API server's (same certificates' kind, same cipher suite order). Upstream and relay
 * each run in a process of their own, the relay with the daemon's V8 flags.
 *
 * `node tls-relay.ts upstream` prints the upstream's port; `node tls-relay.ts relay PORT` the relay's.
 */
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { pipeBatched } from '../../src/forwarder/batched-pipe.ts';
import { noReadAhead } from '../../src/portforward/read-ahead.ts';
import { httpBackend } from '../../src/sim/backends.ts';
import { API_SERVER_CIPHERS, generateTls } from '../../src/sim/tls.ts';
import { commandWorks, freePort, nodeFlags, start, type Proc } from './procs.ts';

export interface TlsRelay {
  /** Where clients connect. */
  port: number;
  /** The relay's process (its CPU is the figure). */
  pid: number;
  /**
   * The same relay in C, when socat is installed: socat with OpenSSL in front of the same upstream, a child process
   * per connection (its CPU counts in `pid`'s `cutime` once reaped: procs.ts's reapedCpuSeconds).
   */
  native: { port: number; pid: number } | undefined;
  stop(): Promise<void>;
}

/** socat relaying TCP to TLS with 128 KiB buffers (its default is 8 KiB), no certificate check, no Nagle. */
async function nativeRelay(upstreamPort: number): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  // -d -d: its notices on stderr, among them the one that it listens.
  const proc = start('socat', [
    '-d',
    '-d',
    '-b',
    String(128 * 1024),
    `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`,
    `OPENSSL:127.0.0.1:${upstreamPort},verify=0,nodelay`,
  ]);
  await proc.waitFor(/listening on/, 10_000);
  return { proc, port };
}

async function upstream(): Promise<number> {
  const material = await generateTls();
  const http = httpBackend(
    { pod: 'relay', namespace: 'bench', container: 'c', port: 8080 },
    { draining: false },
    undefined,
  );
  const server = tls.createServer(
    { key: material.keyPem, cert: material.certPem, ciphers: API_SERVER_CIPHERS, honorCipherOrder: true },
    (socket) => http.emit('connection', socket),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function relay(upstreamPort: number): Promise<number> {
  const server = net.createServer((local) => {
    local.setNoDelay(true);
    noReadAhead(local);
    const remote = tls.connect({ port: upstreamPort, host: '127.0.0.1', rejectUnauthorized: false });
    remote.setNoDelay(true);
    noReadAhead(remote);
    local.pipe(remote);
    pipeBatched(remote, local);
    remote.once('end', () => local.end());
    local.on('error', () => remote.destroy());
    remote.on('error', () => local.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** This file in a process of its own (which a failed bench's `killAll` stops); resolves with the port it printed. */
async function child(args: string[], flags: string[]): Promise<{ proc: Proc; port: number }> {
  const proc = start(process.execPath, [...flags, fileURLToPath(import.meta.url), ...args]);
  const [port] = await proc.waitFor(/^\d+/, 30_000);
  return { proc, port: Number(port) };
}

/** Starts the upstream and the relay in front of it. */
export async function startTlsRelay(): Promise<TlsRelay> {
  const up = await child(['upstream'], []);
  const r = await child(['relay', String(up.port)], nodeFlags()).catch(async (err: unknown) => {
    await up.proc.stop();
    throw err;
  });
  const native = commandWorks('socat', '-V') ? await nativeRelay(up.port) : undefined;
  return {
    port: r.port,
    pid: r.proc.child.pid as number,
    native: native && { port: native.port, pid: native.proc.child.pid as number },
    async stop() {
      await native?.proc.stop();
      await r.proc.stop();
      await up.proc.stop();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, port] = process.argv.slice(2);
  process.stdout.write(String(mode === 'relay' ? await relay(Number(port)) : await upstream()));
}
