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
 *
 * Issue 12 (the inbox is read all day): two SQL queries — whose teams, then the page (the assignee
 * and team indexes) — and the query schema built once per time zone, not per request.
 */
import { z } from 'zod';
import { Prisma, type Db } from '../db/client';
import type { Task } from '../db/generated/client';
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

const querySchemas = new Map<string, ReturnType<typeof listTasksQuery>>();
/** listTasksQuery(timeZone), built once per time zone. */
function querySchemaFor(timeZone: string): ReturnType<typeof listTasksQuery> {
  let schema = querySchemas.get(timeZone);
  if (!schema) {
    schema = listTasksQuery(timeZone);
    querySchemas.set(timeZone, schema);
  }
  return schema;
}

export interface TaskPage {
  assignee: string;
  items: TaskView[];
  pageSize: number;
  nextCursor: string | null;
}

export async function listTasks(deps: { db: Db; policy: Policy; clock: Clock }, actor: Actor, query: unknown): Promise<TaskPage> {
  const q = parseInput(querySchemaFor(bankTimeZone(deps.policy)), query ?? {});
  const whose = q.assignee ?? actor.staffId;
  if (whose !== actor.staffId && !actor.roles.some((r) => (OTHERS_INBOX_ROLES as readonly string[]).includes(r))) {
    throw new ForbiddenError(`only a ${OTHERS_INBOX_ROLES.join(' or ')} may read another staff member's tasks: leave assignee out for your own`);
  }
  // Their teams: roles, expertise, and the §5.2 departments they belong to or head.
  const [staff] = await deps.db.$queryRaw<{ teams: string[]; departments: string[] }[]>`
    SELECT s.roles::text[] || s.expertise AS teams,
           ARRAY(SELECT m."departmentCode" FROM "DepartmentMember" m WHERE m."staffId" = s.id
                 UNION SELECT d.code FROM "Department" d WHERE d."headStaffId" = s.id) AS departments
      FROM "StaffMember" s WHERE s.id = ${whose}`;
  if (!staff) throw new ValidationError([{ field: 'assignee', value: whose, reason: 'no such staff member' }]);
  const teams = [...staff.teams, ...staff.departments.map(departmentTeam)];

  const now = deps.clock.now();
  const pageSize = q.pageSize ?? DEFAULT_PAGE_SIZE;
  const conditions: Prisma.Sql[] = [
    Prisma.sql`(t."assigneeStaffId" = ${whose} OR t.team = ANY(${teams}::text[]))`,
    q.status === 'OVERDUE' ? Prisma.sql`t.status = 'OPEN' AND t."overdueAt" <= ${now}::timestamptz` : Prisma.sql`t.status = ${q.status ?? 'OPEN'}::"TaskStatus"`,
  ];
  if (q.kind) conditions.push(Prisma.sql`t.kind = ${q.kind}::"TaskKind"`);
  if (q.dueBefore) conditions.push(Prisma.sql`t."dueAt" < ${q.dueBefore}::timestamptz`);
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (after) conditions.push(Prisma.sql`(t."dueAt", t.id) > (${new Date(after.at)}::timestamptz, ${after.id})`);
  const rows = await deps.db.$queryRaw<Task[]>`
    SELECT * FROM "Task" t WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY t."dueAt", t.id LIMIT ${pageSize + 1}`;
  const { shown, nextCursor } = pageOf(rows, pageSize, (t) => ({ at: t.dueAt.toISOString(), id: t.id }));
  return { assignee: whose, items: shown.map((t) => toTaskView(t, now)), pageSize, nextCursor };
}
