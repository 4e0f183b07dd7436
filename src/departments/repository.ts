/**
 * §5.2 departments as the rest of the system reads them: the department view (head, members and
 * their open-case load), the least-loaded handler a new case goes to, and the shared checks of the
 * department use cases. Queries select what their callers need; nothing here writes.
 *
 * A member's load is the number of OPEN tasks of kind FEEDBACK_CASE assigned to them (the Task
 * table: a case opens a task for its handler), across all departments: a person's load is theirs
 * whichever department the cases came from.
 */
import { z } from 'zod';
import type { Db, DbTx } from '../db/client';
import type { FeedbackStatus, Prisma } from '../db/generated/client';
import { NotFoundError, ValidationError } from '../shared/errors';

/** A department code, as the policy's routing rules name it. */
export const departmentCodeSchema = z
  .string({ error: 'text: a department code such as CARDS' })
  .regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'a code of 2–32 characters: upper-case letters, digits and _, starting with a letter (e.g. CARDS)');
export const departmentNameSchema = z.string({ error: 'text' }).trim().min(1, 'must not be blank').max(100, 'at most 100 characters');
export const staffIdSchema = z.string({ error: 'text: a staff id' }).trim().min(1, 'a staff id').max(64, 'at most 64 characters');
/** Why a change was made, kept in its audit record. */
export const reasonSchema = z.string({ error: 'text: why' }).trim().min(1, 'must not be blank: say why').max(500, 'at most 500 characters');

/** A case still needing work: not RESOLVED (the survey is pending) and not CLOSED. */
export const OPEN_FEEDBACK_STATUSES = ['REGISTERED', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESPONDED', 'REOPENED'] as const satisfies readonly FeedbackStatus[];

/** Who creates, renames, deactivates and reactivates a department and sets its head (§3.1). */
export const DEPARTMENT_ADMIN_ROLES = ['ADMIN'] as const;
/** Who adds and removes a department's members. */
export const DEPARTMENT_MEMBER_ROLES = ['ADMIN', 'SUPERVISOR'] as const;

export interface StaffRef {
  id: string;
  name: string;
  email: string;
  active: boolean;
}

export interface DepartmentMemberView {
  staffId: string;
  name: string;
  /** An inactive staff member is listed but never assigned a case. */
  active: boolean;
  handlesFeedback: boolean;
  since: string;
  /** Open FEEDBACK_CASE tasks assigned to them (all departments). */
  openCases: number;
}

export interface DepartmentView {
  code: string;
  name: string;
  active: boolean;
  /** The escalation target at a case's SLA deadline (§5.2). */
  head: StaffRef;
  members: DepartmentMemberView[];
  /** The department's cases still needing work (OPEN_FEEDBACK_STATUSES). */
  openCases: number;
  createdAt: string;
  updatedAt: string;
}

const staffSelect = { id: true, name: true, email: true, active: true } as const;

export const departmentInclude = {
  head: { select: staffSelect },
  members: { include: { staff: { select: staffSelect } }, orderBy: { staffId: 'asc' } },
} as const satisfies Prisma.DepartmentInclude;

type DepartmentRow = Prisma.DepartmentGetPayload<{ include: typeof departmentInclude }>;

/** Open FEEDBACK_CASE tasks per assignee, for the given staff ids (absent: none). */
export async function openCaseLoad(db: Db | DbTx, staffIds: readonly string[]): Promise<Map<string, number>> {
  if (staffIds.length === 0) return new Map();
  const rows = await db.task.groupBy({
    by: ['assigneeStaffId'],
    where: { kind: 'FEEDBACK_CASE', status: 'OPEN', assigneeStaffId: { in: [...new Set(staffIds)] } },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [r.assigneeStaffId!, r._count._all]));
}

async function openCasesByDepartment(db: Db | DbTx, codes: readonly string[]): Promise<Map<string, number>> {
  if (codes.length === 0) return new Map();
  const rows = await db.feedbackCase.groupBy({
    by: ['departmentCode'],
    where: { departmentCode: { in: [...codes] }, status: { in: [...OPEN_FEEDBACK_STATUSES] } },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [r.departmentCode, r._count._all]));
}

/** The views of `rows`, with each member's load and each department's open cases (two queries for all). */
export async function toDepartmentViews(db: Db | DbTx, rows: DepartmentRow[]): Promise<DepartmentView[]> {
  const [load, open] = await Promise.all([
    openCaseLoad(
      db,
      rows.flatMap((d) => d.members.map((m) => m.staffId)),
    ),
    openCasesByDepartment(
      db,
      rows.map((d) => d.code),
    ),
  ]);
  return rows.map((d) => ({
    code: d.code,
    name: d.name,
    active: d.active,
    head: d.head,
    members: d.members.map((m) => ({
      staffId: m.staffId,
      name: m.staff.name,
      active: m.staff.active,
      handlesFeedback: m.handlesFeedback,
      since: m.since.toISOString(),
      openCases: load.get(m.staffId) ?? 0,
    })),
    openCases: open.get(d.code) ?? 0,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  }));
}

export const departmentNotFound = (code: string) => new NotFoundError(`department ${code} does not exist`);

/** One department's view, or NotFoundError. */
export async function departmentView(db: Db | DbTx, code: string): Promise<DepartmentView> {
  const row = await db.department.findUnique({ where: { code }, include: departmentInclude });
  if (!row) throw departmentNotFound(code);
  const [view] = await toDepartmentViews(db, [row]);
  return view!;
}

/**
 * Locks the department's row for the rest of the transaction (so a concurrent change waits and the
 * audit record's "before" is the truth) and returns it; NotFoundError when it does not exist.
 */
export async function lockDepartment(tx: DbTx, code: string) {
  const locked = await tx.$queryRaw<{ code: string }[]>`SELECT "code" FROM "Department" WHERE "code" = ${code} FOR UPDATE`;
  if (locked.length === 0) throw departmentNotFound(code);
  return tx.department.findUniqueOrThrow({ where: { code } });
}

/** 400 on `field` unless `staffId` names an active staff member. */
export async function requireActiveStaff(db: Db | DbTx, field: string, staffId: string): Promise<StaffRef & { roles: string[] }> {
  const staff = await db.staffMember.findUnique({ where: { id: staffId }, select: { ...staffSelect, roles: true } });
  if (!staff) throw new ValidationError([{ field, value: staffId, reason: 'no such staff member' }]);
  if (!staff.active) throw new ValidationError([{ field, value: staffId, reason: 'staff member is inactive' }]);
  return staff;
}

/**
 * The member of the department a new case goes to: among its members who handle feedback and are
 * active (in an active department), the one with the fewest open FEEDBACK_CASE tasks; on a tie the one
 * assigned a case longest ago (never first), then by staff id. Null when the department has nobody
 * to take a case (inactive, unknown, or no such member): the caller escalates or leaves it unassigned.
 * §3.1, §7.1: members whose foundation course is not complete take no cases (src/training/gate.ts).
 *
 * Call it in the transaction that opens the case's task: it takes a per-department advisory lock, so
 * concurrent assignments in one department see each other's tasks and spread instead of all picking
 * the same person. (Called outside a transaction, the lock is released at once: still correct, only
 * concurrent callers may then pick the same person.)
 */
export async function leastLoadedHandler(tx: Db | DbTx, departmentCode: string): Promise<string | null> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`feedback-assignment:${departmentCode}`}))`;
  const rows = await tx.$queryRaw<{ staffId: string }[]>`
    SELECT m."staffId"
    FROM "DepartmentMember" m
    JOIN "Department" d ON d."code" = m."departmentCode" AND d."active"
    JOIN "StaffMember" s ON s."id" = m."staffId" AND s."active" AND s."foundationCompletedAt" IS NOT NULL
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE t."status" = 'OPEN') AS "open", max(t."createdAt") AS "lastAssignedAt"
      FROM "Task" t
      WHERE t."assigneeStaffId" = m."staffId" AND t."kind" = 'FEEDBACK_CASE'
    ) l ON true
    WHERE m."departmentCode" = ${departmentCode} AND m."handlesFeedback"
    ORDER BY l."open" ASC, l."lastAssignedAt" ASC NULLS FIRST, m."staffId" ASC
    LIMIT 1`;
  return rows[0]?.staffId ?? null;
}
