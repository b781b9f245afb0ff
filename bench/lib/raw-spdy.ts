/**
 * Our raw SPDY client straight to the simulator, no local listener in between: the simulator's own ceiling. It runs
 * in a process of its own, as curl and the forwarders do: in the bench's process it would share a thread with the
 * simulator and understate the ceiling. `node raw-spdy.ts DIRECTION BYTES` reads the endpoint as JSON on stdin, prints
 * `warm` once its warm-up transfer is done, then MB/s and its own CPU seconds (user + system) during the measured
 * transfer, as JSON.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dialPortForward } from '../../src/portforward/dial.ts';
import type { PortForwardSession } from '../../src/portforward/types.ts';
import type { SimEndpoint } from './sim-thread.ts';

type Direction = 'download' | 'upload';
const WARM_BYTES = 64 * 1024 * 1024;

/** One transfer of `bytes` in `direction` on a new stream of session `s`; MB/s. */
async function transfer(s: PortForwardSession, direction: Direction, bytes: number): Promise<number> {
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
  if (direction === 'download' && got < bytes) throw new Error(`raw SPDY download short: ${got}/${bytes}`);
  if (direction === 'upload' && !body.includes(`"received":${bytes}`))
    throw new Error('raw SPDY upload short');
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

export interface RawRun {
  mbps: number;
  /** The client's own CPU seconds (user + system) during the measured transfer. */
  cpuS: number;
}

/** The measured transfer, after one of WARM_BYTES on the same session: a JIT-compiled client, as the paths' are. */
async function measure(sim: SimEndpoint, direction: Direction, bytes: number): Promise<RawRun> {
  const s = await dialPortForward({
    url: new URL(`${sim.url}/api/v1/namespaces/bench/pods/bulk-0/portforward`),
    protocol: 'spdy',
    ports: [8080],
    headers: { Authorization: `Bearer ${sim.token}` },
    ca: sim.ca,
    pingIntervalMs: 0,
  });
  try {
    await transfer(s, direction, WARM_BYTES);
    process.stdout.write('warm\n');
    const c0 = process.cpuUsage();
    const mbps = await transfer(s, direction, bytes);
    const c = process.cpuUsage(c0);
    return { mbps, cpuS: (c.user + c.system) / 1e6 };
  } finally {
    s.destroy();
  }
}

/** One raw SPDY transfer of `bytes` in `direction`, from a process of its own; `warm` is called as it starts. */
export function rawSpdy(
  sim: SimEndpoint,
  direction: Direction,
  bytes: number,
  warm?: () => void,
): Promise<RawRun> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), direction, String(bytes)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (warm && out.startsWith('warm\n')) {
      warm();
      warm = undefined;
    }
  });
  child.stdin.end(JSON.stringify(sim));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.slice(out.indexOf('\n') + 1)) as RawRun)
        : reject(new Error(`raw SPDY client exited ${code}`)),
    ),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const [direction = 'download', bytes = '0'] = process.argv.slice(2);
  process.stdout.write(
    JSON.stringify(await measure(JSON.parse(input) as SimEndpoint, direction as Direction, Number(bytes))),
  );
}
