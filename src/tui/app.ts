import React, { useMemo, useState, useSyncExternalStore } from 'react';
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import type { Copy } from './clipboard.ts';
import { BrowseView } from './components/browse.ts';
import { Header, LogsPanel, StatusBar } from './components/chrome.ts';
import { DetailView } from './components/detail.ts';
import { HelpView } from './components/help.ts';
import { ServicesTable } from './components/table.ts';
import type { TuiStore } from './model.ts';
import { distinctScopes, filterForwards, windowStart } from './rows.ts';
import type { Theme } from './theme.ts';

const h = React.createElement;

export interface AppProps {
  store: TuiStore;
  theme: Theme;
  copy: Copy;
  /** Shown in the header in attached mode. */
  attachedTo?: string | undefined;
  now?: () => number;
  /** Re-read period of the detail's tabs. */
  pollMs?: number;
  /** Called once when the user quits (q, Ctrl+C). */
  onQuit(): void;
  /** Fixed size for tests; the terminal's otherwise. */
  size?: { columns: number; rows: number };
}

type Mode = 'table' | 'detail' | 'browse' | 'help';

/** Rows the table gets: the screen less the header, the logs panel, the status bar and the filter line. */
export function layout(rows: number, filterLine: boolean): { table: number; logs: number } {
  const logs = Math.max(2, Math.min(10, Math.floor(rows / 5)));
  const table = Math.max(1, rows - 1 - (logs + 1) - 1 - 1 - (filterLine ? 1 : 0));
  return { table, logs };
}

export function App(p: AppProps): React.ReactElement {
  const snapshot = useSyncExternalStore(p.store.subscribe, p.store.getSnapshot);
  const window = useWindowSize();
  const size = p.size ?? { columns: window.columns, rows: window.rows };
  const { exit } = useApp();
  const [mode, setMode] = useState<Mode>('table');
  const [focus, setFocus] = useState<'services' | 'logs'>('services');
  const [selectedKey, setSelectedKey] = useState<string>();
  const [cursor, setCursor] = useState(0);
  const [start, setStart] = useState(0);
  const [filter, setFilter] = useState('');
  const [typing, setTyping] = useState(false);
  const [compact, setCompact] = useState(true);
  const [showRates, setShowRates] = useState(true);
  const [logOffset, setLogOffset] = useState(0);

  const rows = useMemo(() => filterForwards(snapshot.forwards, filter), [snapshot.forwards, filter]);
  const scopes = useMemo(() => distinctScopes(snapshot.forwards), [snapshot.forwards]);
  const { table: tableHeight, logs: logsHeight } = layout(size.rows, typing || filter !== '');
  // The selection follows its forward when rows move (new forwards, re-sorts); else stays at its index.
  const keyIndex = selectedKey === undefined ? -1 : rows.findIndex((f) => f.key === selectedKey);
  const selected = Math.max(0, Math.min(rows.length - 1, keyIndex >= 0 ? keyIndex : cursor));
  const first = windowStart(selected, start, tableHeight, rows.length);
  const current = rows[selected];

  const select = (i: number): void => {
    const next = Math.max(0, Math.min(rows.length - 1, i));
    setCursor(next);
    setSelectedKey(rows[next]?.key);
    setStart(windowStart(next, first, tableHeight, rows.length));
  };
  const scrollLogs = (d: number): void =>
    setLogOffset((o) => Math.max(0, Math.min(Math.max(0, snapshot.logs.length - logsHeight), o + d)));
  const quit = (): void => {
    p.onQuit();
    exit();
  };

  useInput(
    (input, key) => {
      if (typing) {
        if (key.escape) {
          setFilter('');
          setTyping(false);
        } else if (key.return) setTyping(false);
        else if (key.backspace || key.delete) setFilter((f) => f.slice(0, -1));
        else if (input && !key.ctrl && !key.meta) setFilter((f) => f + input);
        return;
      }
      if (input === 'q' || (key.ctrl && input === 'c')) return quit();
      if (key.tab) return setFocus((f) => (f === 'services' ? 'logs' : 'services'));
      if (input === '?') return setMode('help');
      if (input === '/') return setTyping(true);
      if (key.escape) return setFilter('');
      if (input === 'f') return setMode('browse');
      if (input === 'b') return setShowRates((v) => !v);
      if (input === 'c') return setCompact((v) => !v);
      if (input === 'r') return void p.store.actions.reconnectErrored();
      const page = focus === 'services' ? tableHeight : logsHeight;
      const move = (d: number): void => (focus === 'services' ? select(selected + d) : scrollLogs(-d));
      if (input === 'j' || key.downArrow) return move(1);
      if (input === 'k' || key.upArrow) return move(-1);
      if (key.pageDown) return move(page);
      if (key.pageUp) return move(-page);
      if (input === 'g' || key.home) return focus === 'services' ? select(0) : scrollLogs(snapshot.logs.length);
      if (input === 'G' || key.end) return focus === 'services' ? select(rows.length - 1) : setLogOffset(0);
      if (key.return && current) return setMode('detail');
      if (input === 'd' && current) return void p.store.actions.removeService(current.serviceKey);
      return undefined;
    },
    { isActive: mode === 'table' },
  );

  const back = (): void => setMode('table');
  const body =
    mode === 'detail' && current
      ? h(DetailView, {
          forward: current,
          actions: p.store.actions,
          theme: p.theme,
          width: size.columns,
          height: tableHeight + 1,
          copy: p.copy,
          now: p.now ?? Date.now,
          pollMs: p.pollMs ?? 1000,
          onClose: back,
        })
      : mode === 'browse'
        ? h(BrowseView, {
            actions: p.store.actions,
            context: snapshot.context,
            theme: p.theme,
            height: tableHeight + 1,
            onClose: back,
          })
        : mode === 'help'
          ? h(HelpView, { theme: p.theme, onClose: back })
          : h(ServicesTable, {
              rows,
              start: first,
              selected,
              height: tableHeight,
              width: size.columns,
              focused: focus === 'services',
              options: { compact, showRates, showNamespace: scopes.namespaces, showContext: scopes.contexts },
              theme: p.theme,
            });

  return h(
    Box,
    { flexDirection: 'column', width: size.columns, height: size.rows },
    h(Header, { snapshot, theme: p.theme, attachedTo: p.attachedTo }),
    h(Box, { height: tableHeight + 1, flexDirection: 'column', overflow: 'hidden' }, body),
    typing || filter
      ? h(Text, { color: p.theme.accent, wrap: 'truncate' }, `/${filter}${typing ? '█' : ''}  (${rows.length} match)`)
      : null,
    h(LogsPanel, {
      logs: snapshot.logs,
      height: logsHeight,
      offset: logOffset,
      focused: focus === 'logs',
      theme: p.theme,
    }),
    h(StatusBar, { snapshot, shown: rows.length, theme: p.theme }),
  );
}
