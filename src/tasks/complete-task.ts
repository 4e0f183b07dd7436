/**
 * Use case (§5.1): a person made a contact the lifecycle asked for — a birthday greeting or a news
 * digest by SMS or phone (a CUSTOMER_CONTACT task) — and records how it went. Reviews and meetings
 * have their own endpoints (409 naming them).
 *
 * - Who: whoever may work on the task (its assignee, a member of its team, a SUPERVISOR: mayWorkOn);
 *   others 403. A RELATIONSHIP_MANAGER-only actor gets 404 for tasks of customers they do not look after.
 * - One transaction: the task DONE with the outcome (and notes) the person recorded, the contact
 *   history's event for the task DONE with `detail.outcome` (codes only; notes stay on the task), and
 *   the audit record `task.complete`. A task already closed → 409.
 */
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError, parseInput } from '../shared/errors';
import { customerScope, isManagerScoped } from '../customers/access';
import { staffFacts } from '../lifecycle/customer-work';
import { closeTask, mayWorkOn, toTaskView, type TaskView } from './tasks';

export const CONTACT_OUTCOMES = ['REACHED', 'NO_ANSWER', 'DECLINED', 'WRONG_NUMBER'] as const;

export const completeTaskInput = z.strictObject({
  outcome: z.enum(CONTACT_OUTCOMES, { error: `one of ${CONTACT_OUTCOMES.join(', ')}` }),
  notes: z.string({ error: 'text' }).trim().max(1000, 'at most 1000 characters').optional(),
});

/** Where the other kinds of task are completed. */
const ENDPOINT_OF = {
  PERIODIC_REVIEW: 'POST /customers/:id/reviews/complete',
  RELATIONSHIP_MEETING: 'POST /customers/:id/meetings',
  /** §5.2: a case's task closes with the case (issue 9). */
  FEEDBACK_CASE: 'POST /feedback/:caseNo/resolve',
  /** §6.2 HIGH/D: the risk officer records the cause analysis, then the mitigation plan (issue 10). */
  RISK_INVESTIGATION: 'POST /customers/:id/risk/investigation',
  MITIGATION_PLAN: 'POST /customers/:id/risk/mitigation-plan',
  /** §7.1 a training module: its trainer records it (issue 11). */
  TRAINING_MODULE: 'POST /staff/:staffId/training/:programme/modules/:module/complete',
  /** §7.2 the guidance task closes when the manager's notes are all written. */
  STAFF_GUIDANCE: 'POST /staff/:staffId/assessments/:period/guidance',
} as const;

export async function completeTask(deps: { db: Db; clock: Clock }, actor: Actor, taskId: string, body: unknown, ctx: { requestId?: string } = {}): Promise<TaskView> {
  const { db } = deps;
  const notFound = () => new NotFoundError(`task ${taskId} does not exist`);
  const task = await db.task.findUnique({ where: { id: taskId } });
  if (!task) throw notFound();
  if (task.customerId && isManagerScoped(actor)) {
    const visible = await db.customer.count({ where: { AND: [{ id: task.customerId }, customerScope(actor)] } });
    if (visible === 0) throw notFound();
  }
  if (!mayWorkOn(task, await staffFacts(db, actor))) {
    throw new ForbiddenError(`staff member ${actor.staffId} may not complete task ${taskId}: only its assignee, a member of its team or a SUPERVISOR may`);
  }
  const input = parseInput(completeTaskInput, body);
  if (task.kind !== 'CUSTOMER_CONTACT') {
    throw new ConflictError(`task ${taskId} is a ${task.kind} task: it is completed through ${ENDPOINT_OF[task.kind].replace(':id', task.customerId ?? ':id')}`);
  }
  if (task.status !== 'OPEN') throw new ConflictError(`task ${taskId} is ${task.status} already`, toTaskView(task, deps.clock.now()));

  const at = deps.clock.now();
  const outcome = { outcome: input.outcome, ...(input.notes ? { notes: input.notes } : {}), recordedByStaffId: actor.staffId };
  const closed = await db.$transaction(async (tx) => {
    if (!(await closeTask(tx, { id: taskId, status: 'DONE', at, byStaffId: actor.staffId, outcome }))) {
      const now = await tx.task.findUniqueOrThrow({ where: { id: taskId } });
      throw new ConflictError(`task ${taskId} is ${now.status} already`, toTaskView(now, at));
    }
    const events = await tx.contactEvent.findMany({ where: { taskId }, select: { id: true, detail: true } });
    for (const e of events) {
      const detail = e.detail !== null && typeof e.detail === 'object' && !Array.isArray(e.detail) ? e.detail : {};
      await tx.contactEvent.update({ where: { id: e.id }, data: { status: 'DONE', staffId: actor.staffId, detail: { ...detail, outcome: input.outcome } } });
    }
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'task.complete',
      entity: 'Task',
      entityId: taskId,
      ...(task.customerId ? { customerId: task.customerId } : {}),
      changes: { status: { before: 'OPEN', after: 'DONE' }, outcome: { before: null, after: input.outcome } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    return tx.task.findUniqueOrThrow({ where: { id: taskId } });
  });
  return toTaskView(closed, at);
}
