/**
 * staffReminder (workflow id `reminder-<key>`): at the due time, record the reminder and email the
 * staff member; if nobody acknowledges within the policy's grace period, email the escalation
 * contact. Acknowledging before the due time cancels it. This is the mechanism behind §5.2's
 * "reminder before the deadline, escalation at the deadline"; later processes start it as a child.
 *
 * Deterministic: it decides *when*; activities do the I/O. Input carries ids and times only.
 *
 * A step that fails for good (the mail server refuses the address, a data error) does not jam it
 * (issue 7): BusinessStatus becomes NEEDS_ATTENTION and stays so, the failure is recorded once, and
 * the reminder goes on — a refused reminder email still escalates when nobody acknowledges.
 */
import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { ReminderActivities } from '../activities/reminders';
import { SA } from '../src/temporal/search-attributes';
import { EMAIL, RECORD } from './activity-options';
import { failedForGood, needsAttention, type Attention } from './needs-attention';

export interface StaffReminderInput {
  reminderKey: string;
  staffId: string;
  escalationStaffId: string;
  /** ISO-8601 instant. */
  dueAt: string;
  /** Grace period after dueAt before escalating (from the policy in force at creation). */
  escalateAfterMs: number;
  policyVersion: string;
}

export type ReminderStatus = 'SCHEDULED' | 'DUE' | 'ACKNOWLEDGED' | 'ESCALATED' | 'CANCELLED';

export interface ReminderState {
  reminderKey: string;
  status: ReminderStatus;
  dueAt: string;
  escalatesAt: string;
  remindedAt?: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  escalatedAt?: string;
  /** A step that failed for good (BusinessStatus NEEDS_ATTENTION). */
  attention?: Attention;
}

export interface AcknowledgeInput {
  staffId: string;
}

export const reminderWorkflowId = (reminderKey: string) => `reminder-${reminderKey}`;

/** Acknowledge and learn the outcome at once; rejected (validator) when it cannot apply. */
export const acknowledgeUpdate = defineUpdate<ReminderState, [AcknowledgeInput]>('acknowledge');
/** Fire-and-forget acknowledgement (same rules; an invalid one is ignored). */
export const acknowledgeSignal = defineSignal<[AcknowledgeInput]>('acknowledge');
export const reminderStateQuery = defineQuery<ReminderState>('state');

const { deliverReminder, escalateReminder } = proxyActivities<ReminderActivities>(EMAIL);
const { recordReminderAcknowledged } = proxyActivities<ReminderActivities>(RECORD);

export async function staffReminder(input: StaffReminderInput): Promise<ReminderState> {
  const dueAtMs = Date.parse(input.dueAt);
  const state: ReminderState = {
    reminderKey: input.reminderKey,
    status: 'SCHEDULED',
    dueAt: new Date(dueAtMs).toISOString(),
    escalatesAt: new Date(dueAtMs + input.escalateAfterMs).toISOString(),
  };
  let acknowledgement: { staffId: string; at: string } | undefined;

  const isOpen = () => state.status === 'SCHEDULED' || state.status === 'DUE';
  const rejectionReason = ({ staffId }: AcknowledgeInput): string | undefined => {
    if (typeof staffId !== 'string' || !staffId) return 'staffId is required';
    if (staffId !== input.staffId && staffId !== input.escalationStaffId) {
      return `staff member ${staffId} is neither the assignee nor the escalation contact of this reminder`;
    }
    if (!isOpen() && !acknowledgement) return `reminder is ${state.status} and can no longer be acknowledged`;
    return undefined;
  };
  const acknowledge = ({ staffId }: AcknowledgeInput): ReminderState => {
    if (!acknowledgement) {
      // Repeated acknowledgements are idempotent: the first one counts.
      acknowledgement = { staffId, at: new Date().toISOString() };
      state.status = Date.now() < dueAtMs ? 'CANCELLED' : 'ACKNOWLEDGED';
      state.acknowledgedAt = acknowledgement.at;
      state.acknowledgedBy = staffId;
      setStatus(state.status);
    }
    return state;
  };

  /** Runs a step; a failure for good is recorded and marks the reminder NEEDS_ATTENTION (undefined returned). */
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (err) {
      const failure = failedForGood(err);
      if (!failure) throw err;
      state.attention = await needsAttention(name, failure);
      return undefined;
    }
  };
  const setStatus = (status: ReminderStatus) => {
    if (!state.attention) setBusinessStatus(status); // NEEDS_ATTENTION stays visible until an operator acts
  };

  setHandler(reminderStateQuery, () => state);
  setHandler(acknowledgeUpdate, acknowledge, {
    validator: (arg: AcknowledgeInput) => {
      const reason = rejectionReason(arg);
      if (reason) throw new Error(reason);
    },
  });
  setHandler(acknowledgeSignal, (arg) => {
    if (!rejectionReason(arg)) acknowledge(arg);
  });

  upsertSearchAttributes([
    { key: SA.ProcessKind, value: 'REMINDER' },
    { key: SA.StaffId, value: input.staffId },
    { key: SA.DueAt, value: new Date(dueAtMs) },
    { key: SA.PolicyVersion, value: input.policyVersion },
  ]);
  setStatus('SCHEDULED');

  const finish = async (): Promise<ReminderState> => {
    if (acknowledgement) {
      const record = {
        reminderKey: input.reminderKey,
        staffId: acknowledgement.staffId,
        at: acknowledgement.at,
        outcome: state.status === 'CANCELLED' ? ('CANCELLED' as const) : ('ACKNOWLEDGED' as const),
      };
      await step('recordReminderAcknowledged', () => recordReminderAcknowledged(record));
    }
    await condition(allHandlersFinished);
    return state;
  };

  // Until the due time, an acknowledgement cancels the reminder.
  if (await condition(() => acknowledgement !== undefined, Math.max(0, dueAtMs - Date.now()))) return finish();

  state.status = 'DUE';
  setStatus('DUE');
  const deliverAt = new Date().toISOString();
  const delivered = await step('deliverReminder', () => deliverReminder({ reminderKey: input.reminderKey, at: deliverAt }));
  state.remindedAt = delivered?.remindedAt ?? deliverAt;

  const escalateAtMs = dueAtMs + input.escalateAfterMs;
  if (await condition(() => acknowledgement !== undefined, Math.max(0, escalateAtMs - Date.now()))) return finish();

  // From here on the reminder is escalated: a late acknowledgement is refused. The query reports
  // the escalation time with the status (no command: replay-safe), so a reader never sees an
  // ESCALATED reminder without its escalatedAt while the email is on its way.
  const escalateAt = new Date().toISOString();
  state.status = 'ESCALATED';
  state.escalatedAt = escalateAt;
  setStatus('ESCALATED');
  const escalated = await step('escalateReminder', () => escalateReminder({ reminderKey: input.reminderKey, at: escalateAt }));
  state.escalatedAt = escalated?.escalatedAt ?? escalateAt;
  await condition(allHandlersFinished);
  return state;
}

function setBusinessStatus(status: ReminderStatus): void {
  upsertSearchAttributes([{ key: SA.BusinessStatus, value: status }]);
}
