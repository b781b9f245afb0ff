import type { Schemas } from '../contract/contract.ts';

export type ForwardRow = Schemas['Forward'];
export type Summary = Schemas['Summary'];
export type HttpExchange = Schemas['HttpExchange'];
export type LogEntry = Schemas['LogEntry'];
/** A service's pods with connections and bytes each, and its load-balancing policy. */
export type ServiceEndpoints = Schemas['ServiceEndpoints'];

export interface BrowseNamespace {
  name: string;
  forwarded: boolean;
}

export interface BrowseService {
  name: string;
  forwarded: boolean;
}

export interface BrowseContext {
  name: string;
  active: boolean;
}

export interface RatePoint {
  rateIn: number;
  rateOut: number;
}

/** What the screen shows; replaced (never mutated) on each change so components can compare by reference. */
export interface TuiSnapshot {
  version: string;
  /** The daemon's default context. */
  context: string;
  /** Every forward, sorted by shortest hostname then local port. */
  forwards: readonly ForwardRow[];
  summary: Summary | undefined;
  /** The daemon's own log, oldest first, bounded. */
  logs: readonly LogEntry[];
  /** The link to the daemon: `open` once a list call and the event stream answer. */
  link: 'connecting' | 'open' | 'lost';
  linkDetail: string | undefined;
  /** The last action's outcome for the status line, e.g. "reconnecting web.alpha.one". */
  notice: string | undefined;
}

/** What the UI can ask of a daemon. Both modes (in-process and attached) implement it with the typed client. */
export interface TuiActions {
  removeService(serviceKey: string): Promise<void>;
  reconnect(serviceKey: string): Promise<void>;
  /** Reconnects every service with an errored forward; resolves with how many were triggered. */
  reconnectErrored(): Promise<number>;
  sync(serviceKey: string): Promise<void>;
  addNamespace(namespace: string, context: string): Promise<void>;
  addService(namespace: string, service: string, context: string): Promise<void>;
  contexts(): Promise<BrowseContext[]>;
  namespaces(context: string): Promise<BrowseNamespace[]>;
  services(namespace: string, context: string): Promise<BrowseService[]>;
  /** HTTP exchanges captured on a service's forwards, newest first. */
  captures(serviceKey: string): Promise<HttpExchange[]>;
  /** The service's endpoints (one per pod) and balancing policy. */
  endpoints(serviceKey: string): Promise<ServiceEndpoints>;
  /** Per-second rates of one forward over the last minute, oldest first. */
  rates(forwardKey: string): Promise<RatePoint[]>;
  /** Follows a pod's log; `onLines` gets the latest lines (up to `tail`) each time they change. */
  followPodLogs(
    pod: { namespace: string; name: string; context: string },
    onLines: (lines: string[], error?: string) => void,
  ): () => void;
  /** Sets the status line's notice (cleared after a few seconds by the store). */
  notify(text: string): void;
}

export interface TuiStore {
  getSnapshot: () => TuiSnapshot;
  /** Called at most a few times a second (coalesced), never once per event. */
  subscribe: (listener: () => void) => () => void;
  readonly actions: TuiActions;
  /** Resolves after the first full list; rejects with the API's error (wrong key, unreachable). */
  start(): Promise<void>;
  close(): void;
}

export const EMPTY_SNAPSHOT: TuiSnapshot = {
  version: '',
  context: '',
  forwards: [],
  summary: undefined,
  logs: [],
  link: 'connecting',
  linkDetail: undefined,
  notice: undefined,
};
