import React, { useLayoutEffect, useMemo, useSyncExternalStore } from 'react';
import { Box, Text, useApp, useWindowSize } from 'ink';
import type { Copy } from './clipboard.ts';
import { BrowseView } from './components/browse.ts';
import { Header, LogsPanel, StatusBar } from './components/chrome.ts';
import { DetailView } from './components/detail.ts';
import { HelpView } from './components/help.ts';
import { ServicesTable } from './components/table.ts';
import { KeyRouterContext, routeKey, useKeys, useRefState, type KeyRouter } from './keys.ts';
import type { TuiStore } from './model.ts';
import type { MouseSource } from './mouse.ts';
import { distinctScopes, filterForwards } from './rows.ts';
import { INITIAL_UI, onMouse, onTableKey, visibleRows, type UiState, type UiView } from './ui-state.ts';
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
  /** Mouse reports (wheel, click), when the terminal sends them. */
  mouse?: MouseSource | undefined;
  /** Fixed size for tests; the terminal's otherwise. */
  size?: { columns: number; rows: number };
}

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
  // Keys of one batch see each other's changes (see onTableKey): handlers read uiRef, not ui.
  const [ui, update, uiRef] = useRefState<UiState>(INITIAL_UI);

  const filtered = useMemo(
    () => filterForwards(snapshot.forwards, ui.filter),
    [snapshot.forwards, ui.filter],
  );
  const scopes = useMemo(() => distinctScopes(snapshot.forwards), [snapshot.forwards]);
  const { table: tableHeight, logs: logsHeight } = layout(size.rows, ui.typing || ui.filter !== '');
  const { rows, selected, start } = visibleRows(ui, snapshot.forwards, tableHeight, filtered);
  const current = rows[selected];
  const view: UiView = {
    forwards: snapshot.forwards,
    tableHeight,
    logsHeight,
    logCount: snapshot.logs.length,
  };
  const viewRef = useRefState(view)[2];
  viewRef.current = view;
  // The table's first row is the screen's third: below the header line and the column titles.
  useLayoutEffect(
    () => p.mouse?.((event) => update(onMouse(uiRef.current, event, viewRef.current, 2))),
    [p.mouse, update, uiRef, viewRef],
  );

  const router = useMemo<KeyRouter>(() => ({ current: undefined, pending: [] }), []);
  useKeys((input, key) => {
    if (uiRef.current.mode !== 'table') return routeKey(router, input, key);
    {
      const [next, effect] = onTableKey(uiRef.current, input, key, view);
      if (next !== uiRef.current) update(next);
      if (effect?.kind === 'quit') {
        p.onQuit();
        exit();
      } else if (effect?.kind === 'reconnect-errored') void p.store.actions.reconnectErrored();
      else if (effect?.kind === 'remove') void p.store.actions.removeService(effect.serviceKey);
    }
  });

  const back = (): void => update({ ...uiRef.current, mode: 'table' });
  const body =
    ui.mode === 'detail' && current
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
      : ui.mode === 'browse'
        ? h(BrowseView, {
            actions: p.store.actions,
            context: snapshot.context,
            theme: p.theme,
            height: tableHeight + 1,
            onClose: back,
          })
        : ui.mode === 'help'
          ? h(HelpView, { theme: p.theme, onClose: back })
          : h(ServicesTable, {
              rows,
              start,
              selected,
              height: tableHeight,
              width: size.columns,
              focused: ui.focus === 'services',
              options: {
                compact: ui.compact,
                showRates: ui.showRates,
                showNamespace: scopes.namespaces,
                showContext: scopes.contexts,
              },
              theme: p.theme,
            });

  return h(
    KeyRouterContext.Provider,
    { value: router },
    h(
      Box,
      { flexDirection: 'column', width: size.columns, height: size.rows },
      h(Header, { snapshot, theme: p.theme, attachedTo: p.attachedTo }),
      h(Box, { height: tableHeight + 1, flexDirection: 'column', overflow: 'hidden' }, body),
      ui.typing || ui.filter
        ? h(
            Text,
            { color: p.theme.accent, wrap: 'truncate' },
            `/${ui.filter}${ui.typing ? '█' : ''}  (${rows.length} match)`,
          )
        : null,
      h(LogsPanel, {
        logs: snapshot.logs,
        height: logsHeight,
        offset: ui.logOffset,
        focused: ui.focus === 'logs',
        theme: p.theme,
      }),
      h(StatusBar, { snapshot, shown: rows.length, theme: p.theme }),
    ),
  );
}
