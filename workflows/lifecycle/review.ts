/**
 * §3.2 the periodic review phase of the lifecycle: it falls due (a task and its reminder ladder),
 * it may become overdue (escalated to a supervisor by the reminder, REVIEW_OVERDUE here), and it is
 * completed (findings recorded by the use case; the next review counted from the completion).
 */
import type { CompleteReviewInput, ReviewCompleted } from './definitions';
import { acts, answerReminder, type Ctx, nowIso, reflect, reminderRef, setStatus, step } from './context';

/** The review falls due: its task opens and the reminder child starts. false: the customer is CLOSED. */
export async function openReview(ctx: Ctx): Promise<boolean> {
  const s = ctx.state;
  const dueAt = s.nextReviewAt;
  const opened = await step(ctx, 'openReview', () => acts.openReview({ customerId: s.customerId, workflowId: ctx.workflowId, cycle: s.cycle, dueAt }));
  if (!opened) return true; // recorded as NEEDS_ATTENTION; the loop holds before trying again
  if (opened.closed) return false;
  const reminder = reminderRef(opened.reminder);
  s.review = { cycle: s.cycle, taskId: opened.taskId, dueAt, overdueAt: opened.overdueAt, ...(reminder ? { reminder } : {}) };
  setStatus(ctx, 'REVIEW_DUE');
  return true;
}

/** The review is overdue: the reminder escalates at the same time; here the status says so. */
export async function markOverdue(ctx: Ctx): Promise<void> {
  const review = ctx.state.review!;
  await step(ctx, 'markReviewOverdue', () => acts.markReviewOverdue({ customerId: ctx.state.customerId, taskId: review.taskId, at: nowIso() }));
  if (ctx.state.review?.taskId !== review.taskId) return;
  ctx.state.counters.reviewsOverdue += 1;
  setStatus(ctx, 'REVIEW_OVERDUE');
}

/**
 * The review was completed: the task closes, the cycle ends, and the next review is due the cadence
 * after this completion (a late review keeps the cadence from its completion date). Returns the
 * answer, or the reason it could not be recorded.
 */
export async function completeReview(ctx: Ctx, c: CompleteReviewInput): Promise<ReviewCompleted | string> {
  const s = ctx.state;
  const review = s.review!;
  const done = await step(ctx, 'recordReviewCompleted', () => acts.recordReviewCompleted({ customerId: s.customerId, taskId: c.taskId, staffId: c.staffId, at: nowIso() }), c.staffId);
  if (!done) return `the review could not be recorded (${s.attention?.errorType}); an operator has been alerted`;
  await answerReminder(review.reminder);
  s.review = undefined;
  s.cycle = done.cycle;
  s.lastReviewAt = done.completedAt;
  s.nextReviewAt = done.nextReviewAt;
  s.counters.reviewsCompleted += 1;
  setStatus(ctx, 'ACTIVE');
  reflect(ctx);
  return { cycle: done.cycle, completedAt: done.completedAt, nextReviewAt: done.nextReviewAt };
}
