/**
 * §3.2 the periodic review phase of the lifecycle: it falls due (a task, and its reminder at once:
 * an email or a line in the manager's digest of the day), a second reminder, then overdue — escalated
 * to a supervisor, REVIEW_OVERDUE — unless it is completed first (findings recorded by the use case;
 * the next review counted from the completion). The reminder ladder runs on the staff reminder's
 * Reminder record and activities, driven by this workflow's own timers: no extra workflow per review.
 */
import type { CompleteReviewInput, ReviewCompleted } from './definitions';
import { acts, type Ctx, hot, nowIso, reflect, runLadderStep, setStatus, step } from './context';

/** The review falls due: its task opens and its reminder goes out. false: the customer is CLOSED. */
export async function openReview(ctx: Ctx): Promise<boolean> {
  const s = ctx.state;
  const dueAt = s.nextReviewAt;
  const opened = await step(ctx, 'openReview', () => hot.openReview({ customerId: s.customerId, workflowId: ctx.workflowId, cycle: s.cycle, dueAt }));
  if (!opened) return true; // recorded as NEEDS_ATTENTION; the loop holds before trying again
  if (opened.closed) return false;
  s.review = { cycle: s.cycle, taskId: opened.taskId, dueAt, overdueAt: opened.overdueAt, ...(opened.ladder ? { ladder: opened.ladder } : {}) };
  setStatus(ctx, 'REVIEW_DUE');
  return true;
}

/** The next step of the review's ladder; the escalation makes it overdue. */
export async function reviewLadderStep(ctx: Ctx): Promise<void> {
  const review = ctx.state.review!;
  const ran = await runLadderStep(ctx, review.ladder!);
  if (ran !== 'ESCALATE') return;
  await step(ctx, 'markReviewOverdue', () => acts.markReviewOverdue({ customerId: ctx.state.customerId, taskId: review.taskId, at: nowIso() }));
  ctx.state.counters.reviewsOverdue += 1;
  setStatus(ctx, 'REVIEW_OVERDUE');
}

/**
 * The review was completed: the task closes (its reminder answered), the cycle ends, and the next
 * review is due the cadence after this completion (a late review keeps the cadence from its
 * completion date). Returns the answer, or the reason it could not be recorded.
 */
export async function completeReview(ctx: Ctx, c: CompleteReviewInput): Promise<ReviewCompleted | string> {
  const s = ctx.state;
  const done = await step(ctx, 'recordReviewCompleted', () => acts.recordReviewCompleted({ customerId: s.customerId, taskId: c.taskId, staffId: c.staffId, at: nowIso() }), c.staffId);
  if (!done) return `the review could not be recorded (${s.attention?.errorType}); an operator has been alerted`;
  s.review = undefined;
  s.cycle = done.cycle;
  s.lastReviewAt = done.completedAt;
  s.nextReviewAt = done.nextReviewAt;
  s.counters.reviewsCompleted += 1;
  setStatus(ctx, 'ACTIVE');
  reflect(ctx);
  return { cycle: done.cycle, completedAt: done.completedAt, nextReviewAt: done.nextReviewAt };
}
