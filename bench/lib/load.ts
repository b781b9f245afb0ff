import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';

const agent = new http.Agent({ keepAlive: false });

/** Downloads `bytes` from the HTTP backend's /bytes/N; returns MB/s (10^6 bytes). */
export async function download(host: string, port: number, bytes: number): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host, port, path: `/bytes/${bytes}`, agent }, (res) => {
      let got = 0;
      res.on('data', (d: Buffer) => (got += d.length));
      res.on('end', () => (got === bytes ? resolve() : reject(new Error(`short download: ${got}/${bytes}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

const CHUNK = Buffer.alloc(256 * 1024, 0x62);

/** Uploads `bytes` as a POST body; the backend answers with the count it received. */
export async function upload(host: string, port: number, bytes: number): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = http.request(
      { host, port, path: '/upload', method: 'POST', agent, headers: { 'Content-Length': String(bytes) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          const received = (JSON.parse(body) as { received: number }).received;
          if (received === bytes) resolve();
          else reject(new Error(`short upload: ${received}/${bytes}`));
        });
      },
    );
    req.on('error', reject);
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

/** One new TCP connection with one small HTTP request; returns milliseconds. */
export async function connectOnce(host: string, port: number): Promise<number> {
  const start = performance.now();
  const s = net.connect(port, host);
  s.setNoDelay(true);
  await once(s, 'connect');
  s.write('GET /ping HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n');
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => (got += d));
  await once(s, 'end');
  s.destroy();
  if (!got.startsWith('HTTP/1.1 200')) throw new Error(`bad answer: ${got.slice(0, 40)}`);
  return performance.now() - start;
}

/** `n` concurrent downloads of `bytes` each: aggregate MB/s and the number that failed. */
export async function concurrent(
  host: string,
  port: number,
  n: number,
  bytes: number,
): Promise<{ mbps: number; errors: number }> {
  const start = performance.now();
  const results = await Promise.allSettled(Array.from({ length: n }, () => download(host, port, bytes)));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  return { mbps: (ok * bytes) / 1e6 / ((performance.now() - start) / 1000), errors: n - ok };
}
