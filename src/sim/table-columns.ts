import type { KObject } from './store.ts';

/**
 * The columns `kubectl get` prints for each resource, computed by the server as a real one does (Table output).
 * Priority 1 columns show with `-o wide`. Resources without an entry get Name and Age.
 */
export interface Column {
  name: string;
  priority?: number;
  format?: 'name';
  cell(o: KObject, now: number): string;
}

/** kubectl's human duration (the AGE column). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 ? `${y}y${d % 365}d` : `${y}y`;
  return `${y}y`;
}

const since = (ts: unknown, now: number): string =>
  typeof ts === 'string' && ts ? humanDuration(now - Date.parse(ts)) : '<unknown>';

type Obj = Record<string, unknown>;
/** The value at a dotted path, or undefined. */
const at = (v: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Obj)[k] : undefined), v);
const text = (v: unknown, path: string, none = ''): string => {
  const x = at(v, path);
  return typeof x === 'string' || typeof x === 'number' ? String(x) : none;
};
const list = (v: unknown, path: string): Obj[] => {
  const x = at(v, path);
  return Array.isArray(x) ? (x as Obj[]) : [];
};
const num = (v: unknown, path: string, dflt = 0): string => {
  const x = at(v, path);
  return String(typeof x === 'number' ? x : dflt);
};
const few = (items: string[], none: string): string =>
  items.length === 0
    ? none
    : items.length > 3
      ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...`
      : items.join(',');
const selectorText = (sel: unknown): string => {
  const labels = (at(sel, 'matchLabels') ?? sel) as Record<string, string> | undefined;
  const parts = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : '<none>';
};

const NAME: Column = { name: 'Name', format: 'name', cell: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', cell: (o, now) => since(o.metadata.creationTimestamp, now) };

function podStatus(o: KObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  const waiting = list(o, 'status.containerStatuses')
    .map((c) => text(c, 'state.waiting.reason'))
    .find(Boolean);
  return waiting ?? text(o, 'status.reason', text(o, 'status.phase', 'Pending'));
}

const WORKLOAD_WIDE: Column[] = [
  {
    name: 'Containers',
    priority: 1,
    cell: (o) =>
      list(o, 'spec.template.spec.containers')
        .map((c) => text(c, 'name'))
        .join(','),
  },
  {
    name: 'Images',
    priority: 1,
    cell: (o) =>
      list(o, 'spec.template.spec.containers')
        .map((c) => text(c, 'image'))
        .join(','),
  },
  { name: 'Selector', priority: 1, cell: (o) => selectorText(at(o, 'spec.selector')) },
];

export const COLUMNS: Record<string, Column[]> = {
  namespaces: [NAME, { name: 'Status', cell: (o) => text(o, 'status.phase', 'Active') }, AGE],
  pods: [
    NAME,
    {
      name: 'Ready',
      cell: (o) =>
        `${list(o, 'status.containerStatuses').filter((c) => c.ready === true).length}/${list(o, 'spec.containers').length}`,
    },
    { name: 'Status', cell: podStatus },
    {
      name: 'Restarts',
      cell: (o) =>
        String(list(o, 'status.containerStatuses').reduce((n, c) => n + Number(num(c, 'restartCount')), 0)),
    },
    AGE,
    { name: 'IP', priority: 1, cell: (o) => text(o, 'status.podIP', '<none>') },
    { name: 'Node', priority: 1, cell: (o) => text(o, 'spec.nodeName', '<none>') },
    { name: 'Nominated Node', priority: 1, cell: () => '<none>' },
    { name: 'Readiness Gates', priority: 1, cell: () => '<none>' },
  ],
  services: [
    NAME,
    { name: 'Type', cell: (o) => text(o, 'spec.type', 'ClusterIP') },
    { name: 'Cluster-IP', cell: (o) => text(o, 'spec.clusterIP', '<none>') },
    { name: 'External-IP', cell: (o) => few(list(o, 'spec.externalIPs').map(String), '<none>') },
    {
      name: 'Port(s)',
      cell: (o) =>
        list(o, 'spec.ports')
          .map(
            (p) =>
              `${num(p, 'port')}${at(p, 'nodePort') ? `:${num(p, 'nodePort')}` : ''}/${text(p, 'protocol', 'TCP')}`,
          )
          .join(',') || '<none>',
    },
    AGE,
    { name: 'Selector', priority: 1, cell: (o) => selectorText(at(o, 'spec.selector')) },
  ],
  endpoints: [
    NAME,
    {
      name: 'Endpoints',
      cell: (o) =>
        few(
          list(o, 'subsets').flatMap((s) =>
            list(s, 'addresses').flatMap((a) =>
              list(s, 'ports').map((p) => `${text(a, 'ip')}:${num(p, 'port')}`),
            ),
          ),
          '<none>',
        ),
    },
    AGE,
  ],
  endpointslices: [
    NAME,
    { name: 'AddressType', cell: (o) => text(o, 'addressType') },
    {
      name: 'Ports',
      cell: (o) =>
        few(
          list(o, 'ports').map((p) => num(p, 'port')),
          '<unset>',
        ),
    },
    {
      name: 'Endpoints',
      cell: (o) =>
        few(
          list(o, 'endpoints').flatMap((e) => list(e, 'addresses').map(String)),
          '<unset>',
        ),
    },
    AGE,
  ],
  events: [
    {
      name: 'Last Seen',
      cell: (o, now) =>
        since(at(o, 'lastTimestamp') ?? at(o, 'eventTime') ?? o.metadata.creationTimestamp, now),
    },
    { name: 'Type', cell: (o) => text(o, 'type') },
    { name: 'Reason', cell: (o) => text(o, 'reason') },
    {
      name: 'Object',
      cell: (o) => `${text(o, 'involvedObject.kind').toLowerCase()}/${text(o, 'involvedObject.name')}`,
    },
    { name: 'Message', cell: (o) => text(o, 'message').trim() },
  ],
  deployments: [
    NAME,
    { name: 'Ready', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas', 1)}` },
    { name: 'Up-to-date', cell: (o) => num(o, 'status.updatedReplicas') },
    { name: 'Available', cell: (o) => num(o, 'status.availableReplicas') },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  replicasets: [
    NAME,
    { name: 'Desired', cell: (o) => num(o, 'spec.replicas', 1) },
    { name: 'Current', cell: (o) => num(o, 'status.replicas') },
    { name: 'Ready', cell: (o) => num(o, 'status.readyReplicas') },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  statefulsets: [
    NAME,
    { name: 'Ready', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas', 1)}` },
    AGE,
    ...WORKLOAD_WIDE.slice(0, 2),
  ],
};

export const DEFAULT_COLUMNS: Column[] = [NAME, AGE];
