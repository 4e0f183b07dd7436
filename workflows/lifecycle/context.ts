/**
 * What the lifecycle's phase modules share: the state, the clock (workflow time), the activity
 * proxies, steps that record a failure for good instead of jamming (issue 7), the reminder children,
 * and the Temporal UI's view of the process (search attributes and current details).
 */
import { patched, proxyActivities, proxyLocalActivities, setCurrentDetails, upsertSearchAttributes, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle';
import type { RiskActivities } from '../../activities/risk';
import type { ReminderActivities } from '../../activities/reminders';
import type { ReminderLadderActivities } from '../../activities/reminder-ladder';
import { SA } from '../../src/temporal/search-attributes';
import { EMAIL, LOCAL_EMAIL, LOCAL_RECORD, RECORD } from '../activity-options';
import { failedForGood, needsAttention, NEEDS_ATTENTION } from '../needs-attention';
import type { Ladder, LadderStep, LifecycleInput, LifecycleState, LifecycleStatus } from './definitions';

/** One activity with its own summary in the Temporal UI (what the process is doing, ids and codes only). */
const withSummary = (summary: string, options: ActivityOptions = RECORD) => proxyActivities<LifecycleActivities>({ ...options, summary });

const reminding = {
  remindNow: proxyActivities<ReminderLadderActivities>({ ...EMAIL, summary: 'reminder: own email or the staff digest' }).remindNow,
  remindAgain: proxyActivities<ReminderLadderActivities>({ ...EMAIL, summary: 'second reminder email' }).remindAgain,
  escalateReminder: proxyActivities<ReminderActivities>({ ...EMAIL, summary: 'escalation email to the supervisor' }).escalateReminder,
};

export const acts = {
  beginCycle: withSummary('begin the cycle: load the current policy, plan the next review (§3.2)').beginCycle,
  planContact: withSummary('plan the next regular contact (§5.1)').planContact,
  openReview: withSummary('open the review task and start its reminder (§3.2)').openReview,
  markReviewOverdue: withSummary('record the review overdue (§3.2)').markReviewOverdue,
  recordReviewCompleted: withSummary('close the review task, plan the next review (§3.2)').recordReviewCompleted,
  makeContact: withSummary('contact the customer by its preferred channel (§5.1)', EMAIL).makeContact,
  openMeeting: withSummary('open the quarterly meeting task and start its reminder (§5.1)').openMeeting,
  recordMeetingHeld: withSummary('record the quarterly meeting held (§5.1)').recordMeetingHeld,
  noteCustomerChanged: withSummary('follow a change of the customer: managers, risk inputs (§3.2)', EMAIL).noteCustomerChanged,
  recordLifecycleClosed: withSummary('record the lifecycle closed').recordLifecycleClosed,
  assessRisk: proxyActivities<RiskActivities>({ ...RECORD, summary: 're-assess the customer\'s risk by the scorecard (§6.1)' }).assessRisk,
  followRiskRating: proxyActivities<RiskActivities>({ ...EMAIL, summary: 'follow the rating: investigation, monitoring (§6.2)' }).followRiskRating,
};

/**
 * Patch `lifecycle-local-activities` (issue 8, the due burst): the cycle's start and a review
 * falling due run as local activities (workflows/activity-options.ts) — the same activities, one
 * workflow task each instead of two plus an activity task. Runs that began before it keep their
 * activities until they continue as new.
 */
export const LOCAL_ACTIVITIES_PATCH = 'lifecycle-local-activities';

const locally = (summary: string, options: LocalActivityOptions = LOCAL_RECORD) => proxyLocalActivities<LifecycleActivities>({ ...options, summary });
const local = {
  beginCycle: locally('begin the cycle: load the current policy, plan the next review (§3.2)').beginCycle,
  openReview: locally('open the review task and start its reminder (§3.2)', LOCAL_EMAIL).openReview,
};

/** The activities that run locally once patched (see LOCAL_ACTIVITIES_PATCH). */
export const hot = {
  beginCycle: (...args: Parameters<LifecycleActivities['beginCycle']>) => (patched(LOCAL_ACTIVITIES_PATCH) ? local : acts).beginCycle(...args),
  openReview: (...args: Parameters<LifecycleActivities['openReview']>) => (patched(LOCAL_ACTIVITIES_PATCH) ? local : acts).openReview(...args),
};

export interface Ctx {
  readonly input: LifecycleInput;
  readonly workflowId: string;
  state: LifecycleState;
}

export const now = () => new Date(Date.now());
export const nowIso = () => now().toISOString();
export const msUntil = (iso: string) => Math.max(0, Date.parse(iso) - Date.now());

/**
 * Runs one step. A failure no retry can fix (a DataError, a refused email) is recorded once, shows
 * NEEDS_ATTENTION in the Temporal UI, and returns undefined: the process goes on with what the
 * database has (issue 7 "nothing jams"). Anything else is retried by Temporal.
 */
export async function step<T>(ctx: Ctx, name: string, run: () => Promise<T>, actorStaffId?: string): Promise<T | undefined> {
  try {
    const result = await run();
    if (ctx.state.attention?.step === name) ctx.state.attention = undefined;
    return result;
  } catch (err) {
    const failure = failedForGood(err);
    if (!failure) throw err;
    ctx.state.attention = await needsAttention(name, failure, { customerId: ctx.state.customerId, ...(actorStaffId ? { actorStaffId } : {}) });
    return undefined;
  }
}

/**
 * Runs the next step of a ladder with the staff reminder's activities: the reminder at its due time
 * (own email or the day's digest), the second reminder, the escalation to the supervisor.
 */
export async function runLadderStep(ctx: Ctx, ladder: Ladder): Promise<LadderStep | undefined> {
  const next = ladder.steps.shift();
  if (!next) return undefined;
  const r = { reminderKey: ladder.reminderKey, at: nowIso() };
  if (next.step === 'REMIND') await step(ctx, 'remindNow', () => reminding.remindNow(r));
  else if (next.step === 'REMIND_AGAIN') await step(ctx, 'remindAgain', () => reminding.remindAgain(r));
  else await step(ctx, 'escalateReminder', () => reminding.escalateReminder(r));
  return next.step;
}

export function setStatus(ctx: Ctx, status: LifecycleStatus): void {
  ctx.state.status = status;
  reflect(ctx);
}

/** The search attributes operators query (README: "Finding a customer's process"), kept current. */
export function reflect(ctx: Ctx): void {
  const s = ctx.state;
  upsertSearchAttributes([
    { key: SA.BusinessStatus, value: s.attention && s.status !== 'CLOSED' ? NEEDS_ATTENTION : s.status },
    { key: SA.CustomerType, value: s.customerType },
    { key: SA.Segment, value: s.segment },
    { key: SA.StaffId, value: s.managerId },
    { key: SA.NextReviewAt, value: s.status === 'CLOSED' ? null : new Date(s.review?.dueAt ?? s.nextReviewAt) },
    { key: SA.PolicyVersion, value: s.policyVersion },
    // §6 only in runs that follow the risk (patch lifecycle-risk): older runs' commands stay as they were.
    ...(s.risk ? [{ key: SA.RiskRating, value: s.risk.rating }] : []),
  ]);
  describe(ctx);
}

/** The Temporal UI's "current details": ids, codes and times only. */
export function describe(ctx: Ctx): void {
  const s = ctx.state;
  const lines = [
    `**Customer ${s.customerId}** · ${s.customerType} · ${s.segment ?? 'unclassified'} · manager ${s.managerId ?? 'none (service team)'} · policy ${s.policyVersion}`,
    `Status **${s.status}**${s.attention ? ` · NEEDS_ATTENTION (${s.attention.step}: ${s.attention.errorType})` : ''}`,
    s.review
      ? `Review task ${s.review.taskId} due ${s.review.dueAt}, overdue ${s.review.overdueAt}`
      : `Next review (cycle ${s.cycle + 1}) due ${s.nextReviewAt}; last ${s.lastReviewAt}`,
    ...(s.meeting ? [`Meeting task ${s.meeting.taskId} (${s.meeting.quarter}), escalates ${s.meeting.escalatesAt}`] : []),
    ...s.agenda.map((a) => `Next ${a.kind} at ${a.at}`),
    ...(s.riskReassessmentDueAt ? [`Risk re-assessment due since ${s.riskReassessmentDueAt} (§6)`] : []),
    ...(s.risk
      ? [
          `Risk **${s.risk.rating ?? 'not yet rated'}**${s.risk.assessmentId ? ` (assessment ${s.risk.assessmentId})` : ''}${s.risk.nextMonitoringAt ? ` · monthly monitoring next ${s.risk.nextMonitoringAt}` : ''}` +
            (s.risk.investigation ? ` · investigation: plan task ${s.risk.investigation.planTaskId} due ${s.risk.investigation.planDueAt}` : ''),
        ]
      : []),
    `Reviews ${s.counters.reviewsCompleted} (${s.counters.reviewsOverdue} overdue) · contacts ${s.counters.contacts} · meetings ${s.counters.meetingsHeld} held, ${s.counters.meetingsMissed} missed · changes ${s.counters.changes} · run ${s.counters.runs}`,
  ];
  setCurrentDetails(lines.join('\n\n'));
}
