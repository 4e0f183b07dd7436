/**
 * staffAssessment (workflow id `staff-assessment-<period>`, e.g. staff-assessment-2026-Q4): §7.2
 * "Assessed each quarter (short-term, with guidance) and each year". Started by the Schedules'
 * starter below (src/staff-assessment/schedule.ts), or by a supervisor (POST /reports/staff/runs,
 * `ccm staff-assessment run`):
 *
 *   begin (period checked, policy version fixed; a quarter's guidance times on business days)
 *     └► assess page after page of staff by id (each record computed from the system's data; for a
 *        quarter each manager's guidance task with its reminder), continuing as new every few pages
 *          └► quarter: guidance — results emailed as their notes arrive (signal guidanceRecorded);
 *             the managers reminded at the due time and escalated to a supervisor after the grace
 *             period through the staff-reminder ladder; closes at the close time or when every
 *             result is out
 *               └► close: the remaining results emailed (a year's all at once), open tasks MISSED
 *
 * The workflow decides *when*; src/staff-assessment/ decides *what*; the activities *do*. State is
 * counts, a cursor and times; no personal data and no guidance text.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ReminderActivities } from '../../activities/reminders';
import type { ReminderLadderActivities } from '../../activities/reminder-ladder';
import type { StaffAssessmentActivities } from '../../activities/staff-assessment';
import { SA } from '../../src/temporal/search-attributes';
import { EMAIL, RECORD } from '../activity-options';
import { failedForGood, needsAttention, NEEDS_ATTENTION, type Attention } from '../needs-attention';
import {
  EMAILS_PER_CALL,
  guidanceRecordedSignal,
  initialState,
  PAGES_PER_RUN,
  runStateQuery,
  staffAssessmentWorkflowId,
  type ScheduledInput,
  type StaffAssessmentInput,
  type StaffAssessmentState,
} from './definitions';

const on = (summary: string, options = RECORD) => proxyActivities<StaffAssessmentActivities>({ ...options, summary });
const acts = {
  periodToAssess: on('the period this firing assesses (§7.2)').periodToAssess,
  beginStaffAssessment: on('begin: check the period, fix the policy version and the guidance times (§7.2)').beginStaffAssessment,
  assessStaffPage: on('assess the next page of staff; open their managers’ guidance tasks (§7.2)', { ...RECORD, startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds' }).assessStaffPage,
  guidanceReminders: on('the guidance reminders still open').guidanceReminders,
  emailAssessmentResults: on('email the results that are ready (§7.2)', EMAIL).emailAssessmentResults,
  closeStaffAssessmentRun: on('close: guidance tasks still open MISSED (§7.2)').closeStaffAssessmentRun,
};
const ladder = {
  remindNow: proxyActivities<ReminderLadderActivities>({ ...EMAIL, summary: 'guidance reminder to the manager' }).remindNow,
  escalateReminder: proxyActivities<ReminderActivities>({ ...EMAIL, summary: 'guidance escalation to a supervisor' }).escalateReminder,
};

const nowIso = () => new Date(Date.now()).toISOString();
const msUntil = (iso: string) => Math.max(0, Date.parse(iso) - Date.now());

export async function staffAssessment(input: StaffAssessmentInput): Promise<StaffAssessmentState> {
  const { workflowId } = workflowInfo();
  const state: StaffAssessmentState = { ...(input.state ?? initialState(input.period)), runs: (input.state?.runs ?? 0) + 1 };
  let attention: Attention | undefined;
  setHandler(runStateQuery, () => state);
  setHandler(guidanceRecordedSignal, () => {
    state.wake = true;
  });

  /** Runs a step; a failure no retry can fix is recorded (NEEDS_ATTENTION) and the run goes on (undefined). */
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (err) {
      const failure = failedForGood(err);
      if (!failure) throw err;
      attention = await needsAttention(name, failure, input.startedByStaffId ? { actorStaffId: input.startedByStaffId } : {});
      return undefined;
    }
  };
  const reflect = () => {
    upsertSearchAttributes([
      { key: SA.ProcessKind, value: 'STAFF_ASSESSMENT' },
      { key: SA.BusinessStatus, value: attention ? NEEDS_ATTENTION : state.phase },
      ...(state.policyVersion ? [{ key: SA.PolicyVersion, value: state.policyVersion }] : []),
      ...(state.guidance && state.phase === 'GUIDANCE' ? [{ key: SA.DueAt, value: new Date(state.guidance.dueAt) }] : []),
    ]);
    const g = state.guidance;
    setCurrentDetails(
      [
        `**§7.2 staff assessment ${state.period}** (${state.kind ?? '…'}) · phase **${state.phase}** · policy ${state.policyVersion ?? '…'}`,
        `Staff assessed ${state.assessed} (${state.changed} records written) in ${state.pages} page(s) · results emailed ${state.emailed} · run ${state.runs}`,
        ...(g ? [`Guidance due ${g.dueAt}${g.reminded ? ' (reminded)' : ''}, escalates ${g.escalatesAt}${g.escalated ? ' (escalated)' : ''}, closes ${g.closesAt}`] : []),
        ...(attention ? [`NEEDS_ATTENTION: ${attention.step} (${attention.errorType})`] : []),
      ].join('\n\n'),
    );
  };
  reflect();

  // ── phases ──────────────────────────────────────────────────────────────────────────────────
  const begin = async () => {
    const b = await acts.beginStaffAssessment({ period: state.period, at: nowIso() });
    state.kind = b.kind;
    state.policyVersion = b.policyVersion;
    state.guidance = b.guidance;
    state.phase = 'ASSESSING';
  };

  const assessPage = async () => {
    const g = state.guidance;
    const page = await acts.assessStaffPage({ period: state.period, after: state.after, at: nowIso(), workflowId, guidance: g ? { dueAt: g.dueAt, escalatesAt: g.escalatesAt } : null });
    state.assessed += page.count;
    state.changed += page.changed;
    state.pages += 1;
    if (page.last) state.after = page.last;
    if (page.done) {
      state.phase = g ? 'GUIDANCE' : 'CLOSING';
      state.wake = true; // send what is ready at once (notes written before, or no staff at all)
    }
  };

  /** Emails the results that are ready; true when none is left to send. */
  const sendReady = async (withGuidanceOnly: boolean): Promise<boolean> => {
    for (;;) {
      const r = await step('emailAssessmentResults', () => acts.emailAssessmentResults({ period: state.period, withGuidanceOnly, limit: EMAILS_PER_CALL }));
      if (!r) return false;
      state.emailed += r.sent;
      if (r.remaining === 0) return true;
      if (r.processed < EMAILS_PER_CALL) return false; // the rest wait for their notes (or the close)
    }
  };

  /** The guidance reminders' next rung through the staff-reminder ladder: REMIND the SCHEDULED ones, or ESCALATE the DUE ones. */
  const ladderStep = async (rung: 'REMIND' | 'ESCALATE') => {
    const open = await acts.guidanceReminders({ workflowId });
    for (const r of open) {
      const ref = { reminderKey: r.reminderKey, at: nowIso() };
      if (rung === 'REMIND' && r.status === 'SCHEDULED') await step('remindNow', () => ladder.remindNow(ref));
      if (rung === 'ESCALATE' && r.status === 'DUE') await step('escalateReminder', () => ladder.escalateReminder(ref));
    }
  };

  const guidance = async () => {
    const g = state.guidance!;
    if (state.wake) {
      state.wake = false;
      if (await sendReady(true)) {
        state.phase = 'CLOSING';
        return;
      }
    }
    const next = !g.reminded ? g.dueAt : !g.escalated ? g.escalatesAt : g.closesAt;
    const label = !g.reminded ? 'guidance due: remind the managers' : !g.escalated ? 'guidance overdue: escalate to a supervisor' : 'close the run';
    const wait = msUntil(next);
    if (wait > 0 && (await condition(() => state.wake, wait, { summary: label }))) return;
    if (!g.reminded) {
      await ladderStep('REMIND');
      g.reminded = true;
    } else if (!g.escalated) {
      await ladderStep('ESCALATE');
      g.escalated = true;
    } else state.phase = 'CLOSING';
  };

  const close = async () => {
    await sendReady(false);
    await step('closeStaffAssessmentRun', () => acts.closeStaffAssessmentRun({ period: state.period, workflowId, at: nowIso() }));
    state.phase = 'COMPLETED';
  };

  // ── the story ───────────────────────────────────────────────────────────────────────────────
  let pagesThisRun = 0;
  const completed = () => state.phase === 'COMPLETED'; // a function: the phases change it
  while (!completed()) {
    if (state.phase === 'BEGINNING') await begin();
    else if (state.phase === 'ASSESSING') {
      await assessPage();
      pagesThisRun += 1;
    } else if (state.phase === 'GUIDANCE') await guidance();
    else await close();
    reflect();
    if (!completed() && (pagesThisRun >= PAGES_PER_RUN || workflowInfo().continueAsNewSuggested)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof staffAssessment>({ ...input, state });
    }
  }
  await condition(allHandlersFinished);
  return state;
}

/**
 * The Schedules' action (staff-assessment-quarter / -year, src/staff-assessment/schedule.ts): finds the
 * period the firing assesses (the last whole quarter or year, bank time zone) and starts its run
 * `staff-assessment-<period>` — once: a run of that period that exists already (a trigger, a
 * backfill, a supervisor's run) is left as it is.
 */
export async function staffAssessmentScheduled(input: ScheduledInput): Promise<{ period: string; started: boolean }> {
  const { period } = await acts.periodToAssess({ kind: input.kind, at: nowIso() });
  try {
    await startChild(staffAssessment, {
      workflowId: staffAssessmentWorkflowId(period),
      args: [{ period, startedByStaffId: null }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: SA.ProcessKind, value: 'STAFF_ASSESSMENT' }],
      staticSummary: `§7.2 staff assessment of ${period} (Schedule)`,
    });
    return { period, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { period, started: false };
    throw err;
  }
}
