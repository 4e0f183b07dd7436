/**
 * Use case (§5.2): the departments, each with its head, its members and their open-case load (open
 * FEEDBACK_CASE tasks), and its cases still needing work; and one department by code.
 *
 * - Who: any authenticated staff member (who handles what is operational information, no customer data).
 * - Query: `includeInactive` true|false (default false: the active departments only). Ordered by code.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import type { Actor } from '../security/auth';
import { parseInput } from '../shared/errors';
import { departmentInclude, departmentView, toDepartmentViews, type DepartmentView } from './repository';

export const listDepartmentsQuery = z.strictObject({
  includeInactive: z.enum(['true', 'false'], { error: 'true or false' }).optional(),
});

/** More departments than a bank has: the list is one page. */
export const MAX_DEPARTMENTS = 1000;

export async function listDepartments(deps: { db: Db }, _actor: Actor, query: unknown): Promise<{ departments: DepartmentView[] }> {
  const q = parseInput(listDepartmentsQuery, query ?? {});
  const rows = await deps.db.department.findMany({
    where: q.includeInactive === 'true' ? {} : { active: true },
    include: departmentInclude,
    orderBy: { code: 'asc' },
    take: MAX_DEPARTMENTS,
  });
  return { departments: await toDepartmentViews(deps.db, rows) };
}

export async function getDepartment(deps: { db: Db }, _actor: Actor, code: string): Promise<DepartmentView> {
  return departmentView(deps.db, code);
}
