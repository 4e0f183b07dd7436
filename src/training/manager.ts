/**
 * §7.1 "their manager": who is reminded with a trainee before each module, hears of an overdue module,
 * and (as the staff member's supervisor) of a year of advanced courses missed. The staff model has no
 * line manager, so: the head of a department the staff member belongs to (the first by department
 * code, never themselves), else the first active SUPERVISOR other than them
 * (src/tasks/tasks.ts supervisorOtherThan, the escalation contact of every other task). An enrolment
 * may name its manager instead; it is stored on the enrolment.
 */
import type { Db, DbTx } from '../db/client';
import { supervisorOtherThan } from '../tasks/tasks';

export async function managerOf(db: Db | DbTx, staffId: string): Promise<string | null> {
  const membership = await db.departmentMember.findFirst({
    where: { staffId, department: { active: true, headStaffId: { not: staffId }, head: { active: true } } },
    orderBy: { departmentCode: 'asc' },
    select: { department: { select: { headStaffId: true } } },
  });
  if (membership) return membership.department.headStaffId;
  return supervisorOtherThan(db, staffId);
}
