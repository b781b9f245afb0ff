/**
 * Our raw SPDY client straight to the simulator, no local listener in between: the simulator's own ceiling. It runs
 * in a process of its own, as curl and the forwarders do: in the bench's process it would share a thread with the
 * simulator and understate the ceiling. `node raw-spdy.ts DIRECTION BYTES` reads the endpoint as JSON on stdin and
 * prints MB/s; `node raw-spdy.ts connect N` prints the milliseconds of N connections as a JSON array.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dialPortForward } from '../../src/portforward/dial.ts';
import type { SimEndpoint } from './sim-thread.ts';

type Direction = 'download' | 'upload';
const WARM = 300;

const dial = (sim: SimEndpoint) =>
  dialPortForward({
    url: new URL(`${sim.url}/api/v1/namespaces/bench/pods/bulk-0/portforward`),
    protocol: 'spdy',
    ports: [8080],
    headers: { Authorization: `Bearer ${sim.token}` },
    ca: sim.ca,
    pingIntervalMs: 0,
  });

/**
 * The simulator's own part of a connection: on one session, `count` times one after another, a new stream pair, the
 * same GET /ping as the bench's connection setup (lib/load.ts connectOnce), its answer read to the stream's end. A
 * forwarder's connection does all of this and more (the local TCP connection, its own relaying), so these times are
 * a floor under any forwarder's setup through this simulator that does not dial the pod before the client comes.
 */
async function connects(sim: SimEndpoint, count: number): Promise<number[]> {
  const s = await dial(sim);
  const times: number[] = [];
  // Warmed up first, as the forwarders are (lib/data-plane.ts): the first WARM are not counted.
  for (let i = -WARM; i < count; i++) {
    const t0 = performance.now();
    const c = s.open(8080);
    c.data.write('GET /ping HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n');
    let got = '';
    c.data.setEncoding('latin1');
    c.data.on('data', (d: string) => (got += d));
    await once(c.data, 'end');
    c.data.destroy();
    if (!got.startsWith('HTTP/1.1 200')) throw new Error(`bad answer: ${got.slice(0, 40)}`);
    if (i >= 0) times.push(performance.now() - t0);
  }
  s.destroy();
  return times;
}

async function measure(sim: SimEndpoint, direction: Direction, bytes: number): Promise<number> {
  const s = await dial(sim);
  const c = s.open(8080);
  const t0 = performance.now();
  let got = 0;
  let body = '';
  const done = new Promise<void>((resolve) => {
    c.data.on('data', (d: Buffer) => {
      got += d.length;
      if (direction === 'upload') body += d.toString('latin1');
    });
    c.data.on('end', () => resolve());
  });
  if (direction === 'download') {
    c.data.write(`GET /bytes/${bytes} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  } else {
    c.data.write(`POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${bytes}\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 0x62);
    for (let left = bytes; left > 0; left -= chunk.length) {
      if (!c.data.write(left >= chunk.length ? chunk : chunk.subarray(0, left)))
        await new Promise((r) => c.data.once('drain', r));
    }
  }
  await done;
  s.destroy();
  if (direction === 'download' && got < bytes) throw new Error(`raw SPDY download short: ${got}/${bytes}`);
  if (direction === 'upload' && !body.includes(`"received":${bytes}`))
    throw new Error('raw SPDY upload short');
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

/** Runs this file as a process of its own: `arg` is a direction or `connect`, `n` bytes or connections. */
function child(sim: SimEndpoint, arg: string, n: number): Promise<string> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), arg, String(n)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(JSON.stringify(sim));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`raw SPDY client exited ${code}`)),
    ),
  );
}

/** One raw SPDY transfer of `bytes` in `direction`, from a process of its own; MB/s. */
export const rawSpdy = async (sim: SimEndpoint, direction: Direction, bytes: number): Promise<number> =>
  Number(await child(sim, direction, bytes));

/** `count` raw SPDY connections (see `connects`), from a process of its own; milliseconds each. */
export const rawSpdyConnects = async (sim: SimEndpoint, count: number): Promise<number[]> =>
  JSON.parse(await child(sim, 'connect', count)) as number[];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const [arg = 'download', n = '0'] = process.argv.slice(2);
  const sim = JSON.parse(input) as SimEndpoint;
  process.stdout.write(
    arg === 'connect'
      ? JSON.stringify(await connects(sim, Number(n)))
      : String(await measure(sim, arg as Direction, Number(n))),
  );
}
