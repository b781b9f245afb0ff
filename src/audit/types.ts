/**
 * The audit trail's contract. Whatever changes state (an API call, and later an MCP tool call or an ad-hoc forward)
 * records through an `AuditRecorder` it is given; the API reads entries back through an `AuditReader`.
 */
export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditRecord {
  /** Who: the API key's name for API calls. */
  actor: string;
  /** What: for API calls the operation's id in openapi.yaml (`addNamespace`, `removeService`, ...). */
  action: string;
  /** On what: `kind/name`, e.g. `service/web.alpha.one`. */
  resource: string;
  details?: Record<string, unknown>;
  outcome: AuditOutcome;
  requestId?: string | null;
}

export interface AuditEntry {
  id: number;
  timestamp: string;
  actor: string;
  action: string;
  resource: string;
  details: Record<string, unknown>;
  outcome: AuditOutcome;
  requestId: string | null;
}

export interface AuditRecorder {
  record(record: AuditRecord): void;
}

export interface AuditFilter {
  limit: number;
  offset: number;
  action?: string | undefined;
  /** The actor (k13d calls it `user`). */
  user?: string | undefined;
  /** Epoch milliseconds, inclusive. */
  from?: number | undefined;
  to?: number | undefined;
}

export interface AuditReader {
  /** Newest first: the page asked for and how many entries match in all. */
  query(filter: AuditFilter): Promise<{ items: AuditEntry[]; total: number }>;
}

/** A recorder that drops everything: for callers that run without a state directory. */
export const NO_AUDIT: AuditRecorder = { record: () => undefined };
