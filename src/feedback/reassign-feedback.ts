/**
 * Use case (§5.2 "supervisors reassign"): a case to another handler and/or department.
 *
 * - Who: SUPERVISOR, ADMIN (others 403, before anything is read).
 * - Input: `toStaffId` and/or `departmentCode` (at least one), `reason` (1–500 characters). The
 *   department must exist and be active; the handler must be an active member of the (new or
 *   current) department who handles feedback. 400 naming the field, nothing changed. A department
 *   without `toStaffId` goes to its least-loaded member. Already with that handler and department → 409.
 * - The workflow's `reassign` update: its activity writes the REASSIGNED event (from, to, who, why),
 *   moves the task and recomputes the SLA by the policy; the new handler is emailed. Refused by the
 *   workflow (a resolved or closed case) → 409 with its reason.
 */
import { z } from 'zod';
import { departmentCodeSchema } from '../departments/repository';
import { requireRole, type Actor } from '../security/auth';
import { untrainedReason } from '../training/gate';
import { ConflictError, parseInput, ValidationError, type FieldIssue } from '../shared/errors';
import { reassignUpdate } from '../../workflows/feedback/definitions';
import { changeResult, FEEDBACK_REASSIGN_ROLES, findCase, reasonField, requireApplies, staffIdField, toCase, type CaseChange, type FeedbackDeps } from './cases';

export const reassignFeedbackInput = z
  .strictObject({
    /** The new handler: an active member of the department who handles feedback. */
    toStaffId: staffIdField.optional(),
    /** The new department (active); without toStaffId its least-loaded member takes the case. */
    departmentCode: departmentCodeSchema.optional(),
    reason: reasonField,
  })
  .superRefine(
    (v, ctx) => {
      if (typeof v === 'object' && v !== null && v.toStaffId === undefined && v.departmentCode === undefined) {
        ctx.addIssue({ code: 'custom', path: ['toStaffId'], message: 'give toStaffId, departmentCode or both: who or where the case goes' });
      }
    },
    { when: () => true },
  );

export async function reassignFeedback(deps: FeedbackDeps, actor: Actor, caseNo: string, body: unknown): Promise<CaseChange> {
  requireRole(actor, ...FEEDBACK_REASSIGN_ROLES);
  const { db } = deps;
  const c = await findCase(db, caseNo);
  const input = parseInput(reassignFeedbackInput, body);
  const departmentCode = input.departmentCode ?? c.departmentCode;
  const issues: FieldIssue[] = [];
  if (input.departmentCode !== undefined) {
    const d = await db.department.findUnique({ where: { code: input.departmentCode }, select: { active: true } });
    if (!d) issues.push({ field: 'departmentCode', value: input.departmentCode, reason: 'no such department' });
    else if (!d.active) issues.push({ field: 'departmentCode', value: input.departmentCode, reason: 'the department is inactive: it takes no cases' });
  }
  if (input.toStaffId !== undefined && issues.length === 0) {
    const staff = await db.staffMember.findUnique({ where: { id: input.toStaffId }, select: { active: true, foundationCompletedAt: true } });
    const membership = staff ? await db.departmentMember.findUnique({ where: { departmentCode_staffId: { departmentCode, staffId: input.toStaffId } }, select: { handlesFeedback: true } }) : null;
    const reason = !staff
      ? 'no such staff member'
      : !staff.active
        ? 'staff member is inactive'
        : !staff.foundationCompletedAt
          ? untrainedReason(input.toStaffId, 'be assigned customers') // §3.1, §7.1
          : !membership
          ? `not a member of department ${departmentCode}`
          : !membership.handlesFeedback
            ? `does not handle feedback in department ${departmentCode}`
            : undefined;
    if (reason) issues.push({ field: 'toStaffId', value: input.toStaffId, reason });
  }
  if (issues.length) throw new ValidationError(issues);
  if (departmentCode === c.departmentCode && (input.toStaffId === undefined || input.toStaffId === c.handlerStaffId)) {
    throw new ConflictError(`case ${c.caseNo} is already ${input.toStaffId ? `with ${c.handlerStaffId} in` : 'in'} department ${c.departmentCode}: nothing to reassign`);
  }
  await requireApplies(deps.temporal, c, 'reassign');
  const args = { staffId: actor.staffId, reason: input.reason, ...(input.toStaffId !== undefined ? { toStaffId: input.toStaffId } : {}), ...(input.departmentCode !== undefined ? { departmentCode: input.departmentCode } : {}) };
  const state = await toCase(deps, c, () => deps.temporal.workflow.getHandle(c.workflowId).executeUpdate(reassignUpdate, { args: [args] }));
  return changeResult(deps, c.caseNo, null, state);
}
