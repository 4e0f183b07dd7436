/**
 * A feedback case in the console (§5.2): GET /console/feedback/:caseNo — the case as its handler
 * works on it, read through the same use case as GET /feedback/:caseNo (src/feedback/get-feedback.ts:
 * who may see it, and the `feedback.read` audit record, §3.1), with its deadline in the bank's time
 * zone and the time left on its own clock, the timeline, and the forms to respond, pause, resume and
 * resolve (posting to src/console/pages/actions.ts). The case emails link here (activities/feedback.ts).
 */
import { getFeedback } from '../../feedback/get-feedback';
import { bankTimeZone } from '../../policy/policy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps, ConsolePage } from '../index';
import { pageActor, renderPage } from '../page';
import { bankTime, formatDuration } from '../format';
import type { InboxItem } from '../inbox';
import { PROCESS_LABELS } from '../inbox';

export const feedbackPage: ConsolePage = (app, deps) => {
  app.get<{ Params: { caseNo: string } }>('/feedback/:caseNo', async (request, reply) => renderFeedbackCase(deps, request, reply, request.params.caseNo));
};

/** The case page; `act` and `status` when a form on it was refused (src/console/pages/actions.ts). */
export async function renderFeedbackCase(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, caseNo: string, act?: unknown, status = 200): Promise<FastifyReply> {
  const actor = pageActor(request);
  const c = await getFeedback(deps.useCases, actor, caseNo, { requestId: request.id });
  const timeZone = bankTimeZone(deps.policy);
  const deadline = c.live.deadline ? new Date(c.live.deadline) : null;
  const remaining = c.live.remainingMs;
  const unit = c.live.clock === 'BUSINESS' ? ' of business time' : '';
  const timeLeft = remaining === null ? null : remaining < 0 ? `overdue by ${formatDuration(remaining)}${unit}` : `${formatDuration(remaining)}${unit} left`;
  const open = !['RESOLVED', 'CLOSED'].includes(c.status);
  // The case as an inbox item, so the same in-place forms render here.
  const item: InboxItem = {
    kind: 'FEEDBACK_CASE',
    id: c.caseNo,
    process: PROCESS_LABELS.FEEDBACK_CASE,
    subject: c.category,
    customerId: c.customerId,
    caseNo: c.caseNo,
    dueAt: c.live.deadline ?? '',
    deadline: deadline ? bankTime(deadline, timeZone) : '—',
    timeLeft: timeLeft ?? '',
    overdue: remaining !== null && remaining < 0,
    clock: c.live.clock === 'BUSINESS' ? 'BUSINESS' : 'WALL',
    mine: c.handlerStaffId === actor.staffId,
    team: null,
    assigneeStaffId: c.handlerStaffId,
    details: [],
  };
  return renderPage(request, reply, 'feedback-case', {
    title: `Feedback case ${c.caseNo}`,
    nav: 'inbox',
    c,
    item,
    open,
    deadline: item.deadline,
    timeLeft,
    registeredAt: bankTime(new Date(c.registeredAt), timeZone),
    timeline: c.timeline.map((e) => ({ ...e, at: bankTime(new Date(e.at), timeZone) })),
    ...(act ? { act } : {}),
  }, status);
}
