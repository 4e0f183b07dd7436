/**
 * Use case (§7.2 "each quarter (short-term, with guidance)"): POST /staff/:id/assessments/:period/guidance
 * { notes } — the manager writes the guidance notes of a staff member's quarter.
 *
 * - Who: the manager recorded on the assessment, or a SUPERVISOR; never the staff member themself (403).
 * - The assessment must exist (404: the period's run or a recompute makes it) and its result not be
 *   emailed yet (409: the staff member has it, with the notes as they were).
 * - One transaction: the notes (replacing earlier ones), who and when, the audit record; when every
 *   assessment of the period this manager writes for has notes, their guidance task is DONE and its
 *   reminders answered (src/tasks/). Then the period's run (staff-assessment-<period>) is signalled
 *   to email the result — best effort: a run that is not running is not needed for the record.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { bankTimeZone, type Policy } from '../policy/policy';
import { ForbiddenError, type Actor } from '../security/auth';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError, parseInput } from '../shared/errors';
import { answerTaskReminders, closeTask } from '../tasks/tasks';
import { guidanceRecordedSignal, staffAssessmentWorkflowId } from '../../workflows/staff-assessment/definitions';
import { periodField, requireStaff } from './access';
import { toAssessmentView, type AssessmentView } from './assessments';
import { guidanceTaskId } from './keys';

export const guidanceInput = z.strictObject({
  notes: z.string({ error: 'text' }).trim().min(1, 'the guidance notes, 1–4000 characters').max(4000, 'at most 4000 characters'),
});

export async function recordGuidance(
  deps: { db: Db; policy: Policy; clock: Clock; temporal?: Client },
  actor: Actor,
  staffId: string,
  periodId: string,
  body: unknown,
  ctx: { requestId?: string } = {},
): Promise<AssessmentView & { taskClosed: string | null }> {
  const { db } = deps;
  await requireStaff(db, staffId);
  const period = periodField(periodId, 'period', bankTimeZone(deps.policy));
  const existing = await db.staffAssessment.findUnique({ where: { staffId_period: { staffId, period: period.id } } });
  if (actor.staffId === staffId) throw new ForbiddenError(`staff member ${actor.staffId} may not write the guidance on their own assessment (§7.2)`);
  const isSupervisor = actor.roles.includes('SUPERVISOR');
  if (!existing) {
    if (!isSupervisor) throw new ForbiddenError(`staff member ${actor.staffId} is not ${staffId}'s manager for ${period.id}: only their manager or a SUPERVISOR may write the guidance`);
    throw new NotFoundError(`staff member ${staffId} has no assessment for ${period.id}: the period's run or a recompute makes it`);
  }
  if (!isSupervisor && existing.managerStaffId !== actor.staffId) {
    throw new ForbiddenError(`staff member ${actor.staffId} is not ${staffId}'s manager for ${period.id} (${existing.managerStaffId ?? 'none recorded'}): only their manager or a SUPERVISOR may write the guidance`);
  }
  const input = parseInput(guidanceInput, body ?? {});
  if (existing.resultEmailedAt) {
    throw new ConflictError(`the ${period.id} result was emailed to ${staffId} at ${existing.resultEmailedAt.toISOString()}: its guidance is final`, toAssessmentView(existing));
  }
  const at = deps.clock.now();
  const managerId = existing.managerStaffId;
  const { record, taskClosed } = await db.$transaction(async (tx) => {
    const { count } = await tx.staffAssessment.updateMany({
      where: { id: existing.id, resultEmailedAt: null },
      data: { guidanceNotes: input.notes, guidanceByStaffId: actor.staffId, guidanceAt: at },
    });
    if (count === 0) throw new ConflictError(`the ${period.id} result was emailed to ${staffId} meanwhile: its guidance is final`);
    await writeAudit(tx, {
      actorStaffId: actor.staffId,
      action: 'staff.assessment.guidance',
      entity: 'StaffAssessment',
      entityId: existing.id,
      changes: { guidanceNotes: { before: existing.guidanceNotes, after: input.notes }, guidanceByStaffId: { before: existing.guidanceByStaffId, after: actor.staffId } },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    });
    let closed: string | null = null;
    if (managerId) {
      const waiting = await tx.staffAssessment.count({ where: { period: period.id, managerStaffId: managerId, guidanceAt: null } });
      const id = guidanceTaskId(period.id, managerId);
      if (waiting === 0 && (await closeTask(tx, { id, status: 'DONE', at, byStaffId: actor.staffId, outcome: { period: period.id } }))) {
        await answerTaskReminders(tx, id, actor.staffId, at);
        closed = id;
      }
    }
    return { record: await tx.staffAssessment.findUniqueOrThrow({ where: { id: existing.id } }), taskClosed: closed };
  });
  if (deps.temporal) {
    await deps.temporal.workflow
      .getHandle(staffAssessmentWorkflowId(period.id))
      .signal(guidanceRecordedSignal, { staffId })
      .catch(() => undefined); // no run in progress: the notes are recorded; a run emails them when it runs
  }
  return { ...toAssessmentView(record), taskClosed };
}
