/**
 * Use case (§3.2): the periodic reviews — PERIODIC_REVIEW tasks, earliest due first — for the people
 * who do them and those who watch them. Read from PostgreSQL (the tasks the lifecycles opened),
 * never from workflow queries.
 *
 * - status: DUE (open, not past its overdue time), OVERDUE (open and past it), COMPLETED, CANCELLED;
 *   default DUE and OVERDUE (the open ones).
 * - managerId: the assignee; dueBefore: a date (start of that day, bank time zone) or an instant.
 * - Roles: RELATIONSHIP_MANAGER, CUSTOMER_SERVICE, SUPERVISOR, AUDITOR, ADMIN. A RELATIONSHIP_MANAGER
 *   with no other role sees only the reviews assigned to them or to a team they belong to; naming
 *   another manager is 403.
 * - Keyset paging on (dueAt, id): `cursor` from the previous page's `nextCursor`, `pageSize` ≤ 100.
 * Items carry ids, codes and times only (no personal data), so reading them is not an audited access.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { ForbiddenError, requireRole, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { parseInput } from '../shared/errors';
import { cursorQuery, dateOrInstantSchema, decodeCursor, DEFAULT_PAGE_SIZE, pageOf, pageSizeQuery } from '../shared/keyset';
import { isManagerScoped } from '../customers/access';
import { toTaskView, type TaskView } from '../tasks/tasks';
import { staffFacts } from './customer-work';

export const PERIODIC_REVIEW_ROLES = ['RELATIONSHIP_MANAGER', 'CUSTOMER_SERVICE', 'SUPERVISOR', 'AUDITOR', 'ADMIN'] as const;
export const REVIEW_STATUSES = ['DUE', 'OVERDUE', 'COMPLETED', 'CANCELLED'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export function listPeriodicReviewsQuery(timeZone: string) {
  return z.strictObject({
    status: z.enum(REVIEW_STATUSES, { error: `one of ${REVIEW_STATUSES.join(', ')}` }).optional(),
    managerId: z.string().trim().min(1).max(64, 'at most 64 characters').optional(),
    dueBefore: dateOrInstantSchema(timeZone).optional(),
    cursor: cursorQuery.optional(),
    pageSize: pageSizeQuery.optional(),
  });
}

export type PeriodicReview = TaskView & { reviewStatus: ReviewStatus };

export interface PeriodicReviewPage {
  items: PeriodicReview[];
  pageSize: number;
  nextCursor: string | null;
}

const reviewStatusOf = (view: TaskView): ReviewStatus =>
  view.status === 'OVERDUE' ? 'OVERDUE' : view.status === 'OPEN' ? 'DUE' : view.status === 'DONE' ? 'COMPLETED' : 'CANCELLED';

/** The tasks in the actor's reach: every task, or (RELATIONSHIP_MANAGER only) theirs and their teams'. */
export async function taskReach(db: Db, actor: Actor): Promise<Prisma.TaskWhereInput> {
  if (!isManagerScoped(actor)) return {};
  const staff = await staffFacts(db, actor);
  return { OR: [{ assigneeStaffId: actor.staffId }, { team: { in: [...staff.roles, ...staff.expertise] } }] };
}

export async function listPeriodicReviews(deps: { db: Db; policy: Policy; clock: Clock }, actor: Actor, query: unknown): Promise<PeriodicReviewPage> {
  requireRole(actor, ...PERIODIC_REVIEW_ROLES);
  const q = parseInput(listPeriodicReviewsQuery(bankTimeZone(deps.policy)), query ?? {});
  if (q.managerId && q.managerId !== actor.staffId && isManagerScoped(actor)) {
    throw new ForbiddenError(`a RELATIONSHIP_MANAGER sees their own reviews only: managerId must be ${actor.staffId} or left out`);
  }
  const now = deps.clock.now();
  const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
  const open = (overdue: boolean): Prisma.TaskWhereInput =>
    overdue ? { status: 'OPEN', overdueAt: { lte: now } } : { status: 'OPEN', OR: [{ overdueAt: null }, { overdueAt: { gt: now } }] };
  const byStatus: Record<ReviewStatus, Prisma.TaskWhereInput> = {
    DUE: open(false),
    OVERDUE: open(true),
    COMPLETED: { status: 'DONE' },
    CANCELLED: { status: 'CANCELLED' },
  };
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const rows = await deps.db.task.findMany({
    where: {
      AND: [
        { kind: 'PERIODIC_REVIEW' },
        q.status ? byStatus[q.status] : { status: 'OPEN' },
        await taskReach(deps.db, actor),
        q.managerId ? { assigneeStaffId: q.managerId } : {},
        q.dueBefore ? { dueAt: { lt: q.dueBefore } } : {},
        after ? { OR: [{ dueAt: { gt: new Date(after.at) } }, { dueAt: new Date(after.at), id: { gt: after.id } }] } : {},
      ],
    },
    orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
    take: pageSize + 1,
  });
  const { shown, nextCursor } = pageOf(rows, pageSize, (t) => ({ at: t.dueAt.toISOString(), id: t.id }));
  return {
    items: shown.map((t) => {
      const view = toTaskView(t, now);
      return { ...view, reviewStatus: reviewStatusOf(view) };
    }),
    pageSize,
    nextCursor,
  };
}
