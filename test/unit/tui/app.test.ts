import React from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type AppProps } from '../../../src/tui/app.ts';
import type { Copy } from '../../../src/tui/clipboard.ts';
import { FORWARD_ALL } from '../../../src/tui/components/browse.ts';
import { captureMouse } from '../../../src/tui/mouse.ts';
import type { TuiActions, TuiSnapshot } from '../../../src/tui/model.ts';
import { resolveTheme } from '../../../src/tui/theme.ts';
import { createMemoryStore, forwardRow } from '../../helpers/tui.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const theme = resolveTheme(undefined, { NO_COLOR: '1' });
let mounted: ReturnType<typeof render> | undefined;
afterEach(() => mounted?.unmount());

function mount(
  snapshot: Partial<TuiSnapshot>,
  options: { actions?: Partial<TuiActions>; copy?: Copy; size?: AppProps['size'] } = {},
) {
  const store = createMemoryStore(snapshot, options.actions);
  let quits = 0;
  const app = render(
    React.createElement(App, {
      store,
      theme,
      copy: options.copy ?? (() => Promise.reject(new Error('no clipboard tool found'))),
      onQuit: () => quits++,
      size: options.size ?? { columns: 120, rows: 30 },
      pollMs: 20,
      now: () => Date.parse('2026-01-01T00:01:05.000Z'),
    }),
  );
  mounted = app;
  const frame = (): string => app.lastFrame() ?? '';
  const until = (pred: (f: string) => boolean, what: string) =>
    waitFor(() => pred(frame()), { timeoutMs: 3000, message: () => `${what}; frame:\n${frame()}` });
  // Ink reads keys from stdin asynchronously; each write is one batch of keys.
  const type = (keys: string): void => void app.stdin.write(keys);
  return { app, store, frame, until, type, quits: () => quits };
}

const rowsOf = (frame: string): string[] => frame.split('\n').filter((l) => /→/.test(l));

const many = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    forwardRow(`svc-${String(i).padStart(4, '0')}`, i % 2 ? 'beta' : 'alpha'),
  );

describe('services table', () => {
  it('renders one row per forward within the screen, with namespace columns when there are several', async () => {
    const t = mount({
      forwards: [forwardRow('web'), forwardRow('db', 'beta', { status: 'error', error: 'pod gone' })],
    });
    await t.until((f) => f.includes('web'), 'rows shown');
    expect(t.frame()).toContain('NAMESPACE');
    expect(rowsOf(t.frame()).map((l) => l.split(/\s+/)[0])).toEqual(['db', 'web']);
    expect(t.frame()).toMatch(/db\s+8080→3000\s+beta\s+error/);
    expect(t.frame()).toMatch(/Forwards: 0\/0/);
  });

  it('renders only the visible window of 1,000 forwards and scrolls with the selection', async () => {
    const t = mount({ forwards: many(1000) }, { size: { columns: 120, rows: 30 } });
    await t.until((f) => f.includes('svc-0000'), 'first rows');
    const visible = rowsOf(t.frame()).length;
    expect(visible).toBeGreaterThan(10);
    expect(visible).toBeLessThan(30);
    t.type('G');
    await t.until((f) => f.includes('svc-0999'), 'last row after G');
    expect(t.frame()).not.toContain('svc-0000');
    t.type('g');
    await t.until((f) => f.includes('svc-0000') && !f.includes('svc-0999'), 'first row after g');
    t.type('j'.repeat(visible + 2));
    await t.until((f) => f.includes(`svc-${String(visible + 1).padStart(4, '0')}`), 'scrolled by j');
    expect(t.frame()).not.toContain('svc-0000');
  });

  it('toggles the bandwidth columns (b) and the full columns (c)', async () => {
    const t = mount({ forwards: [forwardRow('web')] });
    await t.until((f) => f.includes('RATE IN'), 'rates shown');
    t.type('b');
    await t.until((f) => !f.includes('RATE IN'), 'rates hidden');
    t.type('c');
    await t.until(
      (f) => f.includes('LOCAL ADDRESS') && f.includes('127.1.27.1:8080') && f.includes('web-pod:3000'),
      'full',
    );
  });

  it('removes the selected service (d), reconnects errored ones (r) and quits (q)', async () => {
    const t = mount({ forwards: [forwardRow('web'), forwardRow('api')] });
    await t.until((f) => f.includes('web'), 'rows');
    t.type('jd');
    await waitFor(() => t.store.calls.includes('removeService(web.alpha.one)'), { timeoutMs: 3000 });
    t.type('r');
    await waitFor(() => t.store.calls.includes('reconnectErrored()'), { timeoutMs: 3000 });
    t.type('q');
    await waitFor(() => t.quits() === 1, { timeoutMs: 3000 });
  });
});

describe('mouse', () => {
  it('scrolls with the wheel and selects the clicked row', async () => {
    const store = createMemoryStore({ forwards: many(100) });
    const props: AppProps = {
      store,
      theme,
      copy: () => Promise.resolve(''),
      onQuit: () => undefined,
      size: { columns: 120, rows: 30 },
    };
    const app = render(React.createElement(App, props));
    mounted = app;
    app.rerender(React.createElement(App, { ...props, mouse: captureMouse(app.stdin).source }));
    const frame = (): string => app.lastFrame() ?? '';
    await waitFor(() => frame().includes('svc-0000'), { timeoutMs: 3000 });
    app.stdin.write('\x1b[<65;10;5M\x1b[<65;10;5M');
    app.stdin.write('\r');
    await waitFor(() => frame().includes('svc-0006:8080'), { timeoutMs: 3000, message: () => frame() });
    app.stdin.write('\x1b');
    await waitFor(() => frame().includes('HOSTNAME'), { timeoutMs: 3000 });
    // Screen row 5 (1-based 6) is the table's fourth row: svc-0003 when the window starts at the top.
    // Mouse reports are taken out of a chunk as it is read, ahead of its keys: one write each.
    app.stdin.write('g');
    await waitFor(() => frame().includes('svc-0000'), { timeoutMs: 3000 });
    app.stdin.write('\x1b[<0;3;6M\x1b[<0;3;6m');
    app.stdin.write('\r');
    await waitFor(() => frame().includes('svc-0003:8080'), { timeoutMs: 3000, message: () => frame() });
  });
});

describe('filter', () => {
  const forwards = [
    forwardRow('web'),
    forwardRow('api'),
    forwardRow('db', 'beta', { status: 'error', podName: 'db-0' }),
    forwardRow('cache', 'beta', { status: 'pending' }),
  ];

  it('narrows the rows to hostname, namespace, pod and status matches; Esc clears it', async () => {
    const t = mount({ forwards });
    await t.until((f) => f.includes('cache'), 'rows');
    t.type('/beta');
    await t.until((f) => f.includes('/beta') && rowsOf(f).length === 2, 'namespace filter');
    t.type('\r');
    t.type('\x1b');
    await t.until((f) => rowsOf(f).length === 4, 'cleared');
    t.type('/error');
    await t.until((f) => rowsOf(f).length === 1 && f.includes('db'), 'status filter');
    t.type('\x1b');
    await t.until((f) => rowsOf(f).length === 4 && !f.includes('/error'), 'cleared while typing');
    t.type('/db-0\r');
    await t.until((f) => rowsOf(f).length === 1 && f.includes('(1 match)'), 'pod filter');
    t.type('/beta pending');
    await t.until((f) => rowsOf(f).length === 0, 'filter typed after a confirmed one appends');
  });

  it('keeps up with keys typed in one batch: the filter, then Enter opens the one row left', async () => {
    const t = mount({ forwards });
    await t.until((f) => f.includes('cache'), 'rows');
    t.type('/api\r\r');
    await t.until((f) => f.includes('api:8080') && f.includes('Info'), 'detail of api');
  });
});

describe('detail view', () => {
  it('shows Info, HTTP and Logs tabs of the selected forward and acts on that service', async () => {
    const copied: string[] = [];
    const t = mount(
      { forwards: [forwardRow('web', 'alpha', { bytesIn: 2048, error: null })] },
      {
        copy: (text) => {
          copied.push(text);
          return Promise.resolve('wl-copy');
        },
        actions: {
          captures: () =>
            Promise.resolve([
              {
                timestamp: '2026-01-01T00:01:00.000Z',
                method: 'GET',
                path: '/hello',
                statusCode: 200,
                duration: '1.2ms',
                durationMs: 1.2,
                requestBytes: 80,
                size: 269,
                forwardKey: 'web.alpha.one.web-pod.8080',
              },
            ]),
          rates: () =>
            Promise.resolve([
              { rateIn: 0, rateOut: 0 },
              { rateIn: 100, rateOut: 50 },
            ]),
          followPodLogs: (_pod, onLines) => {
            onLines(['booted', 'listening on 3000']);
            return () => undefined;
          },
        },
      },
    );
    await t.until((f) => f.includes('web'), 'row');
    t.type('\r');
    await t.until((f) => f.includes('Connect (1-9 or y copies)'), 'info tab');
    expect(t.frame()).toContain('1. web:8080');
    expect(t.frame()).toContain('2. web.alpha:8080');
    expect(t.frame()).toContain('Received:  2.0 KB');
    expect(t.frame()).toContain('Connected: 1m5s');
    await t.until((f) => f.includes('▁█'), 'sparkline');
    t.type('2');
    await t.until((f) => f.includes('copied web.alpha:8080 (wl-copy)'), 'copy notice');
    expect(copied).toEqual(['web.alpha:8080']);
    t.type('\t');
    await t.until((f) => /GET\s+\/hello\s+200/.test(f), 'http tab');
    t.type('\t');
    await t.until((f) => f.includes('listening on 3000'), 'logs tab');
    t.type('r');
    await waitFor(() => t.store.calls.includes('reconnect(web.alpha.one)'), { timeoutMs: 3000 });
    t.type('\x1b');
    await t.until((f) => f.includes('HOSTNAME'), 'back to the table');
  });

  it("lists the service's pods in the Info tab with state, connections, bytes and the balancing policy", async () => {
    const keys: string[] = [];
    const t = mount(
      { forwards: [forwardRow('web')] },
      {
        actions: {
          endpoints: (key) => {
            keys.push(key);
            return Promise.resolve({
              key,
              balancing: {
                policy: 'round-robin',
                override: 'round-robin',
                affinitySeconds: null,
                maxSessions: 0,
              },
              endpoints: [
                {
                  pod: 'web-5d8f-a',
                  uid: 'u1',
                  state: 'ready',
                  connected: true,
                  connectionsActive: 2,
                  connectionsTotal: 7,
                  bytesIn: 3072,
                  bytesOut: 512,
                },
                {
                  pod: 'web-5d8f-b',
                  uid: 'u2',
                  state: 'draining',
                  connected: false,
                  connectionsActive: 0,
                  connectionsTotal: 3,
                  bytesIn: 0,
                  bytesOut: 90,
                },
              ],
            });
          },
        },
      },
    );
    await t.until((f) => f.includes('web'), 'row');
    t.type('\r');
    await t.until((f) => f.includes('web-5d8f-b'), 'endpoints section');
    expect(t.frame()).toContain('Endpoints: balancing round-robin, set through the API');
    expect(t.frame()).toMatch(/web-5d8f-a\s+ready\s+2\/7\s+3\.0 KB\s+512 B/);
    expect(t.frame()).toMatch(/web-5d8f-b\s+draining \(no session\)\s+0\/3\s+0 B\s+90 B/);
    expect(keys[0]).toBe('web.alpha.one');
  });

  it('counts the pods that do not fit the screen in a "more" line', async () => {
    const pods = Array.from({ length: 30 }, (_, i) => ({
      pod: `web-pod-${String(i).padStart(2, '0')}`,
      uid: `u${i}`,
      state: 'ready' as const,
      connected: true,
      connectionsActive: 0,
      connectionsTotal: i,
      bytesIn: 0,
      bytesOut: 0,
    }));
    const t = mount(
      { forwards: [forwardRow('web')] },
      {
        actions: {
          endpoints: (key) =>
            Promise.resolve({
              key,
              balancing: { policy: 'least-conn', override: null, affinitySeconds: null, maxSessions: 0 },
              endpoints: pods,
            }),
        },
      },
    );
    await t.until((f) => f.includes('web'), 'row');
    t.type('\r');
    await t.until((f) => /… \d+ more pods/.test(f), 'more line');
    const shown = t.frame().match(/web-pod-\d\d/g) ?? [];
    const more = Number(/… (\d+) more pods/.exec(t.frame())?.[1]);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length + more).toBe(30);
    expect(t.frame()).toContain('Connect (1-9 or y copies)');
  });

  it('says when a service has no pod, and shows the error when the endpoints cannot be read', async () => {
    let fail = false;
    const t = mount(
      { forwards: [forwardRow('web')] },
      {
        actions: {
          endpoints: (key) =>
            fail
              ? Promise.reject(new Error('service web.alpha.one is not forwarded'))
              : Promise.resolve({
                  key,
                  balancing: { policy: 'first', override: null, affinitySeconds: 10800, maxSessions: 0 },
                  endpoints: [],
                }),
        },
      },
    );
    await t.until((f) => f.includes('web'), 'row');
    t.type('\r');
    await t.until((f) => f.includes('no pod to forward to'), 'empty endpoints');
    expect(t.frame()).toContain('balancing first, from --lb, ClientIP affinity 10800s');
    fail = true;
    await t.until((f) => f.includes('service web.alpha.one is not forwarded'), 'endpoints error');
  });

  it('says when no clipboard tool exists', async () => {
    const t = mount({ forwards: [forwardRow('web')] });
    await t.until((f) => f.includes('web'), 'row');
    t.type('\r');
    await t.until((f) => f.includes('1. web:8080'), 'info');
    t.type('y');
    await t.until((f) => f.includes('cannot copy web:8080: no clipboard tool found'), 'no clipboard');
  });
});

describe('browse', () => {
  it('lists namespaces (forwarded marked), forwards all of one, and switches context with x', async () => {
    const t = mount({ forwards: [forwardRow('web')] });
    await t.until((f) => f.includes('web'), 'row');
    t.type('f');
    await t.until(
      (f) => f.includes('Namespaces of one') && f.includes('● alpha') && f.includes('  beta'),
      'ns',
    );
    t.type('j\r');
    await t.until(
      (f) => f.includes('Services of beta') && f.includes(FORWARD_ALL) && f.includes('db'),
      'svcs',
    );
    t.type('\r');
    await waitFor(() => t.store.calls.includes('addNamespace(beta, one)'), { timeoutMs: 3000 });
    await t.until((f) => f.includes('HOSTNAME'), 'closed after forwarding');
    t.type('f');
    await t.until((f) => f.includes('Namespaces of one') && f.includes('beta'), 'ns again');
    t.type('\r');
    await t.until((f) => f.includes('Services of alpha') && f.includes('db'), 'services of alpha');
    t.type('j\r');
    await waitFor(() => t.store.calls.includes('addService(alpha, db, one)'), { timeoutMs: 3000 });
    t.type('fx');
    await t.until((f) => f.includes('Contexts') && f.includes('● one') && f.includes('two'), 'contexts');
    t.type('j\r');
    await t.until((f) => f.includes('Namespaces of two'), 'other context');
    t.type('\x1b');
    await t.until((f) => f.includes('HOSTNAME'), 'closed');
  });
});

describe('help', () => {
  it('lists the keys and closes on any key', async () => {
    const t = mount({ forwards: [forwardRow('web')] });
    await t.until((f) => f.includes('web'), 'row');
    t.type('?');
    await t.until((f) => f.includes('Keys (any key closes)'), 'help');
    for (const k of ['PgUp/PgDn', 'Enter', 'reconnect', 'bandwidth', 'compact', 'quit'])
      expect(t.frame()).toContain(k);
    t.type('x');
    await t.until((f) => f.includes('HOSTNAME'), 'closed');
  });
});
