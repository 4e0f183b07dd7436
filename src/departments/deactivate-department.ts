/**
 * Use case (§5.2): a department stops taking feedback. It is kept (its cases and audit records name
 * it) but routing and assignment skip it; reactivate-department.ts brings it back.
 *
 * - Who: ADMIN (others 403).
 * - Input: `reason` (1–500 characters, kept in the audit record); 400 naming the field.
 * - Unknown department → 404. Already inactive → 409. Cases still needing work in it
 *   (OPEN_FEEDBACK_STATUSES) → 409 naming them: they are re-routed or resolved first, so no open case
 *   is left with a department nobody handles.
 * - The change and its audit record `department.deactivate` in one transaction (row locked).
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, parseInput } from '../shared/errors';
import { DEPARTMENT_ADMIN_ROLES, departmentView, lockDepartment, OPEN_FEEDBACK_STATUSES, reasonSchema, type DepartmentView } from './repository';

export const deactivateDepartmentInput = z.strictObject({ reason: reasonSchema });

/** At most this many open case numbers are named in the refusal. */
const NAMED_CASES = 10;

export async function deactivateDepartment(deps: { db: Db }, actor: Actor, code: string, body: unknown, ctx: { requestId?: string } = {}): Promise<DepartmentView> {
  requireRole(actor, ...DEPARTMENT_ADMIN_ROLES);
  const { reason } = parseInput(deactivateDepartmentInput, body);
  return deps.db.$transaction(async (tx) => {
    const before = await lockDepartment(tx, code);
    if (!before.active) throw new ConflictError(`department ${code} is inactive already`, await departmentView(tx, code));
    const open = await tx.feedbackCase.findMany({
      where: { departmentCode: code, status: { in: [...OPEN_FEEDBACK_STATUSES] } },
      select: { caseNo: true },
      orderBy: { registeredAt: 'asc' },
      take: NAMED_CASES + 1,
    });
    if (open.length > 0) {
      const total = open.length > NAMED_CASES ? await tx.feedbackCase.count({ where: { departmentCode: code, status: { in: [...OPEN_FEEDBACK_STATUSES] } } }) : open.length;
      const named = open.slice(0, NAMED_CASES).map((c) => c.caseNo).join(', ');
      throw new ConflictError(
        `department ${code} has ${total} open feedback case(s) (${named}${total > NAMED_CASES ? ', …' : ''}): re-route or resolve them before deactivating it`,
        await departmentView(tx, code),
      );
    }
    await tx.department.update({ where: { code }, data: { active: false } });
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'department.deactivate',
      entity: 'Department',
      entityId: code,
      changes: { active: { before: true, after: false }, reason: { before: null, after: reason } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return departmentView(tx, code);
  });
}
