/**
 * Use case (§5.2): a staff member leaves a department. New cases are no longer assigned to them; the
 * cases they hold stay theirs until reassigned (the answer says how many).
 *
 * - Who: ADMIN or SUPERVISOR (others 403).
 * - Unknown department → 404; the staff member is not a member → 404.
 * - The removal and its audit record `department.member.remove` in one transaction (the department's
 *   row locked meanwhile).
 */
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { NotFoundError } from '../shared/errors';
import { DEPARTMENT_MEMBER_ROLES, lockDepartment, openCaseLoad } from './repository';

export interface MemberRemoved {
  departmentCode: string;
  staffId: string;
  removed: true;
  /** Open FEEDBACK_CASE tasks they still hold (all departments): reassign them where needed. */
  openCasesStillAssigned: number;
}

export async function removeDepartmentMember(deps: { db: Db }, actor: Actor, code: string, staffId: string, ctx: { requestId?: string } = {}): Promise<MemberRemoved> {
  requireRole(actor, ...DEPARTMENT_MEMBER_ROLES);
  return deps.db.$transaction(async (tx) => {
    await lockDepartment(tx, code);
    const member = await tx.departmentMember.findUnique({ where: { departmentCode_staffId: { departmentCode: code, staffId } } });
    if (!member) throw new NotFoundError(`staff member ${staffId} is not a member of department ${code}`);
    await tx.departmentMember.delete({ where: { departmentCode_staffId: { departmentCode: code, staffId } } });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'department.member.remove',
      entity: 'DepartmentMember',
      entityId: `${code}:${staffId}`,
      changes: { member: { before: { handlesFeedback: member.handlesFeedback, since: member.since.toISOString() }, after: null } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    const load = await openCaseLoad(tx, [staffId]);
    return { departmentCode: code, staffId, removed: true, openCasesStillAssigned: load.get(staffId) ?? 0 };
  });
}
