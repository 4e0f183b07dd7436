/**
 * Use case (§2.3 step 3): an AUDITOR decides on a new customer record — approve, reject (with a
 * reason) or request information. Sent as the onboarding workflow's `decide` update: the workflow's
 * validator refuses what cannot apply (maker-checker: the staff member who entered the record cannot
 * review it; no decision after the last one), and the caller learns it at once (409 with the reason).
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { isWorkflowGone } from '../temporal/workflow-gone';
import { z } from 'zod';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { requireFoundationTrained } from '../training/gate';
import { ConflictError, NotFoundError, parseInput } from '../shared/errors';
import { decideUpdate, onboardingWorkflowId, type OnboardingState } from '../../workflows/onboarding';

export const decisionInput = z.strictObject({
  decision: z.enum(['APPROVE', 'REJECT', 'REQUEST_INFO'], { error: 'one of APPROVE, REJECT, REQUEST_INFO' }),
  reason: z.string().trim().max(1000, 'at most 1000 characters').optional(),
});

export async function decideReview(
  deps: { db: Db; temporal: Client },
  actor: Actor,
  customerId: string,
  body: unknown,
): Promise<OnboardingState> {
  requireRole(actor, 'AUDITOR');
  await requireFoundationTrained(deps.db, actor.staffId, 'act as an auditor'); // §3.1, §7.1: 403 with the reason
  const input = parseInput(decisionInput, body);
  const review = await deps.db.onboardingReview.findUnique({ where: { customerId } });
  if (!review) throw new NotFoundError(`no onboarding review for customer ${customerId}`);
  try {
    return await deps.temporal.workflow
      .getHandle(onboardingWorkflowId(customerId))
      .executeUpdate(decideUpdate, { args: [{ reviewerId: actor.staffId, decision: input.decision, ...(input.reason ? { reason: input.reason } : {}) }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ConflictError(err.cause?.message ?? err.message);
    if (isWorkflowGone(err)) {
      const customer = await deps.db.customer.findUniqueOrThrow({ where: { id: customerId } });
      throw new ConflictError(`onboarding is ${customer.status}: no further decisions`);
    }
    throw err;
  }
}
