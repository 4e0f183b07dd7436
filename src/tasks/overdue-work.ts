/**
 * Use case (§5.1, §3.2, §6.2 "escalation to supervisors"): the supervisor's view of work that is
 * late — every OPEN task past its overdue time (escalated or about to be), grouped by the team it is
 * for (a role, an expertise code or `department:<code>`) or, for work assigned to one person, under
 * "assigned". Read from PostgreSQL, ids and codes only (no personal data, like GET /tasks).
 *
 * - Who: SUPERVISOR, ADMIN (OTHERS_INBOX_ROLES: the roles that may read anyone's tasks; others 403).
 * - At most OVERDUE_WORK_LIMIT tasks, the most overdue first; `truncated` says when there were more.
 */
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { OTHERS_INBOX_ROLES } from './list-tasks';
import { toTaskView, type TaskView } from './tasks';

export const OVERDUE_WORK_LIMIT = 500;
/** The group of tasks assigned to one person rather than a team. */
export const ASSIGNED_GROUP = 'assigned';

export interface TeamGroup<T> {
  key: string;
  count: number;
  items: T[];
}

/**
 * Pure: `items` grouped by `keyOf` (null → `fallback`), groups by size (largest first) then key;
 * items keep their order within a group.
 */
export function groupByKey<T>(items: readonly T[], keyOf: (item: T) => string | null, fallback: string): TeamGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item) ?? fallback;
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.entries()]
    .map(([key, list]) => ({ key, count: list.length, items: list }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export interface OverdueWork {
  generatedAt: string;
  total: number;
  truncated: boolean;
  byTeam: TeamGroup<TaskView>[];
}

export async function overdueWork(deps: { db: Db; clock: Clock }, actor: Actor): Promise<OverdueWork> {
  requireRole(actor, ...OTHERS_INBOX_ROLES);
  const now = deps.clock.now();
  const where: Prisma.TaskWhereInput = { status: 'OPEN', overdueAt: { lte: now } };
  const [rows, total] = await Promise.all([
    deps.db.task.findMany({ where, orderBy: [{ overdueAt: 'asc' }, { id: 'asc' }], take: OVERDUE_WORK_LIMIT }),
    deps.db.task.count({ where }),
  ]);
  const views = rows.map((t) => toTaskView(t, now));
  return { generatedAt: now.toISOString(), total, truncated: total > rows.length, byTeam: groupByKey(views, (t) => t.team, ASSIGNED_GROUP) };
}
