/**
 * Use case (§5.2 "the result goes back to the customer"): the handler's response to the customer.
 *
 * - Who: the members and head of the case's department, its handler, SUPERVISOR, ADMIN (others 403).
 * - Input: `body` (1–10000 characters; never echoed in errors). 400 naming the field, nothing written.
 * - The case must be open (as its workflow sees it, the rule its validator applies): 409 with the
 *   reason otherwise, nothing written.
 * - Then: FeedbackEvent RESPONSE (the body encrypted, AAD `FeedbackEvent.body:<caseNo>:<key>`, the
 *   actor) and the audit record `feedback.response.record`, in one transaction; then the workflow's
 *   `respond` update with ids only. Its activity emails the response to the customer and, for the
 *   first response, sets firstResponseAt (the §5.2 response deadline is met: the ladder stops). A
 *   refusal by the workflow (the case changed meanwhile) is 409 with its reason; the response stays in
 *   the timeline, unsent.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { respondUpdate } from '../../workflows/feedback/definitions';
import { auditCtx, bodyText, changeResult, findCase, requireApplies, requireHandle, toCase, writeBodyEvent, type CaseChange, type FeedbackDeps } from './cases';

export const respondFeedbackInput = z.strictObject({ body: bodyText('the response to the customer') });

export async function respondFeedback(deps: FeedbackDeps, actor: Actor, caseNo: string, body: unknown, ctx: { requestId?: string } = {}): Promise<CaseChange> {
  const { db } = deps;
  const c = await findCase(db, caseNo);
  await requireHandle(db, actor, c, 'respond to');
  const input = parseInput(respondFeedbackInput, body, ['body']);
  await requireApplies(deps.temporal, c, 'respond');
  const event = await db.$transaction(async (tx) => {
    const e = await writeBodyEvent(tx, deps.ring, { caseNo: c.caseNo, kind: 'RESPONSE', actorStaffId: actor.staffId, at: deps.clock.now(), body: input.body });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'feedback.response.record',
      entity: 'FeedbackCase',
      entityId: c.caseNo,
      ...(c.customerId ? { customerId: c.customerId } : {}),
      changes: { eventId: { before: null, after: String(e.id) }, body: 'changed' },
      ...auditCtx(ctx),
    });
    return e;
  });
  const eventId = String(event.id);
  const state = await toCase(deps, c, () => deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(respondUpdate, { args: [{ staffId: actor.staffId, eventId }] }));
  return changeResult(deps, c.caseNo, eventId, state);
}
