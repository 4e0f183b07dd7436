/**
 * Use case (issue 12 "Supervisor: … reassign"; §3.2 reviews, §5.1 meetings and contacts, §5.2 cases,
 * §6.2 "escalation to supervisors"): a supervisor gives an open task to another suitable staff member.
 *
 * - Who: TASK_REASSIGN_ROLES (SUPERVISOR, ADMIN; others 403 before anything is read, as
 *   src/feedback/reassign-feedback.ts). Unknown task → 404.
 * - Input `{ toStaffId, reason }` (reason 1–500 characters, trimmed): 400 naming the field, nothing written.
 * - A §5.2 FEEDBACK_CASE task goes through the case's own reassignment (reassignFeedback: the case's
 *   workflow moves the handler, the task and the SLA, audits feedback.reassign and emails the handler).
 * - Tasks that belong to one person by definition — a trainee's TRAINING_MODULE (§7.1), a manager's
 *   STAFF_GUIDANCE on their own staff (§7.2) — are refused with 409 and the reason; a task not OPEN
 *   → 409; the same assignee → 409.
 * - Who may take it (REASSIGN_RULES, `takerRefusal`): an active staff member whose foundation course
 *   is complete (§3.1, §7.1 src/training/gate.ts, as every assignment rule) and who holds the role the
 *   kind is opened for — a customer's review, meeting or contact (activities/lifecycle.ts workerFor): a
 *   RELATIONSHIP_MANAGER or a member of the task's team (the service team); a risk investigation or
 *   mitigation plan (activities/risk.ts): a RISK_OFFICER. §3.1 "access by role and need": a
 *   RELATIONSHIP_MANAGER-only taker must already look after the customer (src/customers/access.ts
 *   managedBy: its manager or an active RelationshipAssignment) — a task does not widen what they see,
 *   and without it they could not open the customer to do the work (404). Otherwise 400 on `toStaffId`.
 * - One transaction: the task's assignee (its team kept), the reminders of the task that have not
 *   escalated (SCHEDULED or DUE) to the new assignee — the reminder ladder's activities read
 *   Reminder.staffId when they send (activities/reminder-ladder.ts, reminders.ts), so the remaining
 *   reminders go to the new person without any workflow change; its escalation contact is moved off
 *   the new assignee if it was them — the audit record `task.reassign` (before/after, reason, the
 *   customer), and the outbox record of the notice to the new assignee (workflow
 *   task-reassigned-<taskId>-<n>: one email, key `task-reassigned:<taskId>:<n>`, after the commit).
 */
import { z } from 'zod';
import { writeAudit, type FieldChanges } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { StaffRole, Task, TaskKind } from '../db/generated/client';
import { managedBy } from '../customers/access';
import { reassignFeedback } from '../feedback/reassign-feedback';
import { reasonField, staffIdField, type FeedbackDeps } from '../feedback/cases';
import { startRecord, starterFor, type StartRequest, type WorkflowStarter } from '../outbox/workflow-starts';
import { requireRole, type Actor } from '../security/auth';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../shared/errors';
import { SA } from '../temporal/search-attributes';
import { untrainedReason } from '../training/gate';
import { taskReassignedKey, taskReassignedWorkflowId, type TaskReassignedNoticeInput } from '../../workflows/task-notice';
import { supervisorOtherThan, toTaskView, type TaskView } from './tasks';

export const TASK_REASSIGN_ROLES = ['SUPERVISOR', 'ADMIN'] as const satisfies readonly StaffRole[];

export const reassignTaskInput = z.strictObject({
  /** The new assignee: an active, trained staff member who may take this kind of task. */
  toStaffId: staffIdField,
  reason: reasonField,
});

/** Who may take a task of each kind; `personal`: nobody else, with the reason. */
export type ReassignRule =
  | { takers: 'customer-work'; roles: readonly StaffRole[]; clause: string }
  | { takers: 'role'; roles: readonly StaffRole[]; clause: string }
  | { takers: 'feedback-case' }
  | { takers: 'personal'; reason: string };

export const REASSIGN_RULES: Record<TaskKind, ReassignRule> = {
  PERIODIC_REVIEW: { takers: 'customer-work', roles: ['RELATIONSHIP_MANAGER'], clause: '§3.2' },
  RELATIONSHIP_MEETING: { takers: 'customer-work', roles: ['RELATIONSHIP_MANAGER'], clause: '§5.1' },
  CUSTOMER_CONTACT: { takers: 'customer-work', roles: ['RELATIONSHIP_MANAGER'], clause: '§5.1' },
  FEEDBACK_CASE: { takers: 'feedback-case' },
  RISK_INVESTIGATION: { takers: 'role', roles: ['RISK_OFFICER'], clause: '§6.2' },
  MITIGATION_PLAN: { takers: 'role', roles: ['RISK_OFFICER'], clause: '§6.2' },
  TRAINING_MODULE: { takers: 'personal', reason: "it is a module of one trainee's own course (§7.1): only they can take it; its trainer records it" },
  STAFF_GUIDANCE: { takers: 'personal', reason: "it is a manager's guidance notes on their own staff's assessments (§7.2): only that manager can write them" },
};

/** The facts about the proposed taker that decide whether they may take the task. */
export interface Taker {
  id: string;
  active: boolean;
  foundationTrained: boolean;
  roles: readonly string[];
  expertise: readonly string[];
  /** Whether they look after the task's customer (manager or active assignment); only asked of RELATIONSHIP_MANAGER-only takers. */
  looksAfterCustomer: boolean;
}

/** True when the roles are RELATIONSHIP_MANAGER alone (src/customers/access.ts isManagerScoped). */
export const managerScopedRoles = (roles: readonly string[]) => roles.length > 0 && roles.every((r) => r === 'RELATIONSHIP_MANAGER');

/** Pure: why `taker` may not take `task` (undefined: they may). Null taker: no such staff member. */
export function takerRefusal(task: Pick<Task, 'kind' | 'team' | 'customerId'>, taker: Taker | null): string | undefined {
  if (!taker) return 'no such staff member';
  if (!taker.active) return 'staff member is inactive';
  if (!taker.foundationTrained) return untrainedReason(taker.id, 'be assigned customers'); // §3.1, §7.1
  const rule = REASSIGN_RULES[task.kind];
  if (rule.takers === 'personal' || rule.takers === 'feedback-case') return undefined; // refused or decided elsewhere
  const hasRole = rule.roles.some((r) => taker.roles.includes(r));
  if (rule.takers === 'role') {
    return hasRole ? undefined : `not a ${rule.roles.join(' or ')}: a ${task.kind} task is a ${rule.roles.join(' or ')}'s work (${rule.clause})`;
  }
  const inTeam = task.team !== null && (taker.roles.includes(task.team) || taker.expertise.includes(task.team));
  if (!hasRole && !inTeam) {
    return `not a ${rule.roles.join(' or ')}${task.team ? ` or a member of team ${task.team}` : ''}: a ${task.kind} task is a relationship manager's work (${rule.clause})`;
  }
  if (task.customerId && managerScopedRoles(taker.roles) && !taker.looksAfterCustomer) {
    return `does not look after customer ${task.customerId} (§3.1 access by role and need: a RELATIONSHIP_MANAGER works only on the customers they manage or are assigned to); assign them to the customer first`;
  }
  return undefined;
}

/** The task id of a §5.2 case's task is feedback:<caseNo>:<slaRound> (src/tasks/tasks.ts taskId.feedback). */
export function caseNoOfTask(id: string): string | null {
  const m = /^feedback:(.+):\d+$/.exec(id);
  return m ? m[1]! : null;
}

export type ReassignTaskDeps = FeedbackDeps & { starter?: WorkflowStarter };

export async function reassignTask(deps: ReassignTaskDeps, actor: Actor, taskId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<TaskView> {
  requireRole(actor, ...TASK_REASSIGN_ROLES);
  const { db } = deps;
  const task = typeof taskId === 'string' && taskId.length <= 200 ? await db.task.findUnique({ where: { id: taskId } }) : null;
  if (!task) throw new NotFoundError(`task ${taskId} does not exist`);
  const input = parseInput(reassignTaskInput, body);

  const rule = REASSIGN_RULES[task.kind];
  if (rule.takers === 'personal') throw new ConflictError(`task ${task.id} cannot be reassigned: ${rule.reason}`, toTaskView(task, deps.clock.now()));
  if (task.status !== 'OPEN') throw new ConflictError(`task ${task.id} is ${task.status}: only an open task can be reassigned`, toTaskView(task, deps.clock.now()));
  if (task.assigneeStaffId === input.toStaffId) throw new ConflictError(`task ${task.id} is already assigned to ${input.toStaffId}: nothing to reassign`, toTaskView(task, deps.clock.now()));

  if (rule.takers === 'feedback-case') {
    const caseNo = caseNoOfTask(task.id);
    if (!caseNo) throw new ConflictError(`task ${task.id} names no feedback case: it cannot be reassigned here`);
    // §5.2: the case's own reassignment moves its handler, its task and its SLA (and audits and emails).
    await reassignFeedback(deps, actor, caseNo, { toStaffId: input.toStaffId, reason: input.reason });
    return toTaskView(await db.task.findUniqueOrThrow({ where: { id: task.id } }), deps.clock.now());
  }

  const refusal = takerRefusal(task, await takerFacts(db, input.toStaffId, task.customerId));
  if (refusal) throw new ValidationError([{ field: 'toStaffId', value: input.toStaffId, reason: refusal }]);

  const at = deps.clock.now();
  const { updated, start } = await db.$transaction(async (tx) => {
    const { count } = await tx.task.updateMany({ where: { id: task.id, status: 'OPEN', assigneeStaffId: task.assigneeStaffId }, data: { assigneeStaffId: input.toStaffId } });
    if (count === 0) {
      const now = await tx.task.findUniqueOrThrow({ where: { id: task.id } });
      throw new ConflictError(`task ${task.id} changed meanwhile (${now.status}, assigned to ${now.assigneeStaffId ?? 'nobody'}): read it again`, toTaskView(now, at));
    }
    // The reminders still to come go to the new assignee (the ladder reads the row when it sends).
    const reminders = await tx.reminder.findMany({ where: { taskId: task.id, status: { in: ['SCHEDULED', 'DUE'] } }, orderBy: { key: 'asc' } });
    const moved: { key: string; staffId: string; escalationStaffId: string }[] = [];
    for (const r of reminders) {
      const escalationStaffId = r.escalationStaffId === input.toStaffId ? ((await supervisorOtherThan(tx, input.toStaffId)) ?? r.escalationStaffId) : r.escalationStaffId;
      await tx.reminder.updateMany({ where: { key: r.key, status: { in: ['SCHEDULED', 'DUE'] } }, data: { staffId: input.toStaffId, escalationStaffId } });
      moved.push({ key: r.key, staffId: input.toStaffId, escalationStaffId });
    }
    const n = (await tx.auditLog.count({ where: { action: 'task.reassign', entity: 'Task', entityId: task.id } })) + 1;
    const changes: FieldChanges = {
      assigneeStaffId: { before: task.assigneeStaffId, after: input.toStaffId },
      reason: { before: null, after: input.reason },
    };
    if (moved.length) {
      changes.reminders = {
        before: reminders.map((r) => ({ key: r.key, staffId: r.staffId, escalationStaffId: r.escalationStaffId })),
        after: moved,
      };
    }
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'task.reassign',
      entity: 'Task',
      entityId: task.id,
      ...(task.customerId ? { customerId: task.customerId } : {}),
      changes,
      idempotencyKey: taskReassignedKey(task.id, n),
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    const notice: TaskReassignedNoticeInput = { taskId: task.id, n, toStaffId: input.toStaffId, byStaffId: actor.staffId };
    const start: StartRequest = {
      workflowType: 'taskReassignedNotice',
      workflowId: taskReassignedWorkflowId(task.id, n),
      taskQueue: deps.taskQueue,
      args: [notice],
      searchAttributes: [
        { key: SA.ProcessKind, value: 'TASK_NOTICE' },
        { key: SA.StaffId, value: input.toStaffId },
        ...(task.customerId ? [{ key: SA.CustomerId, value: task.customerId }] : []),
      ],
    };
    await tx.workflowStart.create({ data: startRecord(start, at) });
    return { updated: await tx.task.findUniqueOrThrow({ where: { id: task.id } }), start };
  });
  // The notice's workflow after the commit; if Temporal is away, the outbox's reconciler starts it later.
  await starterFor(deps).startWithin(start);
  return toTaskView(updated, at);
}

async function takerFacts(db: Db, staffId: string, customerId: string | null): Promise<Taker | null> {
  const s = await db.staffMember.findUnique({ where: { id: staffId }, select: { id: true, active: true, foundationCompletedAt: true, roles: true, expertise: true } });
  if (!s) return null;
  const looksAfterCustomer =
    customerId !== null && managerScopedRoles(s.roles) ? (await db.customer.count({ where: { AND: [{ id: customerId }, managedBy(s.id)] } })) > 0 : true;
  return { id: s.id, active: s.active, foundationTrained: s.foundationCompletedAt !== null, roles: s.roles, expertise: s.expertise, looksAfterCustomer };
}
