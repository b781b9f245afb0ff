import React from 'react';
import { Box, Text } from 'ink';
import { fit, formatBytes } from '../format.ts';
import type { ServiceEndpoints, TuiActions } from '../model.ts';
import type { Theme } from '../theme.ts';
import { usePolled } from './use-polled.ts';

const h = React.createElement;

export interface EndpointsProps {
  serviceKey: string;
  actions: TuiActions;
  theme: Theme;
  pollMs: number;
  /** Lines the pod list may take; the rest are counted in a "more" line. */
  rows: number;
}

type Endpoint = ServiceEndpoints['endpoints'][number];

/** `ready` or `draining` as the API says, and whether a port-forward session to it is open. */
const stateText = (e: Endpoint): string => `${e.state}${e.connected ? '' : ' (no session)'}`;

function policyText(b: ServiceEndpoints['balancing']): string {
  const parts = [b.policy, b.override === null ? 'from --lb' : 'set through the API'];
  if (b.affinitySeconds !== null) parts.push(`ClientIP affinity ${b.affinitySeconds}s`);
  return parts.join(', ');
}

/** The Info tab's per-pod section: state, connections active/total and bytes in/out, and the policy. */
export function EndpointsSection(p: EndpointsProps): React.ReactElement {
  const [data, error] = usePolled<ServiceEndpoints>(() => p.actions.endpoints(p.serviceKey), p.pollMs, [
    p.serviceKey,
  ]);
  const list = data?.endpoints ?? [];
  const shown = list.length > p.rows ? list.slice(0, Math.max(0, p.rows - 1)) : list;
  return h(
    Box,
    { flexDirection: 'column' },
    h(
      Text,
      { wrap: 'truncate' },
      h(Text, { bold: true }, 'Endpoints: '),
      h(Text, { color: p.theme.dim }, data ? `balancing ${policyText(data.balancing)}` : ''),
    ),
    error ? h(Text, { color: p.theme.error, wrap: 'truncate' }, `  ${error}`) : null,
    data && list.length === 0 ? h(Text, { color: p.theme.dim }, '  no pod to forward to') : null,
    list.length > 0
      ? h(
          Text,
          { color: p.theme.accent, wrap: 'truncate' },
          `  ${fit('POD', 32)} ${fit('STATE', 21)} ${fit('CONN', 9)} ${fit('IN', 10)} OUT`,
        )
      : null,
    ...shown.map((e) =>
      h(
        Text,
        { key: e.uid, wrap: 'truncate' },
        `  ${fit(e.pod, 32)} `,
        h(Text, { color: e.state === 'ready' ? p.theme.active : p.theme.pending }, fit(stateText(e), 21)),
        ` ${fit(`${e.connectionsActive}/${e.connectionsTotal}`, 9)} ${fit(formatBytes(e.bytesIn), 10)} ${formatBytes(e.bytesOut)}`,
      ),
    ),
    shown.length < list.length
      ? h(Text, { color: p.theme.dim }, `  … ${list.length - shown.length} more pods`)
      : null,
  );
}
