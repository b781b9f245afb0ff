import React from 'react';
import { Box, Text } from 'ink';
import { fit, formatBytes, formatRate } from '../format.ts';
import type { ForwardRow } from '../model.ts';
import { primaryHost } from '../rows.ts';
import { statusColor, type Theme } from '../theme.ts';

const h = React.createElement;

export interface TableOptions {
  compact: boolean;
  showRates: boolean;
  showNamespace: boolean;
  showContext: boolean;
}

interface Column {
  title: string;
  width: number;
  cell(f: ForwardRow): string;
}

const port = (f: ForwardRow): string => `${f.localPort}→${f.podPort ?? '?'}`;

/** The columns that fit `width`; the hostname takes what the others leave. */
export function tableColumns(width: number, o: TableOptions): Column[] {
  const cols: Column[] = [];
  if (o.compact) cols.push({ title: 'PORT', width: 12, cell: port });
  else {
    cols.push({ title: 'LOCAL ADDRESS', width: 22, cell: (f) => `${f.localIP}:${f.localPort}` });
    cols.push({ title: 'POD', width: 24, cell: (f) => `${f.podName ?? '-'}:${f.podPort ?? '?'}` });
  }
  if (o.showNamespace) cols.push({ title: 'NAMESPACE', width: 14, cell: (f) => f.namespace });
  if (o.showContext) cols.push({ title: 'CONTEXT', width: 12, cell: (f) => f.context });
  cols.push({ title: 'STATUS', width: 11, cell: (f) => f.status });
  cols.push({ title: 'IN', width: 9, cell: (f) => formatBytes(f.bytesIn) });
  cols.push({ title: 'OUT', width: 9, cell: (f) => formatBytes(f.bytesOut) });
  if (o.showRates) {
    cols.push({ title: 'RATE IN', width: 11, cell: (f) => formatRate(f.rateIn) });
    cols.push({ title: 'RATE OUT', width: 11, cell: (f) => formatRate(f.rateOut) });
  }
  // Narrow terminals drop columns from the right before the hostname gets under 16 columns.
  const gaps = (n: number): number => n; // one space before each column
  while (cols.length > 1 && width - cols.reduce((s, c) => s + c.width, 0) - gaps(cols.length) < 16)
    cols.pop();
  const rest = width - cols.reduce((s, c) => s + c.width, 0) - gaps(cols.length);
  return [{ title: 'HOSTNAME', width: Math.max(8, rest), cell: primaryHost }, ...cols];
}

export interface ServicesTableProps {
  rows: readonly ForwardRow[];
  /** Index in `rows` of the first visible row: only `height` rows are rendered, whatever the list's length. */
  start: number;
  selected: number;
  height: number;
  width: number;
  focused: boolean;
  options: TableOptions;
  theme: Theme;
}

export function ServicesTable(p: ServicesTableProps): React.ReactElement {
  const cols = tableColumns(p.width, p.options);
  const header = cols.map((c) => fit(c.title, c.width)).join(' ');
  const visible = p.rows.slice(p.start, p.start + p.height);
  const t = p.theme;
  return h(
    Box,
    { flexDirection: 'column', height: p.height + 1 },
    h(Text, { bold: true, color: t.accent, wrap: 'truncate' }, header),
    ...visible.map((f, i) => {
      const index = p.start + i;
      const isSel = index === p.selected;
      const selected = isSel && p.focused;
      const cells = cols.map((c) => fit(c.cell(f), c.width));
      const statusAt = cols.findIndex((c) => c.title === 'STATUS');
      if (isSel) {
        return h(
          Text,
          {
            key: f.key,
            wrap: 'truncate',
            ...(t.name === 'none' || !selected
              ? { inverse: selected, bold: true }
              : { backgroundColor: t.selectedBg, color: t.selectedFg }),
          },
          cells.join(' '),
        );
      }
      if (statusAt < 0) return h(Text, { key: f.key, wrap: 'truncate' }, cells.join(' '));
      return h(
        Text,
        { key: f.key, wrap: 'truncate' },
        cells.slice(0, statusAt).join(' '),
        ' ',
        h(Text, { color: statusColor(t, f.status) }, cells[statusAt]),
        ' ',
        cells.slice(statusAt + 1).join(' '),
      );
    }),
    p.rows.length === 0 ? h(Text, { color: t.dim }, 'No forwards. Press f to browse namespaces.') : null,
  );
}
