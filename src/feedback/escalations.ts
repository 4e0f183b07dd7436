/**
 * Use case (§5.2 "escalation to the department head, then the executive on duty"; "supervisors
 * reassign"): the supervisor's view of feedback cases in trouble — every case still needing work
 * (OPEN_STATUSES) that has been escalated (escalationLevel ≥ 1) or has missed its response deadline
 * (isBreached), grouped by department, most escalated and most overdue first. Read from PostgreSQL
 * (the activities keep level, handler and deadlines there); ids, codes and times only (as GET /feedback).
 *
 * - Who: SUPERVISOR, ADMIN (FEEDBACK_REASSIGN_ROLES: those who may act on it; others 403).
 * - At most ESCALATIONS_LIMIT cases; `truncated` says when there were more.
 */
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { groupByKey, type TeamGroup } from '../tasks/overdue-work';
import { FEEDBACK_REASSIGN_ROLES, OPEN_STATUSES } from './cases';
import { toListItem, type FeedbackListItem } from './list-feedback';

export const ESCALATIONS_LIMIT = 500;

export interface FeedbackEscalations {
  generatedAt: string;
  total: number;
  truncated: boolean;
  byDepartment: TeamGroup<FeedbackListItem>[];
}

/** Pure: the order a supervisor works them in — highest escalation level, then earliest deadline, then case number. */
export function escalationOrder(a: FeedbackListItem, b: FeedbackListItem): number {
  const due = (x: FeedbackListItem) => (x.targetAt ? Date.parse(x.targetAt) : Number.POSITIVE_INFINITY);
  return b.escalationLevel - a.escalationLevel || due(a) - due(b) || a.caseNo.localeCompare(b.caseNo);
}

export async function feedbackEscalations(deps: { db: Db; clock: Clock }, actor: Actor): Promise<FeedbackEscalations> {
  requireRole(actor, ...FEEDBACK_REASSIGN_ROLES);
  const now = deps.clock.now();
  const where: Prisma.FeedbackCaseWhereInput = {
    status: { in: [...OPEN_STATUSES] },
    OR: [{ escalationLevel: { gte: 1 } }, { firstResponseAt: null, targetAt: { lt: now } }, { firstResponseAt: { gt: deps.db.feedbackCase.fields.targetAt } }],
  };
  const [rows, total] = await Promise.all([
    deps.db.feedbackCase.findMany({ where, orderBy: [{ escalationLevel: 'desc' }, { targetAt: 'asc' }, { caseNo: 'asc' }], take: ESCALATIONS_LIMIT }),
    deps.db.feedbackCase.count({ where }),
  ]);
  const items = rows.map((c) => toListItem(c, now)).sort(escalationOrder);
  return { generatedAt: now.toISOString(), total, truncated: total > rows.length, byDepartment: groupByKey(items, (c) => c.departmentCode, '(none)') };
}
