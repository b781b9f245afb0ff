import type { ForwardRow, TuiActions, TuiSnapshot, TuiStore } from '../../src/tui/model.ts';
import { EMPTY_SNAPSHOT } from '../../src/tui/model.ts';
import { sortForwards } from '../../src/tui/rows.ts';

/** A forward row as the API lists it, for `name` in `namespace`. */
export function forwardRow(name: string, namespace = 'alpha', over: Partial<ForwardRow> = {}): ForwardRow {
  const serviceKey = `${name}.${namespace}.one`;
  return {
    key: `${serviceKey}.${name}-pod.8080`,
    serviceKey,
    serviceName: name,
    namespace,
    context: 'one',
    podName: `${name}-pod`,
    localIP: '127.1.27.1',
    localPort: 8080,
    podPort: 3000,
    hostnames: [name, `${name}.${namespace}`, `${name}.${namespace}.svc.cluster.local`],
    status: 'active',
    error: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    lastActive: null,
    bytesIn: 0,
    bytesOut: 0,
    rateIn: 0,
    rateOut: 0,
    connectionsActive: 0,
    connectionsTotal: 0,
    ...over,
  };
}

export interface MemoryStore extends TuiStore {
  /** Replaces parts of the snapshot and tells subscribers, as the client store does once per frame. */
  set(patch: Partial<TuiSnapshot>): void;
  /** Actions called, as `name(arg, …)`. */
  calls: string[];
}

/** The UI's store interface over a snapshot held in memory, with actions that record their calls. */
export function createMemoryStore(
  initial: Partial<TuiSnapshot> = {},
  actions: Partial<TuiActions> = {},
): MemoryStore {
  let snapshot: TuiSnapshot = {
    ...EMPTY_SNAPSHOT,
    version: '0.1.0',
    context: 'one',
    link: 'open',
    ...initial,
    forwards: sortForwards(initial.forwards ?? []),
  };
  const listeners = new Set<() => void>();
  const calls: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]): Promise<never> => {
      calls.push(`${name}(${args.map(String).join(', ')})`);
      return Promise.resolve(undefined as never);
    };
  const store: MemoryStore = {
    calls,
    getSnapshot: () => snapshot,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(patch) {
      snapshot = {
        ...snapshot,
        ...patch,
        ...(patch.forwards ? { forwards: sortForwards(patch.forwards) } : {}),
      };
      for (const l of listeners) l();
    },
    start: () => Promise.resolve(),
    close: () => listeners.clear(),
    actions: {
      removeService: record('removeService'),
      reconnect: record('reconnect'),
      reconnectErrored: () => {
        calls.push('reconnectErrored()');
        return Promise.resolve(0);
      },
      sync: record('sync'),
      addNamespace: record('addNamespace'),
      addService: record('addService'),
      contexts: () =>
        Promise.resolve([
          { name: 'one', active: true },
          { name: 'two', active: false },
        ]),
      namespaces: () =>
        Promise.resolve([
          { name: 'alpha', forwarded: true },
          { name: 'beta', forwarded: false },
        ]),
      services: () => Promise.resolve([{ name: 'db', forwarded: false }]),
      captures: () => Promise.resolve([]),
      rates: () => Promise.resolve([]),
      endpoints: (key) =>
        Promise.resolve({
          key,
          balancing: { policy: 'first', override: null, affinitySeconds: null, maxSessions: 0 },
          endpoints: [],
        }),
      followPodLogs: () => () => undefined,
      notify: (text) => store.set({ notice: text }),
      ...actions,
    },
  };
  return store;
}
