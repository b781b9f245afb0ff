import type { AdhocView } from './adhoc-manager.ts';

/**
 * Where every ad-hoc forward's creation, deletion and expiry is recorded: the shape of the audit trail's recorder
 * (`{actor, action, resource, details, outcome}`), so the daemon hands its recorder over as it is. The expiry is the
 * one step no API call shows.
 */
export interface AdhocAudit {
  record(entry: {
    actor: string;
    action: 'portforward.create' | 'portforward.delete' | 'portforward.expire';
    /** `portforward/ID`. */
    resource: string;
    details: Record<string, unknown>;
    outcome: 'success';
  }): void;
}

type AdhocAuditAction = Parameters<AdhocAudit['record']>[0]['action'];

/** The record of one step of a forward's life; `extra` adds to what the view says of it. */
export function auditRecord(
  action: AdhocAuditAction,
  view: AdhocView,
  extra: Record<string, unknown> = {},
): Parameters<AdhocAudit['record']>[0] {
  return {
    actor: 'kubefwd',
    action,
    resource: `portforward/${view.id}`,
    details: { target: view.target, namespace: view.namespace, context: view.context, ...extra },
    outcome: 'success',
  };
}
