/**
 * Use case (§5.2): rename a department or set its head (the escalation target at a case's SLA
 * deadline; the next escalation goes to the new head).
 *
 * - Who: ADMIN (others 403).
 * - Input: `name` and/or `headStaffId` (an active staff member); at least one; 400 naming the field.
 * - Unknown department → 404.
 * - The change and its audit record `department.update` (before and after of what changed) in one
 *   transaction, the department's row locked meanwhile. Nothing changed → nothing written, no record.
 */
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import {
  DEPARTMENT_ADMIN_ROLES,
  departmentNameSchema,
  departmentView,
  lockDepartment,
  requireActiveStaff,
  staffIdSchema,
  type DepartmentView,
} from './repository';

export const updateDepartmentInput = z
  .strictObject({
    name: departmentNameSchema.optional(),
    headStaffId: staffIdSchema.optional(),
  })
  .refine((v) => v.name !== undefined || v.headStaffId !== undefined, { message: 'give name, headStaffId or both' });

export async function updateDepartment(deps: { db: Db }, actor: Actor, code: string, body: unknown, ctx: { requestId?: string } = {}): Promise<DepartmentView> {
  requireRole(actor, ...DEPARTMENT_ADMIN_ROLES);
  const input = parseInput(updateDepartmentInput, body);
  const { db } = deps;
  if (input.headStaffId !== undefined) await requireActiveStaff(db, 'headStaffId', input.headStaffId);
  return db.$transaction(async (tx) => {
    const before = await lockDepartment(tx, code);
    const after = { name: input.name ?? before.name, headStaffId: input.headStaffId ?? before.headStaffId };
    const changes = diffFields({ name: before.name, headStaffId: before.headStaffId }, after);
    if (Object.keys(changes).length > 0) {
      await tx.department.update({ where: { code }, data: after });
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'department.update',
        entity: 'Department',
        entityId: code,
        changes,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
    }
    return departmentView(tx, code);
  });
}
