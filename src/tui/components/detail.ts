import React, { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import { useRefState, useRoutedKeys } from '../keys.ts';
import type { Copy } from '../clipboard.ts';
import { fit, formatBytes, formatDuration, formatRate, sparkline } from '../format.ts';
import type { ForwardRow, HttpExchange, RatePoint, TuiActions } from '../model.ts';
import { statusColor, type Theme } from '../theme.ts';
import { EndpointsSection } from './endpoints.ts';
import { usePolled } from './use-polled.ts';

const h = React.createElement;
export const DETAIL_TABS = ['Info', 'HTTP', 'Logs'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export interface DetailProps {
  forward: ForwardRow;
  actions: TuiActions;
  theme: Theme;
  width: number;
  height: number;
  copy: Copy;
  now: () => number;
  /** How often the open tab re-reads its data. */
  pollMs: number;
  initialTab?: DetailTab;
  onClose(): void;
}

export const connectStrings = (f: ForwardRow): string[] =>
  [...f.hostnames].sort((a, b) => a.length - b.length).map((n) => `${n}:${f.localPort}`);

function InfoTab(p: DetailProps): React.ReactElement {
  const f = p.forward;
  const [rates] = usePolled<RatePoint[]>(() => p.actions.rates(f.key), p.pollMs, [f.key]);
  const width = Math.max(10, Math.min(60, p.width - 30));
  const connect = connectStrings(f).slice(0, 9);
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, null, 'Status:    ', h(Text, { color: statusColor(p.theme, f.status), bold: true }, f.status)),
    f.error ? h(Text, { color: p.theme.error, wrap: 'truncate' }, `Error:     ${f.error}`) : null,
    h(Text, null, `Service:   ${f.serviceName}.${f.namespace} (context ${f.context})`),
    h(Text, null, `Pod:       ${f.podName ?? '-'} port ${f.podPort ?? '?'}`),
    h(Text, null, `Local:     ${f.localIP}:${f.localPort}`),
    h(Text, null, `Connected: ${f.startedAt ? formatDuration(p.now() - Date.parse(f.startedAt)) : '-'}`),
    h(
      Text,
      null,
      `Received:  ${formatBytes(f.bytesIn).padEnd(10)} ${formatRate(f.rateIn).padEnd(12)} `,
      h(Text, { color: p.theme.active }, sparkline(rates?.map((r) => r.rateIn) ?? [], width)),
    ),
    h(
      Text,
      null,
      `Sent:      ${formatBytes(f.bytesOut).padEnd(10)} ${formatRate(f.rateOut).padEnd(12)} `,
      h(Text, { color: p.theme.accent }, sparkline(rates?.map((r) => r.rateOut) ?? [], width)),
    ),
    h(Text, { bold: true }, 'Connect (1-9 or y copies):'),
    ...connect.map((c, i) => h(Text, { key: c, wrap: 'truncate' }, `  ${i + 1}. ${c}`)),
    h(EndpointsSection, {
      serviceKey: f.serviceKey,
      actions: p.actions,
      theme: p.theme,
      pollMs: p.pollMs,
      rows: Math.max(1, p.height - 10 - (f.error ? 1 : 0) - connect.length),
    }),
  );
}

function HttpTab(p: DetailProps & { scroll: number }): React.ReactElement {
  const f = p.forward;
  const [list, error] = usePolled<HttpExchange[]>(() => p.actions.captures(f.serviceKey), p.pollMs, [
    f.serviceKey,
  ]);
  const mine = (list ?? []).filter((x) => !x.forwardKey || x.forwardKey === f.key);
  const rows = mine.slice(p.scroll, p.scroll + Math.max(1, p.height - 2));
  const pathWidth = Math.max(10, p.width - 45);
  return h(
    Box,
    { flexDirection: 'column' },
    h(
      Text,
      { bold: true, color: p.theme.accent },
      `${fit('TIME', 9)} ${fit('METHOD', 7)} ${fit('PATH', pathWidth)} ${fit('STATUS', 6)} ${fit('TIME', 9)} SIZE`,
    ),
    error ? h(Text, { color: p.theme.error }, error) : null,
    mine.length === 0 && !error
      ? h(Text, { color: p.theme.dim }, 'No HTTP requests captured on this forward yet.')
      : null,
    ...rows.map((x, i) =>
      h(
        Text,
        { key: `${x.timestamp}-${i}`, wrap: 'truncate' },
        `${x.timestamp.slice(11, 19)}  ${fit(x.method, 7)} ${fit(x.path, pathWidth)} `,
        h(
          Text,
          {
            color:
              x.statusCode >= 500 ? p.theme.error : x.statusCode >= 400 ? p.theme.pending : p.theme.active,
          },
          fit(String(x.statusCode), 6),
        ),
        ` ${fit(x.duration, 9)} ${formatBytes(x.size)}`,
      ),
    ),
  );
}

function LogsTab(p: DetailProps & { scroll: number }): React.ReactElement {
  const f = p.forward;
  const [state, setState] = useState<{ lines: string[]; error?: string | undefined }>({ lines: [] });
  useEffect(() => {
    if (!f.podName) return undefined;
    return p.actions.followPodLogs(
      { namespace: f.namespace, name: f.podName, context: f.context },
      (lines, error) => setState((s) => ({ lines: error ? s.lines : lines, error })),
    );
  }, [f.podName, f.namespace, f.context, p.actions]);
  const height = Math.max(1, p.height - 1);
  const end = Math.max(0, state.lines.length - p.scroll);
  return h(
    Box,
    { flexDirection: 'column' },
    h(
      Text,
      { color: p.theme.dim, wrap: 'truncate' },
      `pod ${f.podName ?? '-'} (followed${p.scroll ? `, ${p.scroll} lines newer below` : ''})`,
    ),
    state.error ? h(Text, { color: p.theme.error, wrap: 'truncate' }, state.error) : null,
    ...state.lines
      .slice(Math.max(0, end - height), end)
      .map((l, i) => h(Text, { key: i, wrap: 'truncate' }, l)),
  );
}

/** One forward's detail: Info / HTTP / Logs tabs over the live row. */
export function DetailView(p: DetailProps): React.ReactElement {
  const [tab, setTab, tabRef] = useRefState<DetailTab>(p.initialTab ?? 'Info');
  const [scroll, setScroll] = useRefState(0);
  const move = (d: number): void => {
    const i = (DETAIL_TABS.indexOf(tabRef.current) + d + DETAIL_TABS.length) % DETAIL_TABS.length;
    setTab(DETAIL_TABS[i] ?? 'Info');
    setScroll(0);
  };
  useRoutedKeys((input, key) => {
    const tab = tabRef.current;
    if (key.escape || input === 'q') return p.onClose();
    if ((key.tab && key.shift) || key.leftArrow) return move(-1);
    if (key.tab || key.rightArrow) return move(1);
    if (input === 'r') return void p.actions.reconnect(p.forward.serviceKey);
    if (input === 'j' || key.downArrow) return setScroll((s) => Math.max(0, s + (tab === 'Logs' ? -1 : 1)));
    if (input === 'k' || key.upArrow) return setScroll((s) => Math.max(0, s + (tab === 'Logs' ? 1 : -1)));
    const n = input === 'y' ? 1 : /^[1-9]$/.test(input) ? Number(input) : 0;
    if (n > 0) {
      const text = connectStrings(p.forward)[n - 1];
      if (!text) return undefined;
      p.copy(text).then(
        (tool) => p.actions.notify(`copied ${text} (${tool})`),
        (err: unknown) => p.actions.notify(`cannot copy ${text}: ${(err as Error).message}`),
      );
    }
    return undefined;
  });
  const body = { ...p, height: p.height - 3, scroll };
  return h(
    Box,
    { flexDirection: 'column', height: p.height },
    h(
      Text,
      { wrap: 'truncate' },
      h(Text, { bold: true }, `${p.forward.hostnames[0] ?? p.forward.serviceName}:${p.forward.localPort}  `),
      ...DETAIL_TABS.map((t) =>
        h(Text, { key: t, inverse: t === tab, color: t === tab ? p.theme.accent : p.theme.dim }, ` ${t} `),
      ),
      h(Text, { color: p.theme.dim }, '  Tab/←/→ switch, r reconnect, Esc close'),
    ),
    h(Text, { color: p.theme.border }, '─'.repeat(Math.max(0, p.width))),
    tab === 'Info' ? h(InfoTab, body) : tab === 'HTTP' ? h(HttpTab, body) : h(LogsTab, body),
  );
}
