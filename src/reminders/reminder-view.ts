/** The reminder as the API shows it (no e-mail addresses: staff are referenced by id). */
import type { Reminder } from '../db/generated/client';
import type { ReminderState } from '../../workflows/staff-reminder';

export interface ReminderView {
  key: string;
  subject: string;
  staffId: string;
  escalationStaffId: string;
  status: Reminder['status'];
  dueAt: string;
  escalatesAt: string;
  remindedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  escalatedAt: string | null;
  policyVersion: string;
  workflowId: string;
  /** `workflow`: live state from the running process; `database`: the stored record. */
  source: 'workflow' | 'database';
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toReminderView(row: Reminder, live?: ReminderState): ReminderView {
  return {
    key: row.key,
    subject: row.subject,
    staffId: row.staffId,
    escalationStaffId: row.escalationStaffId,
    status: live?.status ?? row.status,
    dueAt: row.dueAt.toISOString(),
    escalatesAt: row.escalatesAt.toISOString(),
    remindedAt: live?.remindedAt ?? iso(row.remindedAt),
    acknowledgedAt: live?.acknowledgedAt ?? iso(row.acknowledgedAt),
    acknowledgedBy: live?.acknowledgedBy ?? row.acknowledgedByStaffId,
    escalatedAt: live?.escalatedAt ?? iso(row.escalatedAt),
    policyVersion: row.policyVersion,
    workflowId: row.workflowId,
    source: live ? 'workflow' : 'database',
  };
}
