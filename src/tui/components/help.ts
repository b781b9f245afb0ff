import React from 'react';
import { Box, Text } from 'ink';
import { useRoutedKeys } from '../keys.ts';
import type { Theme } from '../theme.ts';

const h = React.createElement;

export const HELP_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['j/k ↑/↓', 'move'],
  ['g/G Home/End', 'first / last'],
  ['PgUp/PgDn', 'page'],
  ['Tab', 'services ↔ logs'],
  ['Enter', 'detail (Info / HTTP / Logs)'],
  ['f', 'browse namespaces and services'],
  ['d', 'remove the selected service'],
  ['r', 'reconnect errored services (in the detail: that service)'],
  ['/', 'filter: hostname, service, namespace, pod, status'],
  ['Esc', 'clear the filter / close'],
  ['b', 'bandwidth columns'],
  ['c', 'compact / full columns'],
  ['1-9, y', 'in the detail: copy a connect string'],
  ['mouse', 'wheel scrolls, click selects'],
  ['?', 'this help'],
  ['q, Ctrl+C', 'quit'],
];

export function HelpView(p: { theme: Theme; onClose(): void }): React.ReactElement {
  useRoutedKeys(() => p.onClose());
  return h(
    Box,
    { flexDirection: 'column', borderStyle: 'round', borderColor: p.theme.border, paddingX: 1 },
    h(Text, { bold: true, color: p.theme.accent }, 'Keys (any key closes)'),
    ...HELP_KEYS.map(([k, what]) => h(Text, { key: k }, h(Text, { bold: true }, k.padEnd(14)), what)),
  );
}
