/**
 * Use case: a reminder's state, live from its workflow (query `state`) or, once gone — or while
 * Temporal is unreachable (issue 7: a read degrades instead of failing) — from the database
 * (`source: "database"`, which the activities keep in step: DUE is recorded before the email goes out).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { NotFoundError } from '../shared/errors';
import { outageOf } from '../api/outage';
import { reminderStateQuery, type ReminderState } from '../../workflows/staff-reminder';
import type { ReminderDeps } from './create-reminder';
import { toReminderView, type ReminderView } from './reminder-view';

export async function getReminder(deps: Pick<ReminderDeps, 'db' | 'temporal'>, key: string): Promise<ReminderView> {
  const row = await deps.db.reminder.findUnique({ where: { key } });
  if (!row) throw new NotFoundError(`reminder ${key} does not exist`);
  let live: ReminderState | undefined;
  try {
    live = await deps.temporal.workflow.getHandle(row.workflowId).query(reminderStateQuery);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError) && outageOf(err)?.dependency !== 'temporal') throw err;
  }
  return toReminderView(row, live);
}
