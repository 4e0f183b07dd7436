/**
 * Staff-reminder side effects. Every write is idempotent (a retried activity leaves the same
 * state) and every email goes through sendEmailOnce with a per-reminder key.
 */
import { ApplicationFailure } from '@temporalio/common';
import { reminderDueEmail, reminderEscalationEmail, reminderNotificationKey } from '../src/reminders/emails';
import { writeAudit } from '../src/audit/audit-log';
import type { Policy } from '../src/policy/policy';
import { consoleLinks, DEFAULT_PUBLIC_BASE_URL } from '../src/console/links';
import { sendEmailOnce, type NotificationDeps } from './notifications';

export interface ReminderRef {
  reminderKey: string;
}

/** `at` is workflow time (ISO): what the records say happened when, replay- and time-skip-safe. */
export interface ReminderEvent extends ReminderRef {
  at: string;
}

export interface AcknowledgementRecord extends ReminderRef {
  staffId: string;
  /** ISO time the acknowledgement arrived (workflow time). */
  at: string;
  outcome: 'ACKNOWLEDGED' | 'CANCELLED';
}

export function createReminderActivities(deps: NotificationDeps & { policy: Policy; publicBaseUrl?: string }) {
  // Issue 12: the emails link to the reminder's page in the staff console.
  const links = consoleLinks(deps.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL);
  const { db } = deps;

  async function load(reminderKey: string) {
    const reminder = await db.reminder.findUnique({
      where: { key: reminderKey },
      include: { staff: true, escalationStaff: true },
    });
    if (!reminder) {
      throw ApplicationFailure.create({
        type: 'ReminderNotFound',
        message: `reminder ${reminderKey} does not exist`,
        nonRetryable: true,
      });
    }
    return reminder;
  }

  return {
    /**
     * At the due time: mark the reminder DUE (first, so the record says DUE as soon as the workflow
     * does, even while the mail server is down), then email the staff member.
     */
    async deliverReminder({ reminderKey, at }: ReminderEvent): Promise<{ remindedAt: string; messageId: string }> {
      await db.reminder.updateMany({ where: { key: reminderKey, status: 'SCHEDULED' }, data: { status: 'DUE', remindedAt: new Date(at) } });
      const reminder = await load(reminderKey);
      const email = reminderDueEmail(reminder, reminder.staff, deps.policy.onboarding.timeZone, links);
      const sent = await sendEmailOnce(deps, {
        idempotencyKey: reminderNotificationKey.due(reminderKey),
        kind: 'REMINDER_DUE',
        recipientStaffId: reminder.staffId,
        toAddress: reminder.staff.email,
        subject: email.subject,
        body: email.text,
        html: email.html,
      });
      const remindedAt = reminder.remindedAt ?? new Date(at);
      return { remindedAt: remindedAt.toISOString(), messageId: sent.messageId };
    },

    /** Grace period over without acknowledgement: email the escalation contact. */
    async escalateReminder({ reminderKey, at }: ReminderEvent): Promise<{ escalatedAt: string; messageId: string }> {
      const reminder = await load(reminderKey);
      const email = reminderEscalationEmail(
        reminder,
        reminder.staff,
        reminder.escalationStaff,
        reminder.escalatesAt.getTime() - reminder.dueAt.getTime(),
        deps.policy.onboarding.timeZone,
        links,
      );
      const sent = await sendEmailOnce(deps, {
        idempotencyKey: reminderNotificationKey.escalation(reminderKey),
        kind: 'REMINDER_ESCALATION',
        recipientStaffId: reminder.escalationStaffId,
        toAddress: reminder.escalationStaff.email,
        subject: email.subject,
        body: email.text,
        html: email.html,
      });
      const escalatedAt = reminder.escalatedAt ?? new Date(at);
      await db.reminder.updateMany({
        where: { key: reminderKey, status: { in: ['SCHEDULED', 'DUE'] } },
        data: { status: 'ESCALATED', escalatedAt },
      });
      return { escalatedAt: escalatedAt.toISOString(), messageId: sent.messageId };
    },

    /**
     * Acknowledged: after the due time it is ACKNOWLEDGED, before it the reminder is CANCELLED. The
     * status change and its audit record (§3.1) commit together, once: a retry finds nothing to change.
     */
    async recordReminderAcknowledged({ reminderKey, staffId, at, outcome }: AcknowledgementRecord): Promise<void> {
      const before = await load(reminderKey);
      const when = new Date(at);
      await db.$transaction(async (tx) => {
        const { count } = await tx.reminder.updateMany({
          where: { key: reminderKey, status: { in: ['SCHEDULED', 'DUE'] } },
          data: {
            status: outcome,
            acknowledgedAt: when,
            acknowledgedByStaffId: staffId,
            ...(outcome === 'CANCELLED' ? { cancelledAt: when } : {}),
          },
        });
        if (count === 0) return;
        await writeAudit(tx, {
          actorStaffId: staffId,
          action: outcome === 'CANCELLED' ? 'reminder.cancel' : 'reminder.acknowledge',
          entity: 'Reminder',
          entityId: reminderKey,
          changes: { status: { before: before.status, after: outcome }, acknowledgedAt: { before: null, after: when.toISOString() } },
        });
      });
    },
  };
}

export type ReminderActivities = ReturnType<typeof createReminderActivities>;
