/**
 * §5.1 regular contact: the agenda of the lifecycle — birthday greetings and news digests for
 * individuals, one communication meeting each quarter for enterprises. Each item fires at its time
 * (computed by an activity on the bank's calendar), does its work, and is planned again.
 */
import type { AgendaItem, MeetingHeldInput } from './definitions';
import { acts, type Ctx, describe, nowIso, runLadderStep, step } from './context';

/** Runs one agenda item and plans its next occurrence. false: the customer is CLOSED. */
export async function runContact(ctx: Ctx, item: AgendaItem): Promise<boolean> {
  const s = ctx.state;
  if (item.kind === 'QUARTERLY_MEETING') {
    const opened = await step(ctx, 'openMeeting', () => acts.openMeeting({ customerId: s.customerId, workflowId: ctx.workflowId, at: item.at }));
    if (opened?.closed) return false;
    if (opened) {
      if (s.meeting && opened.missedTaskIds.includes(s.meeting.taskId)) s.counters.meetingsMissed += 1;
      s.meeting = { quarter: opened.quarter, taskId: opened.taskId, escalatesAt: opened.overdueAt, ...(opened.ladder ? { ladder: opened.ladder } : {}) };
      replan(ctx, item, opened.nextAt);
    }
  } else {
    const made = await step(ctx, `makeContact:${item.kind}`, () => acts.makeContact({ customerId: s.customerId, workflowId: ctx.workflowId, kind: item.kind as 'BIRTHDAY_GREETING', at: item.at }));
    if (made?.closed) return false;
    if (made) s.counters.contacts += 1;
    const next = await step(ctx, `planContact:${item.kind}`, () => acts.planContact({ customerId: s.customerId, kind: item.kind, after: item.at }));
    replan(ctx, item, next?.at ?? null);
  }
  describe(ctx);
  return true;
}

function replan(ctx: Ctx, item: AgendaItem, at: string | null): void {
  ctx.state.agenda = ctx.state.agenda.filter((a) => a.kind !== item.kind);
  if (at) ctx.state.agenda.push({ kind: item.kind, at });
}

/** The next step of the open meeting's ladder: reminder, second reminder, escalation at the quarter's end. */
export async function meetingLadderStep(ctx: Ctx): Promise<void> {
  await runLadderStep(ctx, ctx.state.meeting!.ladder!);
  describe(ctx);
}

/** §5.1 the quarter's meeting was held (recorded by the use case on the task): closes it and stops its reminders. */
export async function meetingHeld(ctx: Ctx, m: MeetingHeldInput): Promise<string | undefined> {
  const recorded = await step(ctx, 'recordMeetingHeld', async () => {
    await acts.recordMeetingHeld({ customerId: ctx.state.customerId, taskId: m.taskId, staffId: m.staffId, at: nowIso() });
    return true;
  }, m.staffId);
  if (!recorded) return `the meeting could not be recorded (${ctx.state.attention?.errorType}); an operator has been alerted`;
  ctx.state.meeting = undefined;
  ctx.state.counters.meetingsHeld += 1;
  describe(ctx);
  return undefined;
}
