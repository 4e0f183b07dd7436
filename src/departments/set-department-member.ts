/**
 * Use case (§5.2): make a staff member a member of a department, or change whether a member handles
 * feedback (members who do are assigned the department's cases, least-loaded first). Idempotent:
 * the same request again changes nothing and writes nothing.
 *
 * - Who: ADMIN or SUPERVISOR (others 403).
 * - Input: `handlesFeedback` (true or false; default true); 400 naming the field.
 * - Unknown department or staff member → 404. Adding someone to an inactive department, or adding an
 *   inactive staff member → 409 with the reason.
 * - The membership and its audit record (`department.member.add` or `department.member.update`) in one
 *   transaction, the department's row locked meanwhile.
 */
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, NotFoundError, parseInput } from '../shared/errors';
import { DEPARTMENT_MEMBER_ROLES, departmentView, lockDepartment, openCaseLoad, type DepartmentMemberView } from './repository';

export const setDepartmentMemberInput = z.strictObject({
  /** False: a member who does not take cases (e.g. the head, a specialist consulted on cases). */
  handlesFeedback: z.boolean({ error: 'true or false' }).optional(),
});

export interface MemberChange {
  departmentCode: string;
  /** ADDED (201), UPDATED or UNCHANGED (200). */
  change: 'ADDED' | 'UPDATED' | 'UNCHANGED';
  member: DepartmentMemberView;
}

export async function setDepartmentMember(
  deps: { db: Db },
  actor: Actor,
  code: string,
  staffId: string,
  body: unknown,
  ctx: { requestId?: string } = {},
): Promise<MemberChange> {
  requireRole(actor, ...DEPARTMENT_MEMBER_ROLES);
  const input = parseInput(setDepartmentMemberInput, body ?? {});
  return deps.db.$transaction(async (tx) => {
    const department = await lockDepartment(tx, code);
    const staff = await tx.staffMember.findUnique({ where: { id: staffId }, select: { id: true, name: true, active: true } });
    if (!staff) throw new NotFoundError(`staff member ${staffId} does not exist`);
    const existing = await tx.departmentMember.findUnique({ where: { departmentCode_staffId: { departmentCode: code, staffId } } });
    const audit = { actorStaffId: actor.staffId, entity: 'DepartmentMember', entityId: `${code}:${staffId}`, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) };
    let change: MemberChange['change'];
    if (existing) {
      const handlesFeedback = input.handlesFeedback ?? existing.handlesFeedback;
      const changes = diffFields({ handlesFeedback: existing.handlesFeedback }, { handlesFeedback });
      change = Object.keys(changes).length ? 'UPDATED' : 'UNCHANGED';
      if (change === 'UPDATED') {
        await tx.departmentMember.update({ where: { departmentCode_staffId: { departmentCode: code, staffId } }, data: { handlesFeedback } });
        await writeAudit(tx, { ...audit, action: 'department.member.update', changes });
      }
    } else {
      const view = await departmentView(tx, code);
      if (!department.active) throw new ConflictError(`department ${code} is inactive: reactivate it before adding members`, view);
      if (!staff.active) throw new ConflictError(`staff member ${staffId} is inactive: an inactive staff member cannot join a department`, view);
      const handlesFeedback = input.handlesFeedback ?? true;
      await tx.departmentMember.create({ data: { departmentCode: code, staffId, handlesFeedback, addedByStaffId: actor.staffId } });
      await writeAudit(tx, { ...audit, action: 'department.member.add', changes: diffFields(null, { departmentCode: code, staffId, handlesFeedback }) });
      change = 'ADDED';
    }
    const row = await tx.departmentMember.findUniqueOrThrow({ where: { departmentCode_staffId: { departmentCode: code, staffId } } });
    const load = await openCaseLoad(tx, [staffId]);
    return {
      departmentCode: code,
      change,
      member: { staffId, name: staff.name, active: staff.active, handlesFeedback: row.handlesFeedback, since: row.since.toISOString(), openCases: load.get(staffId) ?? 0 },
    };
  });
}
