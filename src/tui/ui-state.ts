import type { Key } from 'ink';
import type { ForwardRow } from './model.ts';
import { filterForwards, windowStart } from './rows.ts';

export type Mode = 'table' | 'detail' | 'browse' | 'help';

/** Everything the keys change on the main screen. */
export interface UiState {
  mode: Mode;
  focus: 'services' | 'logs';
  /** The selected forward's key: the selection follows it when rows move. */
  selectedKey: string | undefined;
  /** The selected index, used when the selected forward went away. */
  cursor: number;
  start: number;
  filter: string;
  typing: boolean;
  compact: boolean;
  showRates: boolean;
  /** Lines up from the newest log line (0 follows the tail). */
  logOffset: number;
}

export const INITIAL_UI: UiState = {
  mode: 'table',
  focus: 'services',
  selectedKey: undefined,
  cursor: 0,
  start: 0,
  filter: '',
  typing: false,
  compact: true,
  showRates: true,
  logOffset: 0,
};

/** What the screen looks like now, for the keys that depend on it. */
export interface UiView {
  forwards: readonly ForwardRow[];
  tableHeight: number;
  logsHeight: number;
  logCount: number;
}

export type UiEffect =
  { kind: 'quit' } | { kind: 'reconnect-errored' } | { kind: 'remove'; serviceKey: string };

/** The rows, the selected index and the first visible row for a state. */
export function visibleRows(
  s: UiState,
  forwards: readonly ForwardRow[],
  height: number,
  filtered?: readonly ForwardRow[],
): { rows: readonly ForwardRow[]; selected: number; start: number } {
  const rows = filtered ?? filterForwards(forwards, s.filter);
  const byKey = s.selectedKey === undefined ? -1 : rows.findIndex((f) => f.key === s.selectedKey);
  const selected = Math.max(0, Math.min(rows.length - 1, byKey >= 0 ? byKey : s.cursor));
  return { rows, selected, start: windowStart(selected, s.start, height, rows.length) };
}

/**
 * The main screen's keys as a pure step. Keys typed faster than a frame (a paste, tmux send-keys) arrive in one
 * batch, so each must see the state the previous one made, not the last rendered one.
 */
export function onTableKey(s: UiState, input: string, key: Key, view: UiView): [UiState, UiEffect?] {
  if (s.typing) {
    if (key.escape) return [{ ...s, filter: '', typing: false, cursor: 0, start: 0 }];
    if (key.return) return [{ ...s, typing: false }];
    if (key.backspace || key.delete) return [{ ...s, filter: s.filter.slice(0, -1), cursor: 0, start: 0 }];
    if (input && !key.ctrl && !key.meta) return [{ ...s, filter: s.filter + input, cursor: 0, start: 0 }];
    return [s];
  }
  if (input === 'q' || (key.ctrl && input === 'c')) return [s, { kind: 'quit' }];
  if (key.tab) return [{ ...s, focus: s.focus === 'services' ? 'logs' : 'services' }];
  if (input === '?') return [{ ...s, mode: 'help' }];
  if (input === '/') return [{ ...s, typing: true }];
  if (key.escape) return [{ ...s, filter: '', cursor: 0, start: 0 }];
  if (input === 'f') return [{ ...s, mode: 'browse' }];
  if (input === 'b') return [{ ...s, showRates: !s.showRates }];
  if (input === 'c') return [{ ...s, compact: !s.compact }];
  if (input === 'r') return [s, { kind: 'reconnect-errored' }];

  const { rows, selected, start } = visibleRows(s, view.forwards, view.tableHeight);
  const select = (i: number): [UiState] => {
    const next = Math.max(0, Math.min(rows.length - 1, i));
    return [
      {
        ...s,
        cursor: next,
        selectedKey: rows[next]?.key,
        start: windowStart(next, start, view.tableHeight, rows.length),
      },
    ];
  };
  const maxLog = Math.max(0, view.logCount - view.logsHeight);
  const logTo = (o: number): [UiState] => [{ ...s, logOffset: Math.max(0, Math.min(maxLog, o)) }];
  const services = s.focus === 'services';
  const move = (d: number): [UiState] => (services ? select(selected + d) : logTo(s.logOffset - d));
  const page = services ? view.tableHeight : view.logsHeight;
  if (input === 'j' || key.downArrow) return move(1);
  if (input === 'k' || key.upArrow) return move(-1);
  if (key.pageDown) return move(page);
  if (key.pageUp) return move(-page);
  if (input === 'g' || key.home) return services ? select(0) : logTo(maxLog);
  if (input === 'G' || key.end) return services ? select(rows.length - 1) : logTo(0);
  const current = rows[selected];
  if (key.return && current) return [{ ...s, mode: 'detail', selectedKey: current.key }];
  if (input === 'd' && current) return [s, { kind: 'remove', serviceKey: current.serviceKey }];
  return [s];
}

/** Wheel and click: `row` is the screen row (0-based) the pointer is on. */
export function onMouse(
  s: UiState,
  event: { kind: 'wheel-up' | 'wheel-down' | 'click'; row: number },
  view: UiView,
  tableTop: number,
): UiState {
  if (s.mode !== 'table') return s;
  const { rows, selected, start } = visibleRows(s, view.forwards, view.tableHeight);
  const to = (i: number): UiState => {
    const next = Math.max(0, Math.min(rows.length - 1, i));
    return {
      ...s,
      focus: 'services',
      cursor: next,
      selectedKey: rows[next]?.key,
      start: windowStart(next, start, view.tableHeight, rows.length),
    };
  };
  if (event.kind === 'wheel-up') return to(selected - 3);
  if (event.kind === 'wheel-down') return to(selected + 3);
  const index = start + (event.row - tableTop);
  return event.row >= tableTop && event.row < tableTop + view.tableHeight && index < rows.length
    ? to(index)
    : s;
}
