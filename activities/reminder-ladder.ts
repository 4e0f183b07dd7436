/**
 * The staff reminder's ladder (issue 8, §3.2 periodic reviews, §5.1 meetings), driven by the customer
 * lifecycle on the same Reminder records, activities and emails as the staff reminder: the reminder
 * at its due time (its own email, or a line in the staff member's digest of the day), a second
 * reminder, and the escalation (the staff reminder's escalateReminder).
 * Idempotent like every activity: the second reminder has its own notification key
 * (`reminder:<key>:second`); a digest claims the reminders it lists (Reminder.digestKey) and is sent
 * once per key (`digest:<workflowId>:<runId>:<n>`).
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { calendarDateIn } from '../src/domain/business-calendar';
import { bankTimeZone, type Policy } from '../src/policy/policy';
import { durationMs } from '../src/policy/duration';
import { reminderDigestEmail, secondReminderEmail } from '../src/reminders/ladder-emails';
import { consoleLinks, DEFAULT_PUBLIC_BASE_URL } from '../src/console/links';
import { staffDigestWorkflowId } from '../workflows/staff-digest';
import { digestJoinerFor } from './digest-joins';
import { sendEmailOnce, type NotificationDeps } from './notifications';
import { createReminderActivities } from './reminders';

export interface LadderDeps extends NotificationDeps {
  policy: Policy;
  temporal?: Client;
  /** Where the emails' links into the staff console point (PUBLIC_BASE_URL; issue 12). */
  publicBaseUrl?: string;
}

export const secondReminderKey = (reminderKey: string) => `reminder:${reminderKey}:second`;

export function createReminderLadderActivities(deps: LadderDeps) {
  const { db, policy } = deps;
  const timeZone = bankTimeZone(policy);
  const reminders = createReminderActivities(deps);

  async function load(reminderKey: string) {
    const reminder = await db.reminder.findUnique({ where: { key: reminderKey }, include: { staff: true } });
    if (!reminder) throw ApplicationFailure.create({ type: 'ReminderNotFound', message: `reminder ${reminderKey} does not exist`, nonRetryable: true });
    return reminder;
  }

  return {
    /**
     * A reminder falls due, by its delivery: its own email (the staff reminder's deliverReminder), or,
     * for DIGEST, marked DUE and joined to its staff member's digest of the day (signal-with-start of
     * staffDigest, sending `policy.lifecycle.digestDelay` after the due time; joins to the same digest
     * that arrive together share one signal, activities/digest-joins.ts).
     */
    async remindNow({ reminderKey, at }: { reminderKey: string; at: string }): Promise<{ remindedAt: string; delivery: 'EMAIL' | 'DIGEST' }> {
      const reminder = await load(reminderKey);
      if (reminder.delivery === 'EMAIL') {
        const delivered = await reminders.deliverReminder({ reminderKey, at });
        return { remindedAt: delivered.remindedAt, delivery: 'EMAIL' };
      }
      await db.reminder.updateMany({ where: { key: reminderKey, status: 'SCHEDULED' }, data: { status: 'DUE', remindedAt: new Date(at) } });
      if (!deps.temporal) throw ApplicationFailure.create({ type: 'NotConfigured', message: 'the worker has no Temporal client for staff digests', nonRetryable: true });
      const date = calendarDateIn(reminder.dueAt, timeZone);
      const sendAt = new Date(reminder.dueAt.getTime() + durationMs(policy.lifecycle.digestDelay)).toISOString();
      await digestJoinerFor(deps.temporal).join({
        workflowId: staffDigestWorkflowId(reminder.staffId, date),
        taskQueue: Context.current().info.taskQueue,
        input: { staffId: reminder.staffId, date, sendAt },
        staticSummary: `Digest of reminders due to ${reminder.staffId} on ${date}`,
        reminderKey,
      });
      return { remindedAt: (reminder.remindedAt ?? new Date(at)).toISOString(), delivery: 'DIGEST' };
    },

    /** The second reminder (once), unless the reminder was acknowledged or escalated meanwhile. */
    async remindAgain({ reminderKey, at }: { reminderKey: string; at: string }): Promise<{ remindedAt: string; sent: boolean }> {
      const reminder = await load(reminderKey);
      if (reminder.status !== 'DUE') return { remindedAt: at, sent: false };
      const email = secondReminderEmail(reminder, reminder.staff, timeZone, consoleLinks(deps.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL));
      await sendEmailOnce(deps, {
        idempotencyKey: secondReminderKey(reminderKey),
        kind: 'REMINDER_SECOND',
        recipientStaffId: reminder.staffId,
        toAddress: reminder.staff.email,
        subject: email.subject,
        body: email.text,
        html: email.html,
      });
      await db.reminder.updateMany({ where: { key: reminderKey, secondRemindedAt: null }, data: { secondRemindedAt: new Date(at) } });
      return { remindedAt: at, sent: true };
    },

    /**
     * The digest: the reminders that joined it and are still DUE, claimed for this email
     * (Reminder.digestKey; a retry finds the same rows), emailed once.
     */
    async sendStaffDigest({ staffId, date, digestKey, reminderKeys }: { staffId: string; date: string; digestKey: string; reminderKeys: string[] }): Promise<{ listed: number }> {
      await db.reminder.updateMany({ where: { key: { in: reminderKeys }, staffId, status: 'DUE', digestKey: null }, data: { digestKey } });
      const listed = await db.reminder.findMany({ where: { digestKey }, orderBy: [{ dueAt: 'asc' }, { key: 'asc' }] });
      if (listed.length === 0) return { listed: 0 };
      const staff = await db.staffMember.findUniqueOrThrow({ where: { id: staffId } });
      const email = reminderDigestEmail(staff, date, listed, timeZone, consoleLinks(deps.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL));
      await sendEmailOnce(deps, {
        idempotencyKey: digestKey,
        kind: 'REMINDER_DIGEST',
        recipientStaffId: staffId,
        toAddress: staff.email,
        subject: email.subject,
        body: email.text,
        html: email.html,
      });
      return { listed: listed.length };
    },
  };
}

export type ReminderLadderActivities = ReturnType<typeof createReminderLadderActivities>;
