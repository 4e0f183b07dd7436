/**
 * taskReassignedNotice (workflow id `task-reassigned-<taskId>-<n>`, issue 12 supervisor reassign):
 * the email that tells a staff member a supervisor gave them a task (src/tasks/reassign-task.ts).
 * Started through the outbox after the reassignment's commit (src/outbox/workflow-starts.ts), so the
 * email is never sent for a reassignment that rolled back and never lost for one that committed; one
 * activity, its email sent once (notification key `task-reassigned:<taskId>:<n>`). Ids only in its
 * input: the reason and names are read from PostgreSQL by the activity.
 */
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { TaskNoticeActivities } from '../activities/task-notice';
import { EMAIL } from './activity-options';

export interface TaskReassignedNoticeInput {
  taskId: string;
  /** The task's n-th reassignment (1, 2, …): one notice each. */
  n: number;
  toStaffId: string;
  byStaffId: string;
}

export const taskReassignedWorkflowId = (taskId: string, n: number) => `task-reassigned-${taskId}-${n}`;
/** The notification key of the email (and the idempotency key of the reassignment's audit record). */
export const taskReassignedKey = (taskId: string, n: number) => `task-reassigned:${taskId}:${n}`;

const { sendTaskReassignedEmail } = proxyActivities<TaskNoticeActivities>({ ...EMAIL, summary: 'email the new assignee of a reassigned task' });

export async function taskReassignedNotice(input: TaskReassignedNoticeInput): Promise<{ outcome: 'SENT' | 'ALREADY_SENT' | 'SKIPPED' }> {
  setCurrentDetails(`Telling ${input.toStaffId} that task ${input.taskId} was reassigned to them (reassignment ${input.n})`);
  return sendTaskReassignedEmail(input);
}
