/**
 * Use case: the caller's inbox (GET /tasks) — the tasks assigned to them and to every team they
 * belong to (a team is a staff role, an expertise code, or `department:<code>` for the §5.2 departments
 * they belong to or head: a case nobody in its department handles waits there, src/tasks/tasks.ts), earliest due first.
 *
 * - status: OPEN (default), OVERDUE (open and past its overdue time), DONE, CANCELLED, MISSED;
 *   kind: PERIODIC_REVIEW, RELATIONSHIP_MEETING, CUSTOMER_CONTACT, FEEDBACK_CASE, TRAINING_MODULE (§7.1); dueBefore: a date (start of that
 *   day, bank time zone) or an instant.
 * - assignee: whose inbox; anyone may name themselves, a SUPERVISOR or an ADMIN anyone (403 otherwise).
 * - Keyset paging on (dueAt, id), pageSize ≤ 100. Items carry ids, codes and times (toTaskView).
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { parseInput, ValidationError } from '../shared/errors';
import { cursorQuery, dateOrInstantSchema, decodeCursor, DEFAULT_PAGE_SIZE, pageOf, pageSizeQuery } from '../shared/keyset';
import { departmentTeam, toTaskView, type TaskView } from './tasks';

export const TASK_STATUS_FILTERS = ['OPEN', 'OVERDUE', 'DONE', 'CANCELLED', 'MISSED'] as const;
export const TASK_KINDS = ['PERIODIC_REVIEW', 'RELATIONSHIP_MEETING', 'CUSTOMER_CONTACT', 'FEEDBACK_CASE', 'TRAINING_MODULE'] as const;
/** Roles that may read another staff member's inbox. */
export const OTHERS_INBOX_ROLES = ['SUPERVISOR', 'ADMIN'] as const;

export function listTasksQuery(timeZone: string) {
  return z.strictObject({
    status: z.enum(TASK_STATUS_FILTERS, { error: `one of ${TASK_STATUS_FILTERS.join(', ')}` }).optional(),
    kind: z.enum(TASK_KINDS, { error: `one of ${TASK_KINDS.join(', ')}` }).optional(),
    dueBefore: dateOrInstantSchema(timeZone).optional(),
    assignee: z.string().trim().min(1, 'a staff id').max(64, 'at most 64 characters').optional(),
    cursor: cursorQuery.optional(),
    pageSize: pageSizeQuery.optional(),
  });
}

export interface TaskPage {
  assignee: string;
  items: TaskView[];
  pageSize: number;
  nextCursor: string | null;
}

export async function listTasks(deps: { db: Db; policy: Policy; clock: Clock }, actor: Actor, query: unknown): Promise<TaskPage> {
  const q = parseInput(listTasksQuery(bankTimeZone(deps.policy)), query ?? {});
  const whose = q.assignee ?? actor.staffId;
  if (whose !== actor.staffId && !actor.roles.some((r) => (OTHERS_INBOX_ROLES as readonly string[]).includes(r))) {
    throw new ForbiddenError(`only a ${OTHERS_INBOX_ROLES.join(' or ')} may read another staff member's tasks: leave assignee out for your own`);
  }
  const staff = await deps.db.staffMember.findUnique({ where: { id: whose }, select: { roles: true, expertise: true, departments: { select: { departmentCode: true } }, departmentsHeaded: { select: { code: true } } } });
  if (!staff) throw new ValidationError([{ field: 'assignee', value: whose, reason: 'no such staff member' }]);

  const now = deps.clock.now();
  const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
  const status: Prisma.TaskWhereInput =
    q.status === 'OVERDUE' ? { status: 'OPEN', overdueAt: { lte: now } } : { status: q.status ?? 'OPEN' };
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const rows = await deps.db.task.findMany({
    where: {
      AND: [
        { OR: [{ assigneeStaffId: whose }, { team: { in: [...staff.roles, ...staff.expertise, ...staff.departments.map((d) => departmentTeam(d.departmentCode)), ...staff.departmentsHeaded.map((d) => departmentTeam(d.code))] } }] },
        status,
        q.kind ? { kind: q.kind } : {},
        q.dueBefore ? { dueAt: { lt: q.dueBefore } } : {},
        after ? { OR: [{ dueAt: { gt: new Date(after.at) } }, { dueAt: new Date(after.at), id: { gt: after.id } }] } : {},
      ],
    },
    orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
    take: pageSize + 1,
  });
  const { shown, nextCursor } = pageOf(rows, pageSize, (t) => ({ at: t.dueAt.toISOString(), id: t.id }));
  return { assignee: whose, items: shown.map((t) => toTaskView(t, now)), pageSize, nextCursor };
}
