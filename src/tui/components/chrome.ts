import React from 'react';
import { Box, Text } from 'ink';
import { formatRate } from '../format.ts';
import type { LogEntry, TuiSnapshot } from '../model.ts';
import type { Theme } from '../theme.ts';

const h = React.createElement;

export function Header(p: {
  snapshot: TuiSnapshot;
  theme: Theme;
  attachedTo: string | undefined;
}): React.ReactElement {
  const s = p.snapshot;
  const link =
    s.link === 'open'
      ? ''
      : s.link === 'connecting'
        ? ' | connecting…'
        : ` | API lost: ${s.linkDetail ?? ''}`;
  return h(
    Text,
    { wrap: 'truncate' },
    h(Text, { bold: true, color: p.theme.accent }, `kubefwd ${s.version ? `v${s.version}` : ''}`),
    h(Text, { color: p.theme.dim }, ` | ctx: ${s.context || '-'}`),
    p.attachedTo ? h(Text, { color: p.theme.dim }, ` | attached to ${p.attachedTo}`) : null,
    h(Text, { color: p.theme.dim }, ' | [f: browse]'),
    link ? h(Text, { color: p.theme.error }, link) : null,
  );
}

export function StatusBar(p: { snapshot: TuiSnapshot; shown: number; theme: Theme }): React.ReactElement {
  const s = p.snapshot.summary;
  const total = s?.totalForwards ?? 0;
  const filtered = p.shown !== p.snapshot.forwards.length ? ` (${p.shown} shown)` : '';
  const errors = s?.errorCount ?? 0;
  return h(
    Text,
    { wrap: 'truncate' },
    `Forwards: ${s?.activeForwards ?? 0}/${total}${filtered} | `,
    h(Text, { color: errors > 0 ? p.theme.error : undefined }, `Errors: ${errors}`),
    ` | In: ${formatRate(s?.rateIn ?? 0)} | Out: ${formatRate(s?.rateOut ?? 0)} | `,
    p.snapshot.notice
      ? h(Text, { color: p.theme.accent }, p.snapshot.notice)
      : h(Text, { color: p.theme.dim }, 'Press ? for help'),
  );
}

const levelColor = (t: Theme, level: string): string | undefined =>
  level === 'error' || level === 'fatal' ? t.error : level === 'warn' ? t.pending : t.dim;

/** The daemon's own log; `offset` counts lines up from the newest (0 follows the tail). */
export function LogsPanel(p: {
  logs: readonly LogEntry[];
  height: number;
  offset: number;
  focused: boolean;
  theme: Theme;
}): React.ReactElement {
  const end = Math.max(0, p.logs.length - p.offset);
  const lines = p.logs.slice(Math.max(0, end - p.height), end);
  return h(
    Box,
    { flexDirection: 'column', height: p.height + 1 },
    h(
      Text,
      { bold: p.focused, color: p.focused ? p.theme.accent : p.theme.dim, wrap: 'truncate' },
      `── Logs${p.offset > 0 ? ` (${p.offset} newer below)` : ''} ${'─'.repeat(200)}`,
    ),
    ...lines.map((l) =>
      h(
        Text,
        { key: l.id, wrap: 'truncate' },
        h(Text, { color: p.theme.dim }, `${l.timestamp.slice(11, 19)} `),
        h(Text, { color: levelColor(p.theme, l.level) }, `${l.level.toUpperCase().padEnd(5)} `),
        l.message,
      ),
    ),
  );
}
