/**
 * Use case (§5.2): an inactive department takes feedback again.
 *
 * - Who: ADMIN (others 403).
 * - Input: `reason` (1–500 characters, kept in the audit record); 400 naming the field.
 * - Unknown department → 404. Active already → 409. Its head has become inactive → 409: set a new
 *   head first (PATCH), so no escalation goes to someone who left.
 * - The change and its audit record `department.reactivate` in one transaction (row locked).
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, parseInput } from '../shared/errors';
import { DEPARTMENT_ADMIN_ROLES, departmentView, lockDepartment, reasonSchema, type DepartmentView } from './repository';

export const reactivateDepartmentInput = z.strictObject({ reason: reasonSchema });

export async function reactivateDepartment(deps: { db: Db }, actor: Actor, code: string, body: unknown, ctx: { requestId?: string } = {}): Promise<DepartmentView> {
  requireRole(actor, ...DEPARTMENT_ADMIN_ROLES);
  const { reason } = parseInput(reactivateDepartmentInput, body);
  return deps.db.$transaction(async (tx) => {
    const before = await lockDepartment(tx, code);
    if (before.active) throw new ConflictError(`department ${code} is active already`, await departmentView(tx, code));
    const head = await tx.staffMember.findUniqueOrThrow({ where: { id: before.headStaffId }, select: { active: true } });
    if (!head.active) {
      throw new ConflictError(`the head of department ${code}, ${before.headStaffId}, is inactive: set a new head (headStaffId) before reactivating it`, await departmentView(tx, code));
    }
    await tx.department.update({ where: { code }, data: { active: true } });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'department.reactivate',
      entity: 'Department',
      entityId: code,
      changes: { active: { before: false, after: true }, reason: { before: null, after: reason } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return departmentView(tx, code);
  });
}
