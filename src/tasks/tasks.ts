/**
 * Work for a person — a periodic review (§3.2), a quarterly meeting (§5.1), a contact a person makes
 * (§5.1 SMS, phone) — is one Task: kind, subject (ids and codes only), an assignee or a team, a due
 * time, a status, and the workflow that owns it. Every process opens and closes its tasks through
 * these functions, inside its own transaction, so a task and the change it belongs to commit
 * together; GET /tasks is each staff member's inbox (src/tasks/list-tasks.ts).
 *
 * Idempotent by business key: opening a task that exists returns it unchanged; closing a task that
 * is no longer OPEN changes nothing. A retried activity therefore never opens two or closes twice.
 */
import type { DbTx } from '../db/client';
import type { Prisma, StaffRole, Task, TaskKind, TaskStatus } from '../db/generated/client';
import { FOUNDATION_TRAINED } from '../training/gate';

export type { Task, TaskKind, TaskStatus };

/** Business keys of tasks: readable, and the same whatever retries happen. */
export const taskId = {
  review: (customerId: string, cycle: number) => `review:${customerId}:${cycle}`,
  meeting: (customerId: string, quarter: string) => `meeting:${customerId}:${quarter}`,
  contact: (customerId: string, occasion: string) => `contact:${customerId}:${occasion}`,
  /** §5.2 a feedback case's task of one SLA round (a reopened case gets a new one). */
  feedback: (caseNo: string, slaRound: number) => `feedback:${caseNo}:${slaRound}`,
  /** §6.2 HIGH/D: the risk investigation and its mitigation plan, opened by the assessment that gave the rating. */
  riskInvestigation: (customerId: string, assessmentId: string) => `risk-investigation:${customerId}:${assessmentId}`,
  mitigationPlan: (customerId: string, assessmentId: string) => `mitigation-plan:${customerId}:${assessmentId}`,
  /** §7.1 one module of a staff member's training programme (src/training/, workflow training-<staffId>-<programme>). */
  training: (staffId: string, programmeCode: string, moduleCode: string) => `training:${staffId}:${programmeCode}:${moduleCode}`,
};

export interface OpenTask {
  id: string;
  kind: TaskKind;
  subject: string;
  customerId?: string;
  assigneeStaffId?: string | null;
  team?: string | null;
  dueAt: Date;
  overdueAt?: Date | null;
  workflowId: string;
  policyVersion: string;
}

/** Opens the task, or returns it as it is when it was opened before (a retry). `created` says which. */
export async function openTask(tx: DbTx, t: OpenTask): Promise<{ task: Task; created: boolean }> {
  const existing = await tx.task.findUnique({ where: { id: t.id } });
  if (existing) return { task: existing, created: false };
  const { count } = await tx.task.createMany({
    data: [
      {
        id: t.id,
        kind: t.kind,
        subject: t.subject,
        customerId: t.customerId ?? null,
        assigneeStaffId: t.assigneeStaffId ?? null,
        team: t.team ?? null,
        dueAt: t.dueAt,
        overdueAt: t.overdueAt ?? null,
        workflowId: t.workflowId,
        policyVersion: t.policyVersion,
      },
    ],
    skipDuplicates: true,
  });
  return { task: await tx.task.findUniqueOrThrow({ where: { id: t.id } }), created: count === 1 };
}

export interface CloseTask {
  id: string;
  status: Exclude<TaskStatus, 'OPEN'>;
  at: Date;
  byStaffId?: string | null;
  reason?: string | null;
  /** Replaces the stored outcome when given (what the person recorded). */
  outcome?: Prisma.InputJsonValue;
}

/** Closes an OPEN task; false when it was already closed (nothing changed). */
export async function closeTask(tx: DbTx, c: CloseTask): Promise<boolean> {
  const { count } = await tx.task.updateMany({
    where: { id: c.id, status: 'OPEN' },
    data: {
      status: c.status,
      closedAt: c.at,
      closedByStaffId: c.byStaffId ?? null,
      closeReason: c.reason ?? null,
      ...(c.outcome === undefined ? {} : { outcome: c.outcome }),
    },
  });
  return count === 1;
}

/** Cancels every OPEN task of a customer (it left the bank); returns the ids cancelled. */
export async function cancelOpenTasksOf(tx: DbTx, customerId: string, at: Date, byStaffId: string | null, reason: string): Promise<string[]> {
  const open = await tx.task.findMany({ where: { customerId, status: 'OPEN' }, select: { id: true } });
  if (open.length === 0) return [];
  await tx.task.updateMany({
    where: { id: { in: open.map((t) => t.id) }, status: 'OPEN' },
    data: { status: 'CANCELLED', closedAt: at, closedByStaffId: byStaffId, closeReason: reason },
  });
  return open.map((t) => t.id);
}

/** Marks an OPEN task escalated (overdue) at `at`, once. */
export async function markTaskEscalated(tx: DbTx, id: string, at: Date): Promise<boolean> {
  const { count } = await tx.task.updateMany({ where: { id, status: 'OPEN', escalatedAt: null }, data: { escalatedAt: at } });
  return count === 1;
}

/** Whether `staff` may work on `task`: its assignee, a member of its team (role or expertise), or a supervisor. */
/** The team of a §5.2 department's unassigned feedback cases: its members who handle feedback. */
export const departmentTeam = (departmentCode: string) => `department:${departmentCode}`;

export function mayWorkOn(task: Pick<Task, 'assigneeStaffId' | 'team'>, staff: { id: string; roles: string[]; expertise: string[] }): boolean {
  if (task.assigneeStaffId === staff.id) return true;
  if (task.team && (staff.roles.includes(task.team) || staff.expertise.includes(task.team))) return true;
  return staff.roles.includes('SUPERVISOR');
}

export interface TaskView {
  id: string;
  kind: TaskKind;
  subject: string;
  customerId: string | null;
  assigneeStaffId: string | null;
  team: string | null;
  dueAt: string;
  overdueAt: string | null;
  escalatedAt: string | null;
  /** OPEN tasks past their overdueAt show OVERDUE. */
  status: TaskStatus | 'OVERDUE';
  workflowId: string;
  outcome: unknown;
  createdAt: string;
  closedAt: string | null;
  closedByStaffId: string | null;
  closeReason: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toTaskView(t: Task, now: Date): TaskView {
  const overdue = t.status === 'OPEN' && t.overdueAt !== null && t.overdueAt.getTime() <= now.getTime();
  return {
    id: t.id,
    kind: t.kind,
    subject: t.subject,
    customerId: t.customerId,
    assigneeStaffId: t.assigneeStaffId,
    team: t.team,
    dueAt: t.dueAt.toISOString(),
    overdueAt: iso(t.overdueAt),
    escalatedAt: iso(t.escalatedAt),
    status: overdue ? 'OVERDUE' : t.status,
    workflowId: t.workflowId,
    outcome: t.outcome ?? null,
    createdAt: t.createdAt.toISOString(),
    closedAt: iso(t.closedAt),
    closedByStaffId: t.closedByStaffId,
    closeReason: t.closeReason,
  };
}

/** The work of a task is done: its reminders are answered (CANCELLED before they went out, ACKNOWLEDGED after). */
export async function answerTaskReminders(tx: DbTx, taskId: string, staffId: string | null, at: Date): Promise<void> {
  await tx.reminder.updateMany({ where: { taskId, status: 'SCHEDULED' }, data: { status: 'CANCELLED', cancelledAt: at, acknowledgedAt: at, acknowledgedByStaffId: staffId } });
  await tx.reminder.updateMany({ where: { taskId, status: 'DUE' }, data: { status: 'ACKNOWLEDGED', acknowledgedAt: at, acknowledgedByStaffId: staffId } });
}

/**
 * The active staff member with `role` who has the fewest OPEN tasks (ties: the lowest id); null when nobody has the role.
 * §3.1, §7.1: staff whose foundation course is not complete are skipped (they may not be assigned customers; src/training/gate.ts).
 */
export async function leastLoadedWithRole(tx: DbTx, role: StaffRole): Promise<string | null> {
  const staff = await tx.staffMember.findMany({
    where: { active: true, roles: { has: role }, ...FOUNDATION_TRAINED },
    select: { id: true, _count: { select: { tasks: { where: { status: 'OPEN' } } } } },
  });
  staff.sort((a, b) => a._count.tasks - b._count.tasks || a.id.localeCompare(b.id));
  return staff[0]?.id ?? null;
}

/** Who a task's escalation goes to: the first active SUPERVISOR other than `staffId` (the person reminded); null when there is none. */
export async function supervisorOtherThan(tx: DbTx, staffId: string | null): Promise<string | null> {
  const s = await tx.staffMember.findFirst({ where: { active: true, roles: { has: 'SUPERVISOR' }, ...(staffId ? { id: { not: staffId } } : {}) }, orderBy: { id: 'asc' } });
  return s?.id ?? null;
}
