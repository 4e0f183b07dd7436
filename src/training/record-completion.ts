/**
 * Use case (§7.1): the trainer records a module done — POST
 * /staff/:id/training/:programme/modules/:module/complete, `ccm training complete`.
 *
 * - Who: the enrolment's trainer (or the programme's), a SUPERVISOR or an ADMIN — never the trainee
 *   themselves (403 with the reason).
 * - Input: `score` (0–100, whole) — required for an assessed module, refused for one that is not
 *   (400 naming the field); `notes` (≤ 1000 characters, kept on the task).
 * - A passing score (or a module without assessment): one transaction closes the module's Task DONE
 *   with the record (score, passed, who, notes), answers its reminders, and writes
 *   `training.module.complete`; then the workflow is told (signal `moduleCompleted`, best effort: the
 *   database is the truth and the workflow re-reads it at its next step). When the last module is
 *   done the workflow issues the certificate (and lifts the §3.1 gate for the foundation course).
 * - A score below the pass score: the attempt is recorded on the task (`training.module.attempt`),
 *   the module stays open (its escalation still comes when it is overdue); answered with passed false.
 * - 404: no such enrolment or module; 409: the module is closed already, or the workflow has not
 *   opened it yet (retry in a moment).
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import type { Prisma } from '../db/generated/client';
import { passes } from '../domain/training';
import type { Policy } from '../policy/policy';
import { ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../shared/errors';
import { answerTaskReminders, closeTask } from '../tasks/tasks';
import { moduleCompletedSignal } from '../../workflows/training/definitions';
import { enrolledModules, moduleTaskId, outcomeOf, type ModuleOutcome } from './records';
import { enrolmentView, type EnrolmentView } from './views';

export const RECORD_COMPLETION_ROLES = ['SUPERVISOR', 'ADMIN'] as const;

export const recordCompletionInput = z.strictObject({
  score: z.number({ error: 'a score 0–100' }).int('a whole number').min(0, '0–100').max(100, '0–100').optional(),
  notes: z.string({ error: 'text' }).trim().max(1000, 'at most 1000 characters').optional(),
});

export interface CompletionResult {
  moduleCode: string;
  passed: boolean;
  /** The module's task after the record: DONE, or OPEN after a failed attempt. */
  moduleStatus: 'DONE' | 'OPEN';
  /** Whether the workflow was told now (false: Temporal was not reached; it catches up at its next step). */
  workflowTold: boolean;
  enrolment: EnrolmentView;
}

export async function recordModuleCompletion(
  deps: { db: Db; temporal?: Client; policy: Policy; clock: Clock },
  actor: Actor,
  staffId: string,
  programmeCode: string,
  moduleCode: string,
  body: unknown,
  ctx: { requestId?: string } = {},
): Promise<CompletionResult> {
  const { db, policy } = deps;
  const e = await db.trainingEnrolment.findUnique({ where: { staffId_programmeCode: { staffId, programmeCode } }, include: { programme: true } });
  if (!e) throw new NotFoundError(`staff member ${staffId} is not enrolled in ${programmeCode}`);
  if (actor.staffId === staffId) throw new ForbiddenError(`staff member ${staffId} may not record their own training (§7.1): the trainer records it`);
  const trainers = [e.trainerStaffId, e.programme.trainerStaffId].filter((t): t is string => Boolean(t));
  if (!trainers.includes(actor.staffId) && !actor.roles.some((r) => (RECORD_COMPLETION_ROLES as readonly string[]).includes(r))) {
    throw new ForbiddenError(`staff member ${actor.staffId} may not record ${programmeCode} modules: only its trainer${trainers.length ? ` (${trainers.join(', ')})` : ''}, a SUPERVISOR or an ADMIN may`);
  }
  const input = parseInput(recordCompletionInput, body);
  const module = enrolledModules(e.modules).find((m) => m.code === moduleCode);
  if (!module) throw new NotFoundError(`programme ${programmeCode} has no module ${moduleCode} in this enrolment`);
  if (module.assessed && input.score === undefined) throw new ValidationError([{ field: 'score', reason: `module ${moduleCode} is assessed: give the score 0–100` }]);
  if (!module.assessed && input.score !== undefined) throw new ValidationError([{ field: 'score', value: input.score, reason: `module ${moduleCode} has no assessment: leave score out` }]);
  const id = moduleTaskId(e, moduleCode);
  const task = await db.task.findUnique({ where: { id } });
  if (!task) throw new ConflictError(`module ${moduleCode} is not open yet: the training workflow ${e.workflowId} is planning the course; retry in a moment`);
  if (task.status !== 'OPEN') throw new ConflictError(`module ${moduleCode} is ${task.status} already`);

  const at = deps.clock.now();
  const passed = input.score === undefined ? true : passes(input.score, module, policy);
  const before = outcomeOf(task.outcome);
  await db.$transaction(async (tx) => {
    if (!passed) {
      const attempts = [...(before.attempts ?? []), { score: input.score!, at: at.toISOString(), recordedByStaffId: actor.staffId }];
      const { count } = await tx.task.updateMany({ where: { id, status: 'OPEN' }, data: { outcome: { ...before, attempts } } });
      if (count === 0) throw new ConflictError(`module ${moduleCode} is closed already`);
      await writeAudit(tx, { actorStaffId: actor.staffId, action: 'training.module.attempt', entity: 'Task', entityId: id, changes: { score: { before: null, after: input.score! }, passed: { before: null, after: false } }, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) });
      return;
    }
    const outcome: ModuleOutcome = {
      ...before,
      ...(input.score !== undefined ? { score: input.score, passed: true } : { passed: true }),
      ...(input.notes ? { notes: input.notes } : {}),
      recordedByStaffId: actor.staffId,
      completedAt: at.toISOString(),
    };
    if (!(await closeTask(tx, { id, status: 'DONE', at, byStaffId: actor.staffId, outcome: outcome as unknown as Prisma.InputJsonValue }))) throw new ConflictError(`module ${moduleCode} is closed already`);
    await answerTaskReminders(tx, id, actor.staffId, at);
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'training.module.complete',
      entity: 'Task',
      entityId: id,
      changes: { status: { before: 'OPEN', after: 'DONE' }, ...(input.score !== undefined ? { score: { before: null, after: input.score } } : {}) },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
  });

  let workflowTold = false;
  if (passed && deps.temporal) {
    try {
      await deps.temporal.workflow.getHandle(e.workflowId).signal(moduleCompletedSignal, { moduleCode });
      workflowTold = true;
    } catch {
      // Recorded already: the workflow re-reads the progress at its next step (or daily); a finished one needs nothing.
      workflowTold = false;
    }
  }
  const fresh = await db.trainingEnrolment.findUniqueOrThrow({ where: { id: e.id }, include: { certificate: true } });
  return { moduleCode, passed, moduleStatus: passed ? 'DONE' : 'OPEN', workflowTold, enrolment: await enrolmentView(db, fresh, at) };
}
