/**
 * SSE clients in a process of their own (the bench's own process also runs the simulator, whose work for one event
 * would otherwise delay the clients' reads): `node sse-clients.ts URL COUNT TOKEN EVENT`. Opens COUNT streams with
 * node:http, writes `ready` once every stream has its first comment, then, for each stream, the absolute time
 * (performance.timeOrigin + now, ms) at which EVENT arrived, as one JSON line once all have it.
 */
import http from 'node:http';

const [url, countArg, token, event] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countArg);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const at = (): number => performance.timeOrigin + performance.now();
const times: number[] = new Array<number>(count);
let open = 0;
let got = 0;
const requests: http.ClientRequest[] = [];

for (let i = 0; i < count; i++) {
  const req = http.get(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
    if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
    res.setEncoding('utf8');
    let text = '';
    let first = true;
    res.on('data', (chunk: string) => {
      if (first) {
        first = false;
        if (++open === count) process.stdout.write('ready\n');
        return;
      }
      if (times[i] !== undefined) return;
      text += chunk;
      if (text.includes(`event: ${event}`)) {
        times[i] = at();
        if (++got === count) {
          process.stdout.write(`${JSON.stringify(times)}\n`);
          for (const r of requests) r.destroy();
        }
      }
    });
  });
  req.on('error', (err) => {
    if (got < count) throw err;
  });
  requests.push(req);
}
