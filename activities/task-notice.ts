/**
 * The email of a task reassignment (workflows/task-notice.ts, src/tasks/reassign-task.ts): to the new
 * assignee, once (notification key `task-reassigned:<taskId>:<n>`), with the reason the supervisor
 * gave (read from the reassignment's audit record, whose idempotency key is the same key: free text
 * never goes through Temporal). A task that is no longer OPEN, or that went to someone else since,
 * needs no email: SKIPPED.
 */
import { ApplicationFailure } from '@temporalio/common';
import { bankTimeZone, type Policy } from '../src/policy/policy';
import { consoleLinks, DEFAULT_PUBLIC_BASE_URL } from '../src/console/links';
import { taskReassignedEmail } from '../src/tasks/emails';
import { taskReassignedKey, type TaskReassignedNoticeInput } from '../workflows/task-notice';
import { sendEmailOnce, type NotificationDeps } from './notifications';

export function createTaskNoticeActivities(deps: NotificationDeps & { policy: Policy; publicBaseUrl?: string }) {
  const { db } = deps;
  const links = consoleLinks(deps.publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL);
  const timeZone = bankTimeZone(deps.policy);

  return {
    async sendTaskReassignedEmail(r: TaskReassignedNoticeInput): Promise<{ outcome: 'SENT' | 'ALREADY_SENT' | 'SKIPPED' }> {
      const key = taskReassignedKey(r.taskId, r.n);
      const already = await db.notification.findUnique({ where: { idempotencyKey: key }, select: { status: true } });
      const task = await db.task.findUnique({ where: { id: r.taskId } });
      if (!task) throw ApplicationFailure.create({ type: 'TaskNotFound', message: `task ${r.taskId} does not exist`, nonRetryable: true });
      // Not begun yet and no longer the new assignee's open task: nothing to tell them.
      if (!already && (task.status !== 'OPEN' || task.assigneeStaffId !== r.toStaffId)) return { outcome: 'SKIPPED' };
      const [to, by, audit] = await Promise.all([
        db.staffMember.findUnique({ where: { id: r.toStaffId }, select: { name: true, email: true } }),
        db.staffMember.findUnique({ where: { id: r.byStaffId }, select: { id: true, name: true } }),
        db.auditLog.findFirst({ where: { idempotencyKey: key }, select: { changes: true } }),
      ]);
      if (!to) throw ApplicationFailure.create({ type: 'StaffNotFound', message: `staff member ${r.toStaffId} does not exist`, nonRetryable: true });
      const changes = (audit?.changes ?? {}) as { reason?: { after?: unknown }; assigneeStaffId?: { before?: unknown } };
      const reason = typeof changes.reason?.after === 'string' ? changes.reason.after : null;
      const from = typeof changes.assigneeStaffId?.before === 'string' ? changes.assigneeStaffId.before : task.team ? `team ${task.team}` : null;
      const email = taskReassignedEmail(task, to, by ?? { id: r.byStaffId, name: r.byStaffId }, from, reason, timeZone, links, deps.clock.now());
      const sent = await sendEmailOnce(deps, { idempotencyKey: key, kind: 'TASK_REASSIGNED', recipientStaffId: r.toStaffId, toAddress: to.email, subject: email.subject, body: email.text, html: email.html });
      return { outcome: sent.outcome };
    },
  };
}

export type TaskNoticeActivities = ReturnType<typeof createTaskNoticeActivities>;
