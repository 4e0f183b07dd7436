/**
 * The staff reminder's ladder (issue 8, §3.2 periodic reviews, §5.1 meetings): a second reminder
 * before the escalation, and delivery through the staff member's digest of the day.
 * Idempotent like every activity: the second reminder has its own notification key
 * (`reminder:<key>:second`); a digest claims the reminders it lists (Reminder.digestKey) in the
 * same statement that reads them, and is sent once per key (`digest:<workflowId>:<runId>`).
 */
import { ApplicationFailure } from '@temporalio/common';
import { calendarDateIn } from '../src/domain/business-calendar';
import { bankTimeZone, type Policy } from '../src/policy/policy';
import { durationMs } from '../src/policy/duration';
import { reminderDigestEmail, secondReminderEmail } from '../src/reminders/ladder-emails';
import type { StaffDigestInput } from '../workflows/staff-digest';
import { sendEmailOnce, type NotificationDeps } from './notifications';

export interface LadderDeps extends NotificationDeps {
  policy: Policy;
}

export const secondReminderKey = (reminderKey: string) => `reminder:${reminderKey}:second`;

export function createReminderLadderActivities(deps: LadderDeps) {
  const { db, policy } = deps;
  const timeZone = bankTimeZone(policy);

  async function load(reminderKey: string) {
    const reminder = await db.reminder.findUnique({ where: { key: reminderKey }, include: { staff: true } });
    if (!reminder) throw ApplicationFailure.create({ type: 'ReminderNotFound', message: `reminder ${reminderKey} does not exist`, nonRetryable: true });
    return reminder;
  }

  return {
    /**
     * Delivery DIGEST, at the due time: the reminder is marked DUE (as deliverReminder does) and the
     * digest of its staff member's day is named: it sends `policy.lifecycle.digestDelay` after the due time.
     */
    async queueReminderForDigest({ reminderKey, at }: { reminderKey: string; at: string }): Promise<{ remindedAt: string; digest: StaffDigestInput }> {
      await db.reminder.updateMany({ where: { key: reminderKey, status: 'SCHEDULED' }, data: { status: 'DUE', remindedAt: new Date(at) } });
      const reminder = await load(reminderKey);
      const sendAt = new Date(reminder.dueAt.getTime() + durationMs(policy.lifecycle.digestDelay));
      return {
        remindedAt: (reminder.remindedAt ?? new Date(at)).toISOString(),
        digest: { staffId: reminder.staffId, date: calendarDateIn(reminder.dueAt, timeZone), sendAt: sendAt.toISOString() },
      };
    },

    /** The second reminder (once), unless the reminder was acknowledged or escalated meanwhile. */
    async remindAgain({ reminderKey, at }: { reminderKey: string; at: string }): Promise<{ remindedAt: string; sent: boolean }> {
      const reminder = await load(reminderKey);
      if (reminder.status !== 'DUE') return { remindedAt: at, sent: false };
      const email = secondReminderEmail(reminder, reminder.staff, timeZone);
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
     * The digest: claims every DUE digest reminder of the staff member not yet listed (digestKey
     * set to this digest's key), then emails the list once. A retry finds the same claimed rows.
     */
    async sendStaffDigest({ staffId, date, digestKey }: { staffId: string; date: string; digestKey: string }): Promise<{ listed: number }> {
      await db.$executeRaw`
        UPDATE "Reminder" SET "digestKey" = ${digestKey}
         WHERE "staffId" = ${staffId} AND delivery = 'DIGEST' AND "digestKey" IS NULL AND status = 'DUE'`;
      const listed = await db.reminder.findMany({ where: { digestKey }, orderBy: [{ dueAt: 'asc' }, { key: 'asc' }] });
      if (listed.length === 0) return { listed: 0 };
      const staff = await db.staffMember.findUniqueOrThrow({ where: { id: staffId } });
      const email = reminderDigestEmail(staff, date, listed, timeZone);
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
