/**
 * customerLifecycle (workflow id `customer-<id>`): every approved customer has one, for as long as it
 * stays — decades. An entity workflow: it sleeps on durable timers until the next thing is due and
 * reacts to messages, so an operator finds any customer's process by business key in the Temporal UI.
 *
 *   begin cycle ─► wait for the next event or a message ─► handle it ─► … ─► review completed
 *        ▲                                                                     │
 *        └───────────────────── continue-as-new (state carried) ◄──────────────┘
 *
 * - §3.2 periodic review: due the policy's cadence after approval or the last completed review
 *   (review.ts); reminders, a digest, escalation when overdue (the staffReminder child).
 * - §3.2 dynamic updates: the `customerChanged` signal (changes.ts).
 * - §6 risk: assessed at the first cycle, at once when its inputs change, monthly under closer
 *   monitoring, and followed when a portfolio run changes the rating (`riskRated`): a HIGH/D
 *   investigation with its mitigation plan's reminder ladder (risk.ts).
 * - §5.1 regular contact: birthday greetings, news digests, quarterly meetings (contact.ts).
 * - The customer leaves: the `close` update (POST /customers/:id/close) ends it cleanly.
 *
 * Each cycle begins by loading the current policy through an activity and recording its version;
 * calendar arithmetic runs in activities, so replays never depend on tz or holiday data. It
 * continues-as-new at the end of every review cycle and whenever Temporal suggests it, after every
 * handler has finished, carrying only ids, dates and counters (definitions.ts): the history of a
 * run stays small after any number of years. No personal data in input, state or search attributes.
 */
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { applyChanges } from './changes';
import { meetingHeld, meetingLadderStep, runContact } from './contact';
import { acts, type Ctx, describe, hot, msUntil, nowIso, reflect, setStatus, step } from './context';
import {
  closeUpdate,
  completeReviewUpdate,
  completionRejection,
  customerChangedSignal,
  lifecycleStateQuery,
  meetingHeldUpdate,
  meetingRejection,
  riskRatedSignal,
  riskTaskDoneSignal,
  type AgendaItem,
  type CloseInput,
  type CompleteReviewInput,
  type CustomerChangedInput,
  type LifecycleInput,
  type LifecycleState,
  type MeetingHeldInput,
  type ReviewCompleted,
  type RiskRatedInput,
} from './definitions';
import { completeReview, openReview, reviewLadderStep } from './review';
import { beginRisk, monitor, planLadderStep, riskRated, riskTaskDone } from './risk';

/** After a step failed for good, the event that failed is tried again this much later (an operator may fix the data meanwhile). */
export const HOLD_AFTER_FAILURE_MS = 60 * 60 * 1000;

type Command =
  | { kind: 'COMPLETE_REVIEW'; input: CompleteReviewInput; answer?: ReviewCompleted | string }
  | { kind: 'MEETING_HELD'; input: MeetingHeldInput; answer?: LifecycleState | string };

export type LifecycleEvent = { kind: 'REVIEW_DUE' | 'REVIEW_LADDER' | 'MEETING_LADDER' | 'RISK_MONITORING' | 'RISK_PLAN_LADDER'; at: string } | AgendaItem;

/** The next thing due: the review, the next step of a reminder ladder, or the earliest agenda item. Pure. */
export function nextEvent(state: LifecycleState): LifecycleEvent {
  const reviewStep = state.review?.ladder?.steps[0];
  const meetingStep = state.meeting?.ladder?.steps[0];
  const planStep = state.risk?.investigation?.ladder?.steps[0];
  const candidates: LifecycleEvent[] = [
    ...(!state.review ? [{ kind: 'REVIEW_DUE' as const, at: state.nextReviewAt }] : []),
    ...(reviewStep ? [{ kind: 'REVIEW_LADDER' as const, at: reviewStep.at }] : []),
    ...(meetingStep ? [{ kind: 'MEETING_LADDER' as const, at: meetingStep.at }] : []),
    ...(state.risk?.nextMonitoringAt ? [{ kind: 'RISK_MONITORING' as const, at: state.risk.nextMonitoringAt }] : []),
    ...(planStep ? [{ kind: 'RISK_PLAN_LADDER' as const, at: planStep.at }] : []),
    ...state.agenda,
  ];
  return candidates.reduce((a, b) => (Date.parse(b.at) < Date.parse(a.at) ? b : a));
}

const SUMMARY: Record<LifecycleEvent['kind'], string> = {
  REVIEW_DUE: 'periodic review falls due (§3.2)',
  REVIEW_LADDER: 'next review reminder or escalation (§3.2)',
  MEETING_LADDER: 'next meeting reminder or escalation (§5.1)',
  RISK_MONITORING: 'monthly risk monitoring falls due (§6.2)',
  RISK_PLAN_LADDER: 'mitigation plan reminder or escalation (§6.2)',
  BIRTHDAY_GREETING: 'next regular contact (§5.1)',
  NEWS_DIGEST: 'next regular contact (§5.1)',
  QUARTERLY_MEETING: 'quarterly meeting opens (§5.1)',
};

export async function customerLifecycle(input: LifecycleInput): Promise<LifecycleState> {
  const { workflowId } = workflowInfo();
  const commands: Command[] = [];
  const changes: CustomerChangedInput[] = [...(input.state?.pendingChanges ?? [])];
  const rated: RiskRatedInput[] = [...(input.state?.pendingRiskRated ?? [])];
  let closing: CloseInput | undefined;
  /** Set once the run decided to end (continue-as-new or close): new updates are refused with a retry hint. */
  let stopping = false;
  let cycleEnded = false;
  let events = 0;
  let holdUntil = 0;
  const ctx: Ctx = { input, workflowId, state: input.state ? { ...input.state, pendingChanges: undefined, pendingRiskRated: undefined } : (undefined as unknown as LifecycleState) };

  // Every handler is registered before the first await.
  setHandler(lifecycleStateQuery, () => ctx.state);
  const refuse = (reason: string | undefined) => {
    if (reason) throw new Error(reason);
  };
  const busy = () => (stopping ? 'the lifecycle is starting its next run; retry in a moment' : undefined);
  setHandler(completeReviewUpdate, async (c) => answer<ReviewCompleted>({ kind: 'COMPLETE_REVIEW', input: c }), {
    validator: (c: CompleteReviewInput) => refuse(busy() ?? completionRejection(ctx.state, c)),
  });
  setHandler(meetingHeldUpdate, async (m) => answer<LifecycleState>({ kind: 'MEETING_HELD', input: m }), {
    validator: (m: MeetingHeldInput) => refuse(busy() ?? meetingRejection(ctx.state, m)),
  });
  setHandler(closeUpdate, async (c) => {
    closing ??= c;
    await condition(() => ctx.state?.status === 'CLOSED');
    return ctx.state;
  }, {
    validator: (c: CloseInput) => refuse(!c || typeof c.staffId !== 'string' || !c.staffId ? 'staffId is required' : ctx.state?.status === 'CLOSED' ? 'the lifecycle is already CLOSED' : undefined),
  });
  setHandler(customerChangedSignal, (c) => {
    if (c && Array.isArray(c.fields)) changes.push({ fields: c.fields.filter((f) => typeof f === 'string'), ...(typeof c.byStaffId === 'string' ? { byStaffId: c.byStaffId } : {}) });
  });
  setHandler(riskRatedSignal, (r) => {
    if (r && typeof r.assessmentId === 'string' && typeof r.rating === 'string') rated.push(r);
  });
  setHandler(riskTaskDoneSignal, (t) => {
    if (t && typeof t.taskId === 'string') riskTaskDone(ctx, t.taskId);
  });

  /** Queues a command for the main loop and waits for its answer (one at a time: no interleaving). */
  async function answer<T>(cmd: Command): Promise<T> {
    commands.push(cmd);
    await condition(() => cmd.answer !== undefined);
    if (typeof cmd.answer === 'string') throw ApplicationFailure.create({ type: 'LifecycleRefused', message: cmd.answer, nonRetryable: true });
    return cmd.answer as T;
  }

  // ── Begin the cycle: the current policy, the customer's facts, the next review. ──
  if (!(await beginCycle())) return finish();

  // ── The main loop: the next event or a message, until the cycle ends or the customer leaves. ──
  while (ctx.state.status !== 'CLOSED') {
    if (closing) break;
    const cmd = commands.shift();
    if (cmd) {
      await runCommand(cmd);
      continue;
    }
    if (changes.length) {
      await applyChanges(ctx, changes.splice(0));
      continue;
    }
    if (rated.length) {
      await riskRated(ctx, rated.splice(0));
      continue;
    }
    if (cycleEnded || workflowInfo().continueAsNewSuggested || (input.continueAsNewAfterEvents !== undefined && events >= input.continueAsNewAfterEvents)) {
      return continueWithNewRun();
    }
    const next = nextEvent(ctx.state);
    const wait = Math.max(msUntil(next.at), holdUntil - Date.now());
    if (await condition(() => commands.length > 0 || changes.length > 0 || rated.length > 0 || closing !== undefined, wait, { summary: SUMMARY[next.kind] })) continue;
    events += 1;
    const attentionBefore = ctx.state.attention;
    if (!(await handle(next))) break; // the customer is CLOSED
    holdUntil = ctx.state.attention && ctx.state.attention !== attentionBefore ? Date.now() + HOLD_AFTER_FAILURE_MS : 0;
  }
  return finish();

  async function beginCycle(): Promise<boolean> {
    const first = !input.state;
    if (input.state?.cycleBegun) {
      // Continued mid-cycle (history size): the cycle goes on under the policy it began with.
      ctx.state.counters.runs += 1;
      reflect(ctx);
      return true;
    }
    // A new cycle (the first, or after a completed review) runs on the policy in force now.
    const plan = await hot.beginCycle({
      customerId: input.customerId,
      workflowId,
      cycle: ctx.state?.cycle ?? 0,
      at: nowIso(),
      planAgenda: first,
      ...(ctx.state?.lastReviewAt ? { lastReviewAt: ctx.state.lastReviewAt } : input.lastReviewAt ? { lastReviewAt: input.lastReviewAt } : {}),
    });
    const previous = ctx.state;
    ctx.state = {
      customerId: input.customerId,
      customerType: plan.customerType,
      status: previous?.status === 'REVIEW_OVERDUE' || previous?.status === 'REVIEW_DUE' ? previous.status : 'ACTIVE',
      policyVersion: plan.policyVersion,
      cycle: previous?.cycle ?? 0,
      lastReviewAt: plan.lastReviewAt,
      nextReviewAt: plan.nextReviewAt,
      segment: plan.segment,
      managerId: plan.managerId,
      agenda: plan.agenda ?? previous?.agenda ?? [],
      cycleBegun: true,
      counters: previous ? { ...previous.counters, runs: previous.counters.runs + 1 } : { runs: 1, reviewsCompleted: 0, reviewsOverdue: 0, contacts: 0, meetingsHeld: 0, meetingsMissed: 0, changes: 0 },
      ...(previous?.review ? { review: previous.review } : {}),
      ...(previous?.meeting ? { meeting: previous.meeting } : {}),
      ...(previous?.riskReassessmentDueAt ? { riskReassessmentDueAt: previous.riskReassessmentDueAt } : {}),
      ...(previous?.risk ? { risk: previous.risk } : {}),
    };
    if (plan.closed) {
      ctx.state.status = 'CLOSED';
      return false;
    }
    reflect(ctx);
    await beginRisk(ctx);
    return true;
  }

  async function handle(event: LifecycleEvent): Promise<boolean> {
    switch (event.kind) {
      case 'REVIEW_DUE':
        return openReview(ctx);
      case 'REVIEW_LADDER':
        await reviewLadderStep(ctx);
        return true;
      case 'MEETING_LADDER':
        await meetingLadderStep(ctx);
        return true;
      case 'RISK_MONITORING':
        await monitor(ctx);
        return true;
      case 'RISK_PLAN_LADDER':
        await planLadderStep(ctx);
        return true;
      default:
        return runContact(ctx, event);
    }
  }

  async function runCommand(cmd: Command): Promise<void> {
    if (cmd.kind === 'COMPLETE_REVIEW') {
      const rejection = completionRejection(ctx.state, cmd.input);
      cmd.answer = rejection ?? (await completeReview(ctx, cmd.input));
      if (typeof cmd.answer !== 'string') cycleEnded = true;
    } else {
      const rejection = meetingRejection(ctx.state, cmd.input);
      cmd.answer = rejection ?? (await meetingHeld(ctx, cmd.input)) ?? ctx.state;
    }
  }

  /** The customer left (the record is CLOSED by the use case, or found CLOSED): reminders answered, process ends. */
  async function finish(): Promise<LifecycleState> {
    stopping = true;
    ctx.state.review = undefined;
    ctx.state.meeting = undefined;
    ctx.state.agenda = [];
    ctx.state.closedAt = nowIso();
    // The mirror says CLOSED and the reminders still open are cancelled (the record was closed by the use case).
    await step(ctx, 'recordLifecycleClosed', () => acts.recordLifecycleClosed({ customerId: input.customerId, ...(closing ? { staffId: closing.staffId } : {}), at: ctx.state.closedAt! }), closing?.staffId);
    setStatus(ctx, 'CLOSED');
    await condition(allHandlersFinished);
    return ctx.state;
  }

  async function continueWithNewRun(): Promise<LifecycleState> {
    stopping = true;
    // A close that arrives now ends the process here (its handler waits for CLOSED, not for a next run).
    await condition(() => closing !== undefined || allHandlersFinished());
    if (closing) return finish();
    describe(ctx);
    // Signals that arrived meanwhile travel with the state.
    const state: LifecycleState = {
      ...ctx.state,
      cycleBegun: !cycleEnded,
      ...(changes.length ? { pendingChanges: changes.splice(0) } : {}),
      ...(rated.length ? { pendingRiskRated: rated.splice(0) } : {}),
    };
    return continueAsNew<typeof customerLifecycle>({ customerId: input.customerId, state, ...(input.continueAsNewAfterEvents !== undefined ? { continueAsNewAfterEvents: input.continueAsNewAfterEvents } : {}) });
  }
}
