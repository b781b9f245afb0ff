import { spawn } from 'node:child_process';
import { closeSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';

/**
 * curl as the client: a native program whose own CPU cost per GB is far below every forwarding path's, so the rate it
 * sees is the path's, not the load generator's. Each run reports curl's own user+system CPU seconds (bash's `time`)
 * beside the rate, so the claim "the client is faster than every path" is shown, not assumed.
 */
export interface CurlRun {
  mbps: number;
  /** curl's own user + system CPU seconds. */
  clientCpuS: number;
}

export const hasCurl = (): Promise<boolean> =>
  new Promise((resolve) => {
    const c = spawn('curl', ['--version'], { stdio: 'ignore' });
    c.on('error', () => resolve(false));
    c.on('exit', (code) => resolve(code === 0));
  });

async function timedCurl(args: string[]): Promise<{ seconds: number; cpuS: number; out: string }> {
  const script = `TIMEFORMAT='%U %S'; time curl -sS --fail --noproxy '*' "$@"`;
  const child = spawn('bash', ['-c', script, 'curl', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const t0 = performance.now();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = (performance.now() - t0) / 1000;
  const times = /([\d.]+) ([\d.]+)\s*$/.exec(err);
  if (code !== 0 || !times) throw new Error(`curl ${args.join(' ')} failed (${code}): ${err.slice(-500)}`);
  return { seconds, cpuS: Number(times[1]) + Number(times[2]), out };
}

/** GET /bytes/N from the HTTP backend, the body discarded by curl itself. */
export async function curlDownload(host: string, port: number, bytes: number): Promise<CurlRun> {
  const r = await timedCurl([
    '-o',
    '/dev/null',
    '-w',
    '%{size_download}',
    `http://${host}:${port}/bytes/${bytes}`,
  ]);
  if (Number(r.out) !== bytes) throw new Error(`short download: ${r.out}/${bytes}`);
  return { mbps: bytes / 1e6 / r.seconds, clientCpuS: r.cpuS };
}

/** A sparse file of `bytes` zeros in `dir`: curl streams it from the page cache without a disk read. */
export function uploadFile(dir: string, bytes: number): string {
  const file = join(dir, `upload-${bytes}`);
  const fd = openSync(file, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return file;
}

/** POST `file` (of `bytes`) to /upload; the backend answers with the count it received. */
export async function curlUpload(host: string, port: number, file: string, bytes: number): Promise<CurlRun> {
  const r = await timedCurl([
    '-X',
    'POST',
    '-H',
    'Expect:',
    '-H',
    'Content-Type: application/octet-stream',
    '-T',
    file,
    `http://${host}:${port}/upload`,
  ]);
  const received = (JSON.parse(r.out) as { received: number }).received;
  if (received !== bytes) throw new Error(`short upload: ${received}/${bytes}`);
  return { mbps: bytes / 1e6 / r.seconds, clientCpuS: r.cpuS };
}

/**
 * GETs `urls` one after another on one kept-alive connection, each body discarded by curl: each request's time
 * (curl's time_total, ms) and curl's own CPU per request (ms). A request that does not answer 200 fails the run.
 */
export async function curlRequests(
  urls: string[],
  headers: Record<string, string> = {},
): Promise<{ times: number[]; clientCpuMsPerRequest: number }> {
  const r = await timedCurl([
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    '-w',
    '%{http_code} %{time_total}\\n',
    ...urls.flatMap((u) => ['-o', '/dev/null', u]),
  ]);
  const lines = r.out.trim().split('\n');
  const times = lines.map((line, i) => {
    const [code, seconds] = line.split(' ');
    if (code !== '200') throw new Error(`${urls[i]} answered ${code}`);
    return Number(seconds) * 1000;
  });
  if (times.length !== urls.length) throw new Error(`curl made ${times.length} of ${urls.length} requests`);
  return { times, clientCpuMsPerRequest: (r.cpuS * 1000) / urls.length };
}

/**
 * `n` connections set up one after another by one curl, each sending GET /ping with `Connection: close` and reading
 * the answer: each one's time (ms, curl's time_total: connect, request, answer) and curl's own CPU per connection (µs).
 */
export async function curlConnects(
  host: string,
  port: number,
  n: number,
): Promise<{ times: number[]; clientCpuUs: number }> {
  const url = `http://${host}:${port}/ping`;
  const r = await timedCurl([
    '-H',
    'Connection: close',
    '-w',
    '%{http_code} %{num_connects} %{time_total}\\n',
    ...Array.from({ length: n }, () => ['-o', '/dev/null', url]).flat(),
  ]);
  const times = r.out
    .trim()
    .split('\n')
    .map((line) => {
      const [code, connects, seconds] = line.split(' ');
      if (code !== '200' || connects !== '1') throw new Error(`${url}: ${line}`);
      return Number(seconds) * 1000;
    });
  if (times.length !== n) throw new Error(`curl made ${times.length} of ${n} connections`);
  return { times, clientCpuUs: (r.cpuS * 1e6) / n };
}
