/**
 * Use case (§5.2 "the result goes back to the customer, and the customer's satisfaction with it is
 * followed up"): the case's resolution.
 *
 * - Who: the members and head of the case's department, its handler, SUPERVISOR, ADMIN (others 403).
 * - Input: `resolution` (1–10000 characters; never echoed in errors). 400 naming the field, nothing written.
 * - The case must be open (as its workflow sees it): 409 with the reason otherwise (e.g. resolving a
 *   case already RESOLVED or CLOSED), nothing written.
 * - Then: FeedbackEvent RESOLVED (the text encrypted, AAD `FeedbackEvent.body:<caseNo>:<key>`) and
 *   the audit record `feedback.resolution.record`, in one transaction; then the workflow's `resolve`
 *   update with ids only. Its activity records RESOLVED, closes the task and emails the resolution to
 *   the customer with the signed survey link. A refusal by the workflow is 409 with its reason.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { resolveUpdate } from '../../workflows/feedback/definitions';
import { auditCtx, bodyText, changeResult, findCase, requireApplies, requireHandle, toCase, writeBodyEvent, type CaseChange, type FeedbackDeps } from './cases';

export const resolveFeedbackInput = z.strictObject({ resolution: bodyText('how the case was resolved, as the customer reads it') });

export async function resolveFeedback(deps: FeedbackDeps, actor: Actor, caseNo: string, body: unknown, ctx: { requestId?: string } = {}): Promise<CaseChange> {
  const { db } = deps;
  const c = await findCase(db, caseNo);
  await requireHandle(db, actor, c, 'resolve');
  const input = parseInput(resolveFeedbackInput, body, ['resolution']);
  await requireApplies(deps.temporal, c, 'resolve');
  const event = await db.$transaction(async (tx) => {
    const e = await writeBodyEvent(tx, deps.ring, { caseNo: c.caseNo, kind: 'RESOLVED', actorStaffId: actor.staffId, at: deps.clock.now(), body: input.resolution });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'feedback.resolution.record',
      entity: 'FeedbackCase',
      entityId: c.caseNo,
      ...(c.customerId ? { customerId: c.customerId } : {}),
      changes: { eventId: { before: null, after: String(e.id) }, resolution: 'changed' },
      ...auditCtx(ctx),
    });
    return e;
  });
  const eventId = String(event.id);
  const state = await toCase(deps, c, () => deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(resolveUpdate, { args: [{ staffId: actor.staffId, eventId }] }));
  return changeResult(deps, c.caseNo, eventId, state);
}
