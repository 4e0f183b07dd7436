/**
 * Use case (§2.3 step 3: "the team contacts the customer to verify, then decides"): staff record that
 * the information the audit team asked for has arrived; the record goes back to the review queue.
 * Sent as the onboarding workflow's `infoReceived` update (refused unless information was requested).
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { isWorkflowGone } from '../temporal/workflow-gone';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, NotFoundError } from '../shared/errors';
import { infoReceivedUpdate, onboardingWorkflowId, type OnboardingState } from '../../workflows/onboarding';

export async function recordInfoReceived(deps: { db: Db; temporal: Client }, actor: Actor, customerId: string): Promise<OnboardingState> {
  requireRole(actor, 'AUDITOR', 'CUSTOMER_SERVICE', 'RELATIONSHIP_MANAGER', 'ADMIN');
  const review = await deps.db.onboardingReview.findUnique({ where: { customerId } });
  if (!review) throw new NotFoundError(`no onboarding review for customer ${customerId}`);
  try {
    return await deps.temporal.workflow
      .getHandle(onboardingWorkflowId(customerId))
      .executeUpdate(infoReceivedUpdate, { args: [{ byStaffId: actor.staffId }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new ConflictError(err.cause?.message ?? err.message);
    if (isWorkflowGone(err)) {
      const customer = await deps.db.customer.findUniqueOrThrow({ where: { id: customerId } });
      throw new ConflictError(`onboarding is ${customer.status}: no information was requested`);
    }
    throw err;
  }
}
