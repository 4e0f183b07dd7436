/**
 * feedbackCase (workflow id `feedback-<caseNo>`, §5.2): one process per feedback item, from
 * registration to the customer's satisfaction.
 *
 *   begin (assign a handler, compute the SLA) ─► ladder until the first response ─► … ─► resolved
 *        ▲                                                                              │
 *        └────────── reopened (low survey score: new SLA round) ◄── survey ◄────────────┘
 *
 * - The ladder (§5.2 "reminder before the deadline, escalation to the department head at the
 *   deadline, then to the executive on duty"): reminders to the handler at the policy's fractions of
 *   the time to the target, the department head at the target, the executive on duty at that moment
 *   `executiveEscalationAfter` later — each a timer at the exact instant computed from the SLA, never
 *   a periodic check. A first response stops it; resolution ends the case's work.
 * - Pauses stop the clock: every pause, resume, reassignment or reclassification is recorded by an
 *   activity that recomputes the SLA (src/domain/sla.ts on the database's pauses, so calendar data
 *   never enters a replay), and the loop re-arms its one timer on the new next step.
 * - Every email has an idempotency key (`feedback:<caseNo>:<round>:<step>`): a retry, a crashed worker
 *   or a restarted server never sends one twice, and none is lost.
 * - Resolution goes to the customer with a signed, expiring, single-use survey link; a score at or
 *   below the policy's `lowSatisfactionScore` reopens the case (its supervisor informed, a new SLA
 *   round); a good score, or no answer within `surveyLinkValidDays`, closes it.
 */
import { ApplicationFailure, allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  caseStateQuery,
  pauseUpdate,
  pendingSteps,
  reassignUpdate,
  reclassifyUpdate,
  resolveUpdate,
  respondUpdate,
  resumeUpdate,
  stepKey,
  surveyAnsweredSignal,
  transitionRejection,
  type CaseState,
  type FeedbackCaseInput,
  type LadderStep,
} from './definitions';
import { acts, type CaseCtx, msUntil, nowIso, reflect, step } from './context';

type Change =
  | { kind: 'respond'; staffId: string; eventId: string }
  | { kind: 'pause' | 'resume' | 'reclassify'; staffId: string; reason?: string }
  | { kind: 'reassign'; staffId: string; reason?: string; toStaffId?: string; departmentCode?: string }
  | { kind: 'resolve'; staffId: string; eventId: string };

interface Pending {
  change: Change;
  answer?: CaseState | string;
}

const STEP_SUMMARY: Record<LadderStep['kind'], string> = {
  REMINDER: 'reminder to the handler before the deadline (§5.2)',
  HEAD: 'escalation to the department head at the deadline (§5.2)',
  EXECUTIVE: 'escalation to the executive on duty (§5.2)',
};

export async function feedbackCase(input: FeedbackCaseInput): Promise<CaseState> {
  const ctx: CaseCtx = { caseNo: input.caseNo, state: undefined as unknown as CaseState };
  const queue: Pending[] = [];
  const surveys: { round: number; score: number }[] = [];

  // Every handler is registered before the first await.
  setHandler(caseStateQuery, () => ctx.state);
  const change = (kind: Change['kind']) => ({
    validator: (arg: { staffId?: unknown }) => {
      if (!arg || typeof arg.staffId !== 'string' || !arg.staffId) throw new Error('staffId is required');
      const rejection = transitionRejection(ctx.state, kind);
      if (rejection) throw new Error(rejection);
    },
  });
  const enqueue = async (c: Change): Promise<CaseState> => {
    const p: Pending = { change: c };
    queue.push(p);
    await condition(() => p.answer !== undefined);
    if (typeof p.answer === 'string') throw ApplicationFailure.create({ type: 'CaseChangeRefused', message: p.answer, nonRetryable: true });
    return p.answer!;
  };
  setHandler(respondUpdate, (a) => enqueue({ kind: 'respond', ...a }), change('respond'));
  setHandler(pauseUpdate, (a) => enqueue({ kind: 'pause', ...a }), change('pause'));
  setHandler(resumeUpdate, (a) => enqueue({ kind: 'resume', ...a }), change('resume'));
  setHandler(reassignUpdate, (a) => enqueue({ kind: 'reassign', ...a }), change('reassign'));
  setHandler(reclassifyUpdate, (a) => enqueue({ kind: 'reclassify', ...a }), change('reclassify'));
  setHandler(resolveUpdate, (a) => enqueue({ kind: 'resolve', ...a }), change('resolve'));
  setHandler(surveyAnsweredSignal, (s) => {
    if (s && Number.isInteger(s.round) && Number.isInteger(s.score)) surveys.push({ round: s.round, score: s.score });
  });

  ctx.state = await acts.beginCase({ caseNo: input.caseNo, workflowId: workflowInfo().workflowId });
  reflect(ctx);

  while (ctx.state.status !== 'CLOSED') {
    if (ctx.state.status === 'RESOLVED') await followUpSurvey();
    else await handleCase();
  }
  await condition(allHandlersFinished);
  return ctx.state;

  /** Open: the ladder's next step on its timer, or the next change a person makes. */
  async function handleCase(): Promise<void> {
    const next = pendingSteps(ctx.state).find((s) => s.at !== null);
    if (!next) {
      // Paused, answered or past the ladder: only a person's change moves the case on.
      await condition(() => queue.length > 0);
      return applyChange(queue.shift()!);
    }
    if (await condition(() => queue.length > 0, msUntil(next.at!), { summary: `${STEP_SUMMARY[next.kind]} at ${next.at}` })) return applyChange(queue.shift()!);
    await ladderStep(next);
  }

  /** One rung of the ladder, at its instant (the email's key makes it once-only). */
  async function ladderStep(s: LadderStep): Promise<void> {
    const s0 = ctx.state;
    const done = await step(ctx, `escalate:${stepKey(s)}`, () =>
      acts.escalateCase({ caseNo: s0.caseNo, slaRound: s0.slaRound, step: s.kind, index: s.index, dueAt: s.at!, targetAt: s0.sla.targetAt, hardLimitAt: s0.sla.hardLimitAt }),
    );
    ctx.state.done = [...ctx.state.done, stepKey(s)];
    if (done && s.kind !== 'REMINDER') ctx.state.escalationLevel = Math.max(ctx.state.escalationLevel, done.level);
    reflect(ctx);
  }

  async function applyChange(p: Pending): Promise<void> {
    const rejection = transitionRejection(ctx.state, p.change.kind);
    if (rejection) {
      p.answer = rejection;
      return;
    }
    const c = p.change;
    const at = nowIso();
    const recorded = await step(ctx, c.kind, () => acts.recordCaseChange({ caseNo: ctx.caseNo, at, ...c }), c.staffId);
    if (!recorded) {
      p.answer = `the change could not be recorded (${ctx.state.attention?.errorType}); an operator has been alerted`;
      return;
    }
    ctx.state = { ...ctx.state, ...recorded, done: ctx.state.done, attention: ctx.state.attention };
    reflect(ctx);
    p.answer = ctx.state;
  }

  /** Resolved: the survey answer reopens (low score) or closes; no answer in time closes. */
  async function followUpSurvey(): Promise<void> {
    const round = ctx.state.round;
    const mine = () => surveys.find((s) => s.round === round);
    const answered = await condition(() => mine() !== undefined || queue.length > 0, msUntil(ctx.state.surveyUntil ?? nowIso()), { summary: `satisfaction survey, round ${round} (§5.2)` });
    if (answered && !mine()) {
      // Nothing applies to a resolved case but its survey: the change is refused with the reason.
      const p = queue.shift()!;
      p.answer = transitionRejection(ctx.state, p.change.kind) ?? `case ${ctx.caseNo} is RESOLVED`;
      return;
    }
    const answer = mine();
    const outcome = await step(ctx, 'followUpSurvey', () => acts.followUpSurvey({ caseNo: ctx.caseNo, round, at: answer ? nowIso() : (ctx.state.surveyUntil ?? nowIso()), ...(answer ? { score: answer.score } : {}) }));
    if (!outcome) {
      // Recorded NEEDS_ATTENTION: the case closes in the process's view; an operator follows up.
      ctx.state = { ...ctx.state, status: 'CLOSED' };
    } else {
      ctx.state = { ...ctx.state, ...outcome, done: outcome.slaRound !== ctx.state.slaRound ? [] : ctx.state.done, attention: ctx.state.attention };
    }
    reflect(ctx);
  }
}
