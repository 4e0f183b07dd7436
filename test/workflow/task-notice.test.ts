/**
 * taskReassignedNotice (workflows/task-notice.ts; issue 12 supervisor reassign) on the time-skipping
 * server with the real activities, PostgreSQL and SMTP: a reassignment (src/tasks/reassign-task.ts)
 * commits the task, its audit record and the outbox record of the notice; the notice emails the new
 * assignee once, with the reason read from the audit record; a notice whose task went to someone else
 * before it ran sends nothing.
 *
 * CCM_HISTORY_LABEL=v<n>: this run's histories for the replay test (test/workflow/replay.test.ts), in
 * the form test/workflow/record-histories.ts writes (saveHistories: ids and codes only).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { reassignTask } from '../../src/tasks/reassign-task';
import { taskReassignedWorkflowId, type taskReassignedNotice } from '../../workflows/task-notice';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { saveHistories, timeSkippingStack } from '../support/workflow-stack';

const TASK_QUEUE = 'task-notice-test';
const policy = DEFAULT_POLICY;
const DAY = 86_400_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
timeSkippingStack({ taskQueue: TASK_QUEUE, policy }, (s) => ({ env, db, smtp } = s));

const deps = () => ({ db, temporal: env.client, taskQueue: TASK_QUEUE, policy, ring: developmentKeyRing(), clock: systemClock });

async function serviceTeamReview() {
  const customerId = unique('cus');
  const id = `review:${customerId}:3`;
  await db.task.create({
    data: { id, kind: 'PERIODIC_REVIEW', subject: `Periodic review of customer ${customerId}, cycle 4 (§3.2)`, customerId, team: 'CUSTOMER_SERVICE', dueAt: new Date(Date.now() - 10 * DAY), overdueAt: new Date(Date.now() - DAY), workflowId: `customer-${customerId}`, policyVersion: policy.version },
  });
  return id;
}

test("a reassignment's notice emails the new assignee once, with the reason", async () => {
  const supervisor = await createStaff(db, 'Sue Pervisor', ['SUPERVISOR']);
  const agent = await createStaff(db, 'Carl Service', ['CUSTOMER_SERVICE']);
  const taskId = await serviceTeamReview();

  const view = await reassignTask(deps(), { staffId: supervisor.id, roles: ['SUPERVISOR'] }, taskId, { toStaffId: agent.id, reason: 'the team queue is long' });
  expect([view.assigneeStaffId, view.team]).toEqual([agent.id, 'CUSTOMER_SERVICE']);

  const handle = env.client.workflow.getHandle<typeof taskReassignedNotice>(taskReassignedWorkflowId(taskId, 1));
  expect(await handle.result()).toEqual({ outcome: 'SENT' });
  const mails = smtp.to(agent.email);
  expect(mails).toHaveLength(1);
  expect(mails[0]!.subject).toBe(`Task reassigned to you: Periodic review of customer ${view.customerId}, cycle 4 (§3.2)`);
  expect(mails[0]!.text).toContain('Sue Pervisor (');
  expect(mails[0]!.text).toContain('has reassigned a task to you from team CUSTOMER_SERVICE.');
  expect(mails[0]!.text).toMatch(/Reason: +the team queue is long/);
  expect(mails[0]!.headers.get('x-idempotency-key')).toBe(`task-reassigned:${taskId}:1`);
  await saveHistories(env.client, process.env.CCM_HISTORY_LABEL, 'task-reassigned', [taskReassignedWorkflowId(taskId, 1)]);
});

test('a notice whose task went to someone else before it ran sends nothing; the later one is sent', async () => {
  const supervisor = await createStaff(db, 'Sam Pervisor', ['SUPERVISOR']);
  const [first, second] = [await createStaff(db, 'Fay First', ['CUSTOMER_SERVICE']), await createStaff(db, 'Sid Second', ['CUSTOMER_SERVICE'])];
  const taskId = await serviceTeamReview();
  const actor = { staffId: supervisor.id, roles: ['SUPERVISOR' as const] };

  await reassignTask(deps(), actor, taskId, { toStaffId: first.id, reason: 'first' });
  await env.client.workflow.getHandle(taskReassignedWorkflowId(taskId, 1)).result();
  // The first notice is sent; the second reassignment goes on before its own notice runs … and is sent too.
  await reassignTask(deps(), actor, taskId, { toStaffId: second.id, reason: 'second' });
  expect(await env.client.workflow.getHandle(taskReassignedWorkflowId(taskId, 2)).result()).toEqual({ outcome: 'SENT' });
  expect([smtp.to(first.email).length, smtp.to(second.email).length]).toEqual([1, 1]);

  // A notice that runs after its task moved on (a start delayed by the outbox): SKIPPED, no email.
  const handle = await env.client.workflow.start('taskReassignedNotice', { taskQueue: TASK_QUEUE, workflowId: unique('late-notice'), args: [{ taskId, n: 1, toStaffId: first.id, byStaffId: supervisor.id }] });
  expect(await handle.result()).toEqual({ outcome: 'ALREADY_SENT' });
  const stale = await env.client.workflow.start('taskReassignedNotice', { taskQueue: TASK_QUEUE, workflowId: unique('late-notice'), args: [{ taskId, n: 9, toStaffId: first.id, byStaffId: supervisor.id }] });
  expect(await stale.result()).toEqual({ outcome: 'SKIPPED' });
  expect(smtp.to(first.email)).toHaveLength(1);
});
