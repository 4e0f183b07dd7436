/**
 * Use case: a staff member acknowledges a reminder. Sent as the workflow's `acknowledge` update,
 * so the caller learns at once whether it was accepted (before the due time it cancels the reminder).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { isWorkflowGone } from '../temporal/workflow-gone';
import { z } from 'zod';
import { ConflictError, NotFoundError, parseInput } from '../shared/errors';
import { ForbiddenError, type Actor } from '../security/auth';
import { acknowledgeUpdate } from '../../workflows/staff-reminder';
import type { ReminderDeps } from './create-reminder';
import { toReminderView, type ReminderView } from './reminder-view';

/** `staffId` defaults to the caller; acknowledging for someone else takes SUPERVISOR or ADMIN (§3.1). */
export const acknowledgeReminderInput = z.strictObject({ staffId: z.string().min(1).max(64).optional() });

const ACK_FOR_OTHERS: Actor['roles'] = ['SUPERVISOR', 'ADMIN'];

export async function acknowledgeReminder(
  deps: Pick<ReminderDeps, 'db' | 'temporal'>,
  key: string,
  body: unknown,
  actor: Actor,
): Promise<ReminderView> {
  const parsed = parseInput(acknowledgeReminderInput, body ?? {});
  const input = { staffId: parsed.staffId ?? actor.staffId };
  if (input.staffId !== actor.staffId && !actor.roles.some((r) => ACK_FOR_OTHERS.includes(r))) {
    throw new ForbiddenError(`staff member ${actor.staffId} may acknowledge only as themselves (acknowledging for ${input.staffId} takes SUPERVISOR or ADMIN)`);
  }
  const row = await deps.db.reminder.findUnique({ where: { key } });
  if (!row) throw new NotFoundError(`reminder ${key} does not exist`);
  try {
    const state = await deps.temporal.workflow.getHandle(row.workflowId).executeUpdate(acknowledgeUpdate, { args: [input] });
    return toReminderView(row, state);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new ConflictError(err.cause?.message ?? err.message, toReminderView(row));
    }
    if (isWorkflowGone(err)) {
      const current = await deps.db.reminder.findUniqueOrThrow({ where: { key } });
      throw new ConflictError(`reminder is ${current.status} and can no longer be acknowledged`, toReminderView(current));
    }
    throw err;
  }
}

