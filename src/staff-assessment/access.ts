/**
 * §3.1 "access is granted by role and need", for §7.2 assessments: a staff member sees their own;
 * their manager (the head of a department they belong to, or the manager recorded on one of their
 * assessments) sees theirs; SUPERVISOR and AUDITOR see everyone's. Anyone else: 403 — the staff
 * member's existence is not a secret (GET /staff/:id answers any staff member), their results are.
 */
import type { Db } from '../db/client';
import { ForbiddenError, requireRole, type Actor } from '../security/auth';
import { NotFoundError, ValidationError } from '../shared/errors';
import { parsePeriod, periodIdIssue, type AssessmentPeriod } from './period';

/** Read every staff member's assessments and the staff report. */
export const ASSESSMENT_READER_ROLES = ['SUPERVISOR', 'AUDITOR'] as const;
/** Recompute a period, start a period's run, record phone follow-ups. */
export const ASSESSMENT_SUPERVISOR_ROLES = ['SUPERVISOR'] as const;

/** True when `actor` manages `staffId` (§7.2 guidance): head of one of their departments, or the manager on one of their assessments. */
export async function isManagerOf(db: Db, actor: Actor, staffId: string): Promise<boolean> {
  if (actor.staffId === staffId) return false;
  const [heads, recorded] = await Promise.all([
    db.departmentMember.count({ where: { staffId, department: { headStaffId: actor.staffId } } }),
    db.staffAssessment.count({ where: { staffId, managerStaffId: actor.staffId } }),
  ]);
  return heads + recorded > 0;
}

export async function requireStaff(db: Db, staffId: string): Promise<void> {
  const exists = await db.staffMember.count({ where: { id: staffId } });
  if (!exists) throw new NotFoundError(`staff member ${staffId} does not exist`);
}

/** 404 for an unknown staff member, 403 unless the actor may read their assessments. */
export async function requireMayRead(db: Db, actor: Actor, staffId: string): Promise<void> {
  await requireStaff(db, staffId);
  if (actor.staffId === staffId || actor.roles.some((r) => (ASSESSMENT_READER_ROLES as readonly string[]).includes(r))) return;
  if (await isManagerOf(db, actor, staffId)) return;
  throw new ForbiddenError(`staff member ${actor.staffId} may not read ${staffId}'s assessments: only they, their manager, a SUPERVISOR or an AUDITOR may (§3.1, §7.2)`);
}

export function requireSupervisor(actor: Actor): void {
  requireRole(actor, ...ASSESSMENT_SUPERVISOR_ROLES);
}

/** The period named by `field`, or a 400 naming the field; `mustHaveBegun` refuses a period that starts after `now`. */
export function periodField(value: unknown, field: string, timeZone: string, now?: Date): AssessmentPeriod {
  const issue = periodIdIssue(value);
  if (issue) throw new ValidationError([{ field, value, reason: issue }]);
  const p = parsePeriod(value as string, timeZone);
  if (now && p.start.getTime() > now.getTime()) {
    throw new ValidationError([{ field, value, reason: `has not begun yet (it starts ${p.start.toISOString()}): nothing to assess` }]);
  }
  return p;
}
