/**
 * What every process does when a step fails for good (issue 7 "nothing jams"): the workflow stays
 * consistent with the database, shows BusinessStatus NEEDS_ATTENTION in the Temporal UI, and this
 * activity records the failure once (§3.1: the record of what happened), keyed by workflow, step and
 * time so a retry writes nothing more. Operators find them with GET /audit?action=process.needs_attention
 * or `BusinessStatus = "NEEDS_ATTENTION"` in the Temporal UI.
 */
import { writeAudit } from '../src/audit/audit-log';
import type { NotificationDeps } from './notifications';

export interface NeedsAttention {
  workflowId: string;
  /** The step that failed, e.g. `recordOnboardingStatus:REJECTED`. */
  step: string;
  /** The failure's type (DataError, EmailRejected …) and message, as the activity reported it. */
  errorType: string;
  message: string;
  /** Workflow time of the failure (ISO). */
  at: string;
  customerId?: string;
  actorStaffId?: string;
}

// Control characters never reach the log, whatever the failing data held.
// eslint-disable-next-line no-control-regex
const printable = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '\uFFFD').slice(0, 1000);

export function createProcessActivities({ db }: Pick<NotificationDeps, 'db'>) {
  return {
    async recordNeedsAttention(r: NeedsAttention): Promise<void> {
      await writeAudit(db, {
        actorStaffId: r.actorStaffId ?? null,
        action: 'process.needs_attention',
        entity: 'Workflow',
        entityId: r.workflowId,
        ...(r.customerId ? { customerId: r.customerId } : {}),
        changes: { step: { before: null, after: r.step }, error: { before: null, after: `${r.errorType}: ${printable(r.message)}` } },
        idempotencyKey: `needs-attention:${r.workflowId}:${r.step}:${r.at}`,
      });
    },
  };
}
