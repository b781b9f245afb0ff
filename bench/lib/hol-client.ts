/**
 * The small-request client of the head-of-line scenario, in a process of its own so that its timings are not those of
 * the bench process's event loop (which may be running the simulator). `node hol-client.ts HOST PORT N`: N requests
 * one after another; N = 0: until stdin ends. Prints the milliseconds of each as one JSON array.
 */
import { connectOnce } from './load.ts';

const [host = '127.0.0.1', port = '0', count = '0'] = process.argv.slice(2);
let stop = Number(count) === 0 ? false : undefined;
if (stop === false) {
  process.stdin.on('end', () => (stop = true));
  process.stdin.resume();
}
const times: number[] = [];
while (stop === undefined ? times.length < Number(count) : !stop)
  times.push(await connectOnce(host, Number(port)));
process.stdout.write(`${JSON.stringify(times)}\n`);
process.exit(0);
