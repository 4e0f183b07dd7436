/**
 * Use case (§5.2 "a clock that pauses while waiting on the customer"): the case waits on the
 * customer, and its SLA clock stops.
 *
 * - Who: the members and head of the case's department, its handler, SUPERVISOR, ADMIN (others 403).
 * - Input: `reason` (1–500 characters: what is awaited from the customer). 400 naming the field.
 * - The workflow's `pause` update (staff id and reason): its activity writes the PAUSED event with who
 *   and why, sets WAITING_ON_CUSTOMER and recomputes the deadlines (business time for an enterprise's
 *   case). Refused by the workflow — already paused, resolved, closed — → 409 with its reason.
 */
import { z } from 'zod';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { pauseUpdate } from '../../workflows/feedback/definitions';
import { changeResult, findCase, reasonField, requireApplies, requireHandle, toCase, type CaseChange, type FeedbackDeps } from './cases';

export const pauseFeedbackInput = z.strictObject({ reason: reasonField });

export async function pauseFeedback(deps: FeedbackDeps, actor: Actor, caseNo: string, body: unknown): Promise<CaseChange> {
  const c = await findCase(deps.db, caseNo);
  await requireHandle(deps.db, actor, c, 'pause');
  const { reason } = parseInput(pauseFeedbackInput, body);
  await requireApplies(deps.temporal, c, 'pause');
  const state = await toCase(deps, c, () => deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(pauseUpdate, { args: [{ staffId: actor.staffId, reason }] }));
  return changeResult(deps, c.caseNo, null, state);
}
