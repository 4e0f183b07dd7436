/**
 * Use case (§7.2 satisfaction "phone follow-ups"): a SUPERVISOR called a customer and records the
 * result — about a feedback case (POST /feedback/:caseNo/phone-follow-ups) or about the customer's
 * service in general (POST /customers/:id/phone-follow-ups): { outcome, score? }.
 *
 * - outcome REACHED, NO_ANSWER, DECLINED or WRONG_NUMBER (src/tasks/complete-task.ts); a REACHED call
 *   carries the customer's satisfaction `score` 1–5, the others none (400 naming the field).
 * - Whose service it speaks for: the case's handler; for a customer, their relationship manager, else
 *   the staff member who entered them. A case without a handler or a customer without either → 422.
 * - One transaction: the follow-up and its audit record (`staff.phone_follow_up.record`). Codes and
 *   numbers only: what the customer said stays with the supervisor's case notes.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { NotFoundError, parseInput, RuleRefusalError, ValidationError } from '../shared/errors';
import { CONTACT_OUTCOMES } from '../tasks/complete-task';
import { requireSupervisor } from './access';

export const phoneFollowUpInput = z.strictObject({
  outcome: z.enum(CONTACT_OUTCOMES, { error: `one of ${CONTACT_OUTCOMES.join(', ')}` }),
  score: z.number({ error: 'a whole number 1–5' }).int('a whole number 1–5').min(1, 'a whole number 1–5').max(5, 'a whole number 1–5').optional(),
});

export interface PhoneFollowUpView {
  id: string;
  caseNo: string | null;
  customerId: string | null;
  staffId: string;
  outcome: string;
  score: number | null;
  recordedByStaffId: string;
  recordedAt: string;
}

export async function recordPhoneFollowUp(
  deps: { db: Db; clock: Clock },
  actor: Actor,
  about: { caseNo: string } | { customerId: string },
  body: unknown,
  ctx: { requestId?: string } = {},
): Promise<PhoneFollowUpView> {
  requireSupervisor(actor);
  const { db } = deps;
  let target: { caseNo: string | null; customerId: string | null; staffId: string | null };
  if ('caseNo' in about) {
    const c = await db.feedbackCase.findUnique({ where: { caseNo: about.caseNo }, select: { caseNo: true, customerId: true, handlerStaffId: true } });
    if (!c) throw new NotFoundError(`feedback case ${about.caseNo} does not exist`);
    target = { caseNo: c.caseNo, customerId: c.customerId, staffId: c.handlerStaffId };
    if (!target.staffId) throw new RuleRefusalError(`feedback case ${c.caseNo} has no handler: nobody's service to follow up (§7.2)`);
  } else {
    const c = await db.customer.findUnique({ where: { id: about.customerId }, select: { id: true, relationshipManagerId: true, createdByStaffId: true } });
    if (!c) throw new NotFoundError(`customer ${about.customerId} does not exist`);
    target = { caseNo: null, customerId: c.id, staffId: c.relationshipManagerId ?? c.createdByStaffId };
  }
  const input = parseInput(phoneFollowUpInput, body ?? {});
  if (input.outcome === 'REACHED' && input.score === undefined) throw new ValidationError([{ field: 'score', reason: 'required when the customer was REACHED: their satisfaction 1–5' }]);
  if (input.outcome !== 'REACHED' && input.score !== undefined) throw new ValidationError([{ field: 'score', value: input.score, reason: `only a REACHED call has a score (outcome ${input.outcome})` }]);
  const at = deps.clock.now();
  const row = await db.$transaction(async (tx) => {
    const created = await tx.phoneFollowUp.create({
      data: { caseNo: target.caseNo, customerId: target.customerId, staffId: target.staffId!, outcome: input.outcome, score: input.score ?? null, recordedByStaffId: actor.staffId, recordedAt: at },
    });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'staff.phone_follow_up.record',
      entity: 'PhoneFollowUp',
      entityId: created.id,
      ...(target.customerId ? { customerId: target.customerId } : {}),
      changes: { staffId: { before: null, after: target.staffId }, caseNo: { before: null, after: target.caseNo }, outcome: { before: null, after: input.outcome }, score: { before: null, after: input.score ?? null } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return created;
  });
  return {
    id: row.id,
    caseNo: row.caseNo,
    customerId: row.customerId,
    staffId: row.staffId,
    outcome: row.outcome,
    score: row.score,
    recordedByStaffId: row.recordedByStaffId,
    recordedAt: row.recordedAt.toISOString(),
  };
}
