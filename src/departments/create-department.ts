/**
 * Use case (§5.2): a new department that feedback can be routed to, with its head (the escalation
 * target at a case's SLA deadline).
 *
 * - Who: ADMIN (others 403, before anything is read).
 * - Input: `code` (CARDS: 2–32 upper-case letters, digits, _), `name`, `headStaffId` (an active staff
 *   member); 400 naming the field otherwise, nothing written.
 * - A code that exists → 409 with the existing department.
 * - The department and its audit record `department.create` in one transaction; answered with the view.
 */
import { z } from 'zod';
import { diffFields, writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { isUniqueViolation } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, parseInput } from '../shared/errors';
import {
  DEPARTMENT_ADMIN_ROLES,
  departmentCodeSchema,
  departmentNameSchema,
  departmentView,
  requireActiveStaff,
  staffIdSchema,
  type DepartmentView,
} from './repository';

export const createDepartmentInput = z.strictObject({
  code: departmentCodeSchema,
  name: departmentNameSchema,
  headStaffId: staffIdSchema,
});

export async function createDepartment(deps: { db: Db }, actor: Actor, body: unknown, ctx: { requestId?: string } = {}): Promise<DepartmentView> {
  requireRole(actor, ...DEPARTMENT_ADMIN_ROLES);
  const input = parseInput(createDepartmentInput, body);
  const { db } = deps;
  await requireActiveStaff(db, 'headStaffId', input.headStaffId);
  const exists = async () => new ConflictError(`department ${input.code} already exists`, await departmentView(db, input.code));
  if (await db.department.findUnique({ where: { code: input.code }, select: { code: true } })) throw await exists();
  try {
    return await db.$transaction(async (tx) => {
      await tx.department.create({ data: { code: input.code, name: input.name, headStaffId: input.headStaffId } });
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'department.create',
        entity: 'Department',
        entityId: input.code,
        changes: diffFields(null, { name: input.name, headStaffId: input.headStaffId, active: true }),
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return departmentView(tx, input.code);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw await exists();
    throw err;
  }
}
