import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { curlDownload } from './curl.ts';
import { quantile } from './stats.ts';

/**
 * Head-of-line blocking: small requests (a new connection, GET /ping, close, one after another) to a pod while one
 * connection downloads `bytes` from the same pod through the same path, against the same requests on the idle path.
 * The bulk download is curl's (as fast as the path allows); the small requests come from a process of their own
 * (hol-client.ts) and are counted only while downloads run (the same download again until MIN_LOADED_S passed).
 */
export interface HolRun {
  idleP99: number;
  loadedP50: number;
  loadedP99: number;
  /** loadedP99 / idleP99. */
  ratio: number;
  samples: number;
}

const IDLE_SAMPLES = 300;
const MIN_LOADED_S = 3;
const CLIENT = fileURLToPath(new URL('./hol-client.ts', import.meta.url));

function smallRequests(
  host: string,
  port: number,
  count: number,
): { stop(): void; times: Promise<number[]> } {
  const child = spawn(process.execPath, [CLIENT, host, String(port), String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const times = new Promise<number[]>((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`hol client exited ${code}`)),
    ),
  );
  return { stop: () => child.stdin.end(), times };
}

export async function headOfLine(
  host: string,
  port: number,
  bytes: number,
  bulkVia: [string, number] = [host, port],
): Promise<HolRun> {
  const idle = await smallRequests(host, port, IDLE_SAMPLES).times;
  const loaded = smallRequests(host, port, 0);
  // The download again until the small requests have had MIN_LOADED_S: a slow path must not end with a handful.
  const t0 = performance.now();
  do await curlDownload(bulkVia[0], bulkVia[1], bytes);
  while (performance.now() - t0 < MIN_LOADED_S * 1000);
  loaded.stop();
  const times = await loaded.times;
  if (times.length === 0) throw new Error('no small request completed during the downloads');
  const idleP99 = quantile(idle, 0.99);
  const loadedP99 = quantile(times, 0.99);
  return {
    idleP99,
    loadedP50: quantile(times, 0.5),
    loadedP99,
    ratio: loadedP99 / idleP99,
    samples: times.length,
  };
}
