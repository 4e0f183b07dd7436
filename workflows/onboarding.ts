/**
 * onboarding (workflow id `onboarding-<customerId>`), §2.3 step 3: a new customer record waits for
 * the audit (review) team. An AUDITOR — never the staff member who entered the record (maker-checker)
 * — approves, rejects (with a reason) or requests information. Decisions arrive as the `decide`
 * update, whose validator refuses what cannot apply, so the caller learns at once.
 *
 * Requesting information emails the customer and waits; after `infoReminderAfterBusinessDays` the
 * customer is reminded, and after `infoLimitBusinessDays` the onboarding closes as INCOMPLETE. A
 * review left waiting longer than `reviewReminderAfterBusinessDays` makes the audit team's staff
 * reminder (the foundation's staffReminder, as a child workflow). On approval the customer is
 * classified, given its service tier and relationship coverage, and welcomed (activity
 * completeOnboarding), which is also the hand-off point to the customer's lifecycle.
 *
 * Input carries ids, codes and numbers only (no personal data); deadlines are business days (§5.2
 * calendar: weekends and US federal holidays skipped) in the bank's time zone.
 *
 * Issue 7 (patch RECORD_THEN_ANSWER): a decision is first recorded in the database, then reflected in
 * the state and BusinessStatus, then answered; emails follow after the answer (the caller never waits
 * on the mail server). A decision that cannot be recorded for good (a data error) is answered with
 * the reason, leaves the state as the database has it, and shows NEEDS_ATTENTION. Workflows started
 * before the patch replay their recorded path (test/workflow/replay.test.ts).
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  patched,
  condition,
  defineQuery,
  defineUpdate,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { OnboardingActivities } from '../activities/onboarding';
import { addBusinessDays } from '../src/domain/business-calendar';
import { SA } from '../src/temporal/search-attributes';
import type { LifecycleActivities } from '../activities/lifecycle';
import { acknowledgeSignal, staffReminder } from './staff-reminder';
import { EMAIL, RECORD } from './activity-options';
import { failedForGood, needsAttention, type Attention } from './needs-attention';

/** Patch id: record first, then status and answer, then email (issue 7). */
export const RECORD_THEN_ANSWER = 'onboarding-record-then-answer';
/** Patch id: approval hands the customer over to its lifecycle (issue 8, §3.2 / §5.1). */
export const START_LIFECYCLE = 'onboarding-starts-lifecycle';

export interface OnboardingInput {
  customerId: string;
  customerType: 'INDIVIDUAL' | 'ENTERPRISE';
  enteredByStaffId: string;
  policyVersion: string;
  timeZone: string;
  reviewReminderAfterBusinessDays: number;
  infoReminderAfterBusinessDays: number;
  infoLimitBusinessDays: number;
}

export type OnboardingStatus = 'PENDING_REVIEW' | 'INFO_REQUESTED' | 'APPROVED' | 'REJECTED' | 'INCOMPLETE';

export interface DecisionInput {
  reviewerId: string;
  decision: 'APPROVE' | 'REJECT' | 'REQUEST_INFO';
  reason?: string;
}

export interface OnboardingDecision extends DecisionInput {
  at: string;
}

export interface OnboardingState {
  customerId: string;
  status: OnboardingStatus;
  submittedAt: string;
  reviewDueAt: string;
  decisions: OnboardingDecision[];
  infoRequestedAt?: string;
  infoReminderAt?: string;
  infoDeadlineAt?: string;
  auditTeamReminded: boolean;
  segment?: string;
  relationshipManagerId?: string;
  /** The last step that failed for good, while it waits for an operator (BusinessStatus NEEDS_ATTENTION). */
  attention?: Attention;
}

export interface InfoProvidedInput {
  byStaffId: string;
}

export const onboardingWorkflowId = (customerId: string) => `onboarding-${customerId}`;
export const decideUpdate = defineUpdate<OnboardingState, [DecisionInput]>('decide');
/** The information the audit team asked for has arrived (recorded by staff): back to review. */
export const infoReceivedUpdate = defineUpdate<OnboardingState, [InfoProvidedInput]>('infoReceived');
export const onboardingStateQuery = defineQuery<OnboardingState>('state');

const acts = proxyActivities<OnboardingActivities>(RECORD);
const emails = proxyActivities<OnboardingActivities>(EMAIL);
const handOff = proxyActivities<LifecycleActivities>({ ...RECORD, summary: 'start the customer lifecycle' });

const isOpen = (s: OnboardingStatus) => s === 'PENDING_REVIEW' || s === 'INFO_REQUESTED';

/** Why `d` cannot apply now (undefined: it can). Pure, so the validator and tests share it. */
export function decisionRejection(state: OnboardingState, input: OnboardingInput, d: DecisionInput): string | undefined {
  if (!d || typeof d.reviewerId !== 'string' || !d.reviewerId) return 'reviewerId is required';
  if (!['APPROVE', 'REJECT', 'REQUEST_INFO'].includes(d.decision)) return 'decision must be APPROVE, REJECT or REQUEST_INFO';
  if (d.reviewerId === input.enteredByStaffId) {
    return `maker-checker (§2.3): ${d.reviewerId} entered this record and cannot review it`;
  }
  if (!isOpen(state.status)) return `onboarding is ${state.status}: no further decisions`;
  if (d.decision !== 'APPROVE' && !d.reason?.trim()) return `${d.decision} needs a reason`;
  if (d.decision === 'REQUEST_INFO' && state.status === 'INFO_REQUESTED') return 'information is already requested';
  return undefined;
}

export async function onboarding(input: OnboardingInput): Promise<OnboardingState> {
  const now = () => new Date(Date.now());
  const submittedAt = now();
  const state: OnboardingState = {
    customerId: input.customerId,
    status: 'PENDING_REVIEW',
    submittedAt: submittedAt.toISOString(),
    reviewDueAt: addBusinessDays(submittedAt, input.reviewReminderAfterBusinessDays, input.timeZone).toISOString(),
    decisions: [],
    auditTeamReminded: false,
  };
  let pending: OnboardingDecision | undefined;
  /** Decisions that could not be recorded, with the reason their caller is answered. */
  const refused = new Map<OnboardingDecision, string>();
  let infoProvided: InfoProvidedInput | undefined;
  let auditReminder: { handle: ChildWorkflowHandle<typeof staffReminder>; staffId: string } | undefined;

  setHandler(onboardingStateQuery, () => state);
  setHandler(
    decideUpdate,
    async (d) => {
      const decision: OnboardingDecision = { ...d, reason: d.reason?.trim(), at: now().toISOString() };
      state.decisions.push(decision);
      pending = decision;
      // Answer once the decision has taken effect, so the caller sees its outcome (e.g. APPROVED with the segment).
      await condition(() => pending !== decision);
      const refusal = refused.get(decision);
      if (refusal) throw ApplicationFailure.create({ type: 'DecisionNotRecorded', message: refusal, nonRetryable: true });
      return state;
    },
    {
      validator: (d: DecisionInput) => {
        const reason = pending ? 'a decision is being recorded; retry in a moment' : decisionRejection(state, input, d);
        if (reason) throw new Error(reason);
      },
    },
  );
  setHandler(
    infoReceivedUpdate,
    async (info) => {
      infoProvided = info;
      await condition(() => infoProvided === undefined); // cleared once recorded
      return state;
    },
    {
      validator: (info: InfoProvidedInput) => {
        if (!info || typeof info.byStaffId !== 'string' || !info.byStaffId) throw new Error('byStaffId is required');
        if (state.status !== 'INFO_REQUESTED') throw new Error(`onboarding is ${state.status}: no information was requested`);
        if (infoProvided) throw new Error('the information is already being recorded');
      },
    },
  );

  const setStatus = (status: OnboardingStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: SA.BusinessStatus, value: status }]);
  };
  // The record was written PENDING_REVIEW, and the starter set ProcessKind, CustomerId, CustomerType,
  // PolicyVersion and BusinessStatus on the start request: the first task only arms the timer.

  const until = (iso: string) => Math.max(0, Date.parse(iso) - Date.now());

  /** Runs a recording step; false when it failed for good (state unchanged, NEEDS_ATTENTION recorded). */
  const recorded = async (step: string, record: () => Promise<unknown>, actorStaffId?: string): Promise<boolean> => {
    try {
      await record();
      state.attention = undefined;
      return true;
    } catch (err) {
      const failure = failedForGood(err);
      if (!failure) throw err;
      state.attention = await needsAttention(step, failure, { customerId: input.customerId, ...(actorStaffId ? { actorStaffId } : {}) });
      return false;
    }
  };
  /** A step after the decision was answered (an email, the hand-off): a failure for good is recorded, the process goes on. */
  const emailed = async (step: string, send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (err) {
      const failure = failedForGood(err);
      if (!failure) throw err;
      state.attention = await needsAttention(step, failure, { customerId: input.customerId });
    }
  };
  /** Answers the caller of decision `d` (the update returns) unless a newer decision took its place. */
  const answer = (d: OnboardingDecision, refusal?: string) => {
    if (refusal) {
      refused.set(d, refusal);
      state.decisions = state.decisions.filter((x) => x !== d);
    }
    if (pending === d) pending = undefined;
  };

  /** Issue 7: record, then status, then answer, then email. */
  async function decide(d: OnboardingDecision): Promise<void> {
    const record = { customerId: input.customerId, at: d.at, reviewerId: d.reviewerId };
    const refusal = () => `the ${d.decision} decision could not be recorded (${state.attention?.errorType}): the onboarding stays ${state.status}; an operator has been alerted`;
    if (d.decision === 'REQUEST_INFO') {
      const at = new Date(d.at);
      const deadline = addBusinessDays(at, input.infoLimitBusinessDays, input.timeZone).toISOString();
      if (!(await recorded('recordOnboardingStatus:INFO_REQUESTED', () => acts.recordOnboardingStatus({ ...record, status: 'INFO_REQUESTED', reason: d.reason ?? '' }), d.reviewerId))) return answer(d, refusal());
      state.infoRequestedAt = d.at;
      state.infoReminderAt = addBusinessDays(at, input.infoReminderAfterBusinessDays, input.timeZone).toISOString();
      state.infoDeadlineAt = deadline;
      setStatus('INFO_REQUESTED');
      const round = state.decisions.length;
      answer(d);
      await emailed('requestInfoFromCustomer', () => emails.requestInfoFromCustomer({ ...record, reason: d.reason ?? '', round, deadline }));
    } else if (d.decision === 'REJECT') {
      if (!(await recorded('recordOnboardingStatus:REJECTED', () => acts.recordOnboardingStatus({ ...record, status: 'REJECTED', reason: d.reason }), d.reviewerId))) return answer(d, refusal());
      setStatus('REJECTED');
      answer(d);
    } else {
      let outcome: Awaited<ReturnType<OnboardingActivities['approveCustomer']>> | undefined;
      if (!(await recorded('approveCustomer', async () => (outcome = await acts.approveCustomer(record)), d.reviewerId)) || !outcome) return answer(d, refusal());
      state.segment = outcome.segment;
      state.relationshipManagerId = outcome.relationshipManagerId ?? undefined;
      setStatus('APPROVED');
      upsertSearchAttributes([{ key: SA.Segment, value: outcome.segment }]);
      answer(d);
      const segment = outcome.segment;
      await emailed('sendWelcomeEmail', () => emails.sendWelcomeEmail({ customerId: input.customerId, segment }));
      // The hand-off (issue 8): the approved customer's lifecycle, customer-<id>, starts (idempotent by business key).
      if (patched(START_LIFECYCLE)) await emailed('startCustomerLifecycle', () => handOff.startCustomerLifecycle({ customerId: input.customerId }));
    }
  }

  /** The decision path as released before issue 7 (status first, email before the answer): replayed by older runs. */
  async function decideAsReleased(d: OnboardingDecision): Promise<void> {
    if (d.decision === 'REQUEST_INFO') {
      const at = new Date(d.at);
      state.infoRequestedAt = d.at;
      state.infoReminderAt = addBusinessDays(at, input.infoReminderAfterBusinessDays, input.timeZone).toISOString();
      state.infoDeadlineAt = addBusinessDays(at, input.infoLimitBusinessDays, input.timeZone).toISOString();
      setStatus('INFO_REQUESTED');
      await acts.requestInfoFromCustomer({ customerId: input.customerId, reviewerId: d.reviewerId, reason: d.reason ?? '', at: d.at, round: state.decisions.length, deadline: state.infoDeadlineAt });
    } else if (d.decision === 'REJECT') {
      setStatus('REJECTED');
      await acts.recordOnboardingStatus({ customerId: input.customerId, status: 'REJECTED', at: d.at, reviewerId: d.reviewerId, reason: d.reason });
    } else {
      setStatus('APPROVED');
      const outcome = await acts.completeOnboarding({ customerId: input.customerId, reviewerId: d.reviewerId, at: d.at });
      state.segment = outcome.segment;
      state.relationshipManagerId = outcome.relationshipManagerId ?? undefined;
      upsertSearchAttributes([{ key: SA.Segment, value: outcome.segment }]);
    }
  }

  while (isOpen(state.status)) {
    if (state.status === 'PENDING_REVIEW') {
      if (!state.auditTeamReminded) {
        if (!(await condition(() => pending !== undefined, until(state.reviewDueAt)))) {
          // §2.3: waiting longer than the policy allows → the audit team's staff reminder.
          const reminder = await acts.prepareReviewReminder({ customerId: input.customerId, enteredByStaffId: input.enteredByStaffId, at: now().toISOString() });
          state.auditTeamReminded = true;
          if (reminder) {
            const handle = await startChild(staffReminder, {
              workflowId: `reminder-${reminder.reminderKey}`,
              args: [reminder],
              parentClosePolicy: ParentClosePolicy.ABANDON,
            });
            auditReminder = { handle, staffId: reminder.staffId };
          }
          continue;
        }
      } else {
        await condition(() => pending !== undefined);
      }
    } else {
      // INFO_REQUESTED: wait for the customer, remind once, then give up.
      const reminderAt = state.infoReminderAt!;
      const deadline = state.infoDeadlineAt!;
      const answered = () => pending !== undefined || infoProvided !== undefined;
      if (!(await condition(answered, until(reminderAt)))) {
        await acts.remindCustomerForInfo({ customerId: input.customerId, round: state.decisions.length, deadline });
        if (!(await condition(answered, until(deadline)))) {
          const record = { customerId: input.customerId, status: 'INCOMPLETE', at: now().toISOString(), reason: 'no information by the deadline' } as const;
          if (patched(RECORD_THEN_ANSWER)) {
            if (await recorded('recordOnboardingStatus:INCOMPLETE', () => acts.recordOnboardingStatus(record))) setStatus('INCOMPLETE');
            else continue; // the record failed for good: still INFO_REQUESTED, waiting for an operator
          } else {
            setStatus('INCOMPLETE');
            await acts.recordOnboardingStatus(record);
          }
          break;
        }
      }
      if (infoProvided && !pending) {
        const by = infoProvided.byStaffId;
        // A fresh review period starts with the new information.
        const back = now();
        const record = { customerId: input.customerId, status: 'PENDING_REVIEW', at: back.toISOString(), reviewerId: by, reason: 'information received' } as const;
        if (patched(RECORD_THEN_ANSWER)) {
          if (await recorded('recordOnboardingStatus:PENDING_REVIEW', () => acts.recordOnboardingStatus(record), by)) {
            state.reviewDueAt = addBusinessDays(back, input.reviewReminderAfterBusinessDays, input.timeZone).toISOString();
            setStatus('PENDING_REVIEW');
          }
        } else {
          state.reviewDueAt = addBusinessDays(back, input.reviewReminderAfterBusinessDays, input.timeZone).toISOString();
          setStatus('PENDING_REVIEW');
          await acts.recordOnboardingStatus(record);
        }
        infoProvided = undefined;
        continue;
      }
      infoProvided = undefined;
    }

    const d = pending!;
    if (patched(RECORD_THEN_ANSWER)) {
      await decide(d);
    } else {
      await decideAsReleased(d);
      pending = undefined;
    }
  }

  // The review is over: the audit team's reminder, if any, is answered.
  if (auditReminder) {
    try {
      await auditReminder.handle.signal(acknowledgeSignal, { staffId: auditReminder.staffId });
    } catch {
      // Already finished (escalated): nothing left to answer.
    }
  }
  await condition(allHandlersFinished);
  return state;
}
