/**
 * Use case (§5.2): the customer answered; the case's SLA clock runs again and its deadlines are
 * recomputed (the pause credited in the clock's own units).
 *
 * - Who: the members and head of the case's department, its handler, SUPERVISOR, ADMIN (others 403).
 * - Input: `reason` (1–500 characters). 400 naming the field.
 * - The workflow's `resume` update: its activity writes the RESUMED event with who and why and
 *   recomputes the SLA. A case not waiting on the customer → 409 with the workflow's reason.
 */
import { z } from 'zod';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { resumeUpdate } from '../../workflows/feedback/definitions';
import { changeResult, findCase, reasonField, requireApplies, requireHandle, toCase, type CaseChange, type FeedbackDeps } from './cases';

export const resumeFeedbackInput = z.strictObject({ reason: reasonField });

export async function resumeFeedback(deps: FeedbackDeps, actor: Actor, caseNo: string, body: unknown): Promise<CaseChange> {
  const c = await findCase(deps.db, caseNo);
  await requireHandle(deps.db, actor, c, 'resume');
  const { reason } = parseInput(resumeFeedbackInput, body);
  await requireApplies(deps.temporal, c, 'resume');
  const state = await toCase(deps, c, () => deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(resumeUpdate, { args: [{ staffId: actor.staffId, reason }] }));
  return changeResult(deps, c.caseNo, null, state);
}
