/**
 * staffDigest (workflow id `digest-<staffId>-<YYYY-MM-DD>`, §3.2): one email per staff member and day
 * listing every reminder due to them that day with delivery DIGEST — a relationship manager with
 * forty reviews due on Monday gets one email, not forty. Each due reminder joins it by
 * signal-with-start (activities/reminder-ladder.ts `remindNow`, several in one signal when they join
 * together: activities/digest-joins.ts): the first one starts it, the others signal the running digest. At `sendAt` (the due time plus the policy's `lifecycle.digestDelay`, so
 * every reminder due at that time has joined) it sends what it holds; reminders that join while it
 * sends go out in a further email before it ends. It ends only with nothing pending, and Temporal
 * refuses to close a workflow that has unhandled signals, so no reminder is ever left out; one that
 * joins after it ended starts a new run of the same id.
 *
 * Escalations never wait for a digest: each reminder escalates on its own and on time.
 */
import { condition, defineSignal, proxyActivities, setCurrentDetails, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
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
  emails: number;
}

export const staffDigestWorkflowId = (staffId: string, date: string) => `digest-${staffId}-${date}`;
/**
 * Reminders join the digest (sent with signal-with-start): `reminderKeys`, several that joined
 * together (activities/digest-joins.ts); `reminderKey`, one, as signals sent before the batching did.
 */
export const joinDigestSignal = defineSignal<[{ reminderKey?: string; reminderKeys?: string[] }]>('join');

const { sendStaffDigest } = proxyActivities<ReminderLadderActivities>({ ...EMAIL, summary: 'send the staff digest email' });

export async function staffDigest(input: StaffDigestInput): Promise<StaffDigestResult> {
  const pending: string[] = [];
  setHandler(joinDigestSignal, ({ reminderKey, reminderKeys }) => {
    for (const key of [reminderKey, ...(Array.isArray(reminderKeys) ? reminderKeys : [])]) {
      if (typeof key === 'string' && !pending.includes(key)) pending.push(key);
    }
  });
  upsertSearchAttributes([
    { key: SA.ProcessKind, value: 'STAFF_DIGEST' },
    { key: SA.StaffId, value: input.staffId },
    { key: SA.DueAt, value: new Date(input.sendAt) },
  ]);
  setCurrentDetails(`Collecting reminders due to ${input.staffId} on ${input.date}; sends at ${input.sendAt}`);
  await sleep(Math.max(0, Date.parse(input.sendAt) - Date.now()), { summary: "collect the day's reminders" });

  const { runId, workflowId } = workflowInfo();
  let listed = 0;
  let emails = 0;
  // One key per email of this run: a retry sends the same email once; a later run lists what is left.
  while (pending.length > 0) {
    const reminderKeys = pending.splice(0);
    const sent = await sendStaffDigest({ staffId: input.staffId, date: input.date, digestKey: `digest:${workflowId}:${runId}:${emails + 1}`, reminderKeys });
    listed += sent.listed;
    emails += 1;
    setCurrentDetails(`Sent ${emails} email(s) listing ${listed} reminder(s) due to ${input.staffId} on ${input.date}`);
    await condition(() => pending.length > 0, 0); // reminders that joined while it was sending
  }
  return { listed, emails };
}
