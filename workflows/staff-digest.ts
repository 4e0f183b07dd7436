/**
 * staffDigest (workflow id `digest-<staffId>-<YYYY-MM-DD>`, §3.2): one email per staff member and day
 * listing every reminder due to them that day with delivery DIGEST — a relationship manager with
 * forty reviews due on Monday gets one email, not forty. Started by the first such reminder of the
 * day (staffReminder), it waits until `sendAt` (the due time plus the policy's `lifecycle.digestDelay`)
 * so every reminder due at that time has joined, then sends. The activity claims the reminders it
 * lists (Reminder.digestKey), so each reminder is listed in exactly one digest; one that falls due
 * after the digest went out starts a new run of the same id, which lists what is left.
 *
 * Escalations never wait for a digest: each reminder escalates on its own and on time.
 */
import { proxyActivities, setCurrentDetails, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ReminderLadderActivities } from '../activities/reminder-ladder';
import { SA } from '../src/temporal/search-attributes';
import { EMAIL } from './activity-options';

export interface StaffDigestInput {
  staffId: string;
  /** The local date (bank time zone) of the reminders it lists. */
  date: string;
  /** ISO instant it sends at. */
  sendAt: string;
}

export interface StaffDigestResult {
  listed: number;
  digestKey: string;
}

export const staffDigestWorkflowId = (staffId: string, date: string) => `digest-${staffId}-${date}`;

const { sendStaffDigest } = proxyActivities<ReminderLadderActivities>({ ...EMAIL, summary: 'send the staff digest email' });

export async function staffDigest(input: StaffDigestInput): Promise<StaffDigestResult> {
  upsertSearchAttributes([
    { key: SA.ProcessKind, value: 'STAFF_DIGEST' },
    { key: SA.StaffId, value: input.staffId },
    { key: SA.DueAt, value: new Date(input.sendAt) },
    { key: SA.BusinessStatus, value: 'COLLECTING' },
  ]);
  setCurrentDetails(`Collecting reminders due to ${input.staffId} on ${input.date}; sends at ${input.sendAt}`);
  await sleep(Math.max(0, Date.parse(input.sendAt) - Date.now()), { summary: 'collect the day\'s reminders' });
  // One key per run: a retry of this run sends the same email once; a later run lists only what is left.
  const { runId, workflowId } = workflowInfo();
  const digestKey = `digest:${workflowId}:${runId}`;
  const { listed } = await sendStaffDigest({ staffId: input.staffId, date: input.date, digestKey });
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: 'SENT' }]);
  setCurrentDetails(`Sent: ${listed} reminder(s) listed (${digestKey})`);
  return { listed, digestKey };
}
