// The terminal UI at scale: frame times with 1,000 forwards and the daemon's CPU with the UI attached vs not.
// Usage: npm run bench:tui --  [--window 20] [--services 1000]. Results on stdout as JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import React from 'react';
import { render } from 'ink';
import { createKubefwdClient } from '../src/client/client.ts';
import { createSimulator } from '../src/sim/index.ts';
import type { KObject } from '../src/sim/store.ts';
import { App } from '../src/tui/app.ts';
import { createClientStore } from '../src/tui/client-store.ts';
import { INK_OPTIONS } from '../src/tui/run-tui.ts';
import { resolveTheme } from '../src/tui/theme.ts';
import { ns, pod, svc } from './lib/objects.ts';
import { startBenchDaemon } from './lib/daemon.ts';
import { cpuSeconds } from './lib/procs.ts';
import { quantile, round } from './lib/stats.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const WINDOW_S = arg('window', 20);
const SERVICES = arg('services', 1000);
const KEY = 'bench-tui-key';
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const stats = (xs: number[]) => ({
  n: xs.length,
  p50: round(quantile(xs, 0.5)),
  p95: round(quantile(xs, 0.95)),
  max: round(Math.max(...xs)),
});

const dir = mkdtempSync(join(tmpdir(), 'kubefwd-bench-tui-'));
const objects: KObject[] = [];
for (let i = 0; i < 10; i++) {
  objects.push(ns(`ns${i}`), pod(`app-${i}`, `ns${i}`, 'app'));
  for (let j = 0; j < SERVICES / 10; j++) objects.push(svc(`s${j}`, `ns${i}`, 'app', 8000 + j));
}
const sim = createSimulator({ control: false, fixture: { clusters: [{ name: 'scale', objects }] } });
await sim.start();
const { proc: daemon, api } = await startBenchDaemon({
  dir,
  sim,
  namespaces: Array.from({ length: 10 }, (_, i) => `ns${i}`),
  apiKey: KEY,
});
try {
  await daemon.waitFor(/Forwarding \d+ service/, 300_000);
  const pid = daemon.child.pid as number;
  const cpuPct = async (): Promise<number> => {
    const c0 = cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(WINDOW_S * 1000);
    return round(((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100) ?? 0;
  };
  await sleep(10_000); // let start-up work (heap trim, first samples) pass before measuring idle
  log(`daemon ready with ${SERVICES} services; idle CPU over ${WINDOW_S} s…`);
  const before = await cpuPct();

  // The UI as `kubefwd tui` runs it, into a terminal that discards its output.
  // Counts the UI's requests by path: what it asks of the daemon is what costs the daemon.
  const requests: Record<string, number> = {};
  const counting: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests[url.pathname] = (requests[url.pathname] ?? 0) + 1;
    return fetch(input, init);
  };
  const client = createKubefwdClient({ baseUrl: api, apiKey: KEY, fetch: counting });
  const inner = createClientStore({ client });
  const reactMs: number[] = [];
  await inner.start();
  let bytes = 0;
  const stdout = Object.assign(
    new Writable({
      write: (chunk: Buffer, _e, cb) => {
        bytes += chunk.length;
        cb();
      },
    }),
    { isTTY: true, columns: 120, rows: 40 },
  );
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode: () => stdin,
    ref: () => stdin,
    unref: () => stdin,
  });
  const inkMs: number[] = [];
  const instance = render(
    React.createElement(
      React.Profiler,
      { id: 'app', onRender: (_id: string, _phase: string, ms: number) => void reactMs.push(ms) },
      React.createElement(App, {
        store: inner,
        theme: resolveTheme('dark', {}),
        copy: () => Promise.reject(new Error('none')),
        onQuit: () => undefined,
      }),
    ),
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      ...INK_OPTIONS,
      onRender: ({ renderTime }) => inkMs.push(renderTime),
    },
  );
  const attachCpu = cpuSeconds(pid);
  await sleep(5000);
  const attach_cpu_s = round(cpuSeconds(pid) - attachCpu);
  log('UI attached; CPU over the same window…');
  const requestsBefore = { ...requests };
  const withUi = await cpuPct();
  const requestsInWindow = Object.fromEntries(
    Object.entries(requests).map(([k, v]) => [k, v - (requestsBefore[k] ?? 0)]),
  );
  const rows = inner.getSnapshot().forwards.length;
  // Keys: each is a frame of its own (the selection moves, the filter narrows 1,000 rows).
  const keyMs: number[] = [];
  for (const k of ['j', 'j', 'j', 'G', 'g', '/', 's', '5', '\x7f', '\r', '\x1b', 'c', 'c', 'b', 'b']) {
    const n = inkMs.length;
    const t = performance.now();
    stdin.write(k);
    for (let i = 0; i < 200 && inkMs.length === n; i++) await sleep(5);
    keyMs.push(performance.now() - t);
  }
  instance.unmount();
  inner.close();
  log('UI detached; CPU again…');
  const after = await cpuPct();
  process.stdout.write(
    `${JSON.stringify(
      {
        services: SERVICES,
        rows,
        window_s: WINDOW_S,
        daemon_cpu_pct: { without_ui: before, with_ui: withUi, after_detach: after },
        daemon_cpu_s_first_5s_of_ui: attach_cpu_s,
        frame_ms: { react_render: stats(reactMs), ink_layout_and_write: stats(inkMs) },
        key_to_frame_ms: stats(keyMs),
        output_bytes: bytes,
        ui_requests: requestsInWindow,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await daemon.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
