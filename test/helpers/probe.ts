import http from 'node:http';
import net from 'node:net';
import { waitFor } from './wait-for.ts';

/** One request to a simulated pod's HTTP backend on a fresh connection: which pod answered. */
export function podAt(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/who', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          resolve((JSON.parse(body) as { pod: string }).pod);
        } catch {
          reject(new Error(`not a pod's answer: ${body.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
  });
}

/** Whether nothing listens on (host, port): the connection is refused. */
export const refused = (port: number, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

/** Waits until `port` answers from a pod other than `first` (after `first` was deleted); returns that pod. */
export function anotherPodAt(port: number, first: string, timeoutMs = 10_000): Promise<string> {
  return waitFor(
    async () => {
      const pod = await podAt(port).catch(() => undefined);
      return pod && pod !== first ? pod : undefined;
    },
    { timeoutMs, message: `port ${port} never answered from a pod other than ${first}` },
  );
}
