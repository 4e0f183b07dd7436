/**
 * staffReminder on the time-skipping test server, with the real activities writing to PostgreSQL
 * and sending through a real SMTP server. A reminder due in 30 days and escalated 2 days later runs
 * here in seconds. Policy: the §5.2 escalation mechanism ("reminder before the deadline,
 * escalation at the deadline"), with the grace period from the policy configuration.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { createReminder } from '../../src/reminders/create-reminder';
import { acknowledgeUpdate, reminderStateQuery, type ReminderState } from '../../workflows/staff-reminder';
import type { Db } from '../../src/db/client';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { timeSkippingStack, type TimeSkippingStack } from '../support/workflow-stack';

const DAY = 86_400_000;
const TASK_QUEUE = 'reminders-test';

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
let stack: TimeSkippingStack;
// No worker until a test runs one (runWorker); the reminder's activities run without a Temporal client.
timeSkippingStack({ activities: { temporal: undefined } }, (s) => {
  stack = s;
  ({ env, db, smtp } = s);
});

async function runWorker<T>(fn: () => Promise<T>, dbForActivities: Db = db): Promise<T> {
  const worker = await stack.createWorker(TASK_QUEUE, { db: dbForActivities });
  return worker.runUntil(fn);
}

/** Timers fire at the due instant give or take the workflow task's processing (well under a minute). */
function expectAtAbout(iso: string | undefined, expectedMs: number): void {
  const actual = Date.parse(iso ?? 'missing');
  expect(actual).toBeGreaterThanOrEqual(expectedMs);
  expect(actual - expectedMs).toBeLessThan(60_000);
}

async function setup(dueInMs: number) {
  const [assignee, supervisor] = await Promise.all([createStaff(db, 'Alice Adams'), createStaff(db, 'Sam Super', ['SUPERVISOR'])]);
  const now = await env.currentTimeMs();
  const key = unique('rem');
  const dueAt = new Date(now + dueInMs);
  const view = await createReminder(
    { db, temporal: env.client, taskQueue: TASK_QUEUE, policy: DEFAULT_POLICY },
    { key, staffId: assignee.id, escalationStaffId: supervisor.id, dueAt: dueAt.toISOString(), subject: 'Call back customer 4711' },
  );
  return { assignee, supervisor, key, dueAt, view, handle: env.client.workflow.getHandle(view.workflowId) };
}

test('a reminder due in 30 days is emailed on the day and escalated 2 days later when nobody acknowledges (§5.2)', async () => {
  const { assignee, supervisor, key, dueAt, handle } = await setup(30 * DAY);

  const result: ReminderState = await runWorker(() => handle.result());

  expect(result.status).toBe('ESCALATED');
  expectAtAbout(result.remindedAt, dueAt.getTime());
  expectAtAbout(result.escalatedAt, dueAt.getTime() + 2 * DAY);

  const [toAssignee] = smtp.to(assignee.email);
  expect(toAssignee?.subject).toBe('Reminder: Call back customer 4711');
  expect(toAssignee?.text).toContain(`Acknowledge it in the staff console: http://127.0.0.1:3000/console/reminders/${key}`); // its console page (issue 12)
  expect(toAssignee?.headers.get('x-idempotency-key')).toBe(`reminder:${key}:due`);
  const escalations = smtp.to(supervisor.email);
  expect(escalations).toHaveLength(1);
  expect(escalations[0]?.subject).toBe('Escalation: reminder not acknowledged: Call back customer 4711');
  expect(escalations[0]?.text).toContain('Alice Adams');
  expect(escalations[0]?.text).toContain('within 2 days of it falling due');

  const row = await db.reminder.findUniqueOrThrow({ where: { key } });
  expect(row.status).toBe('ESCALATED');
  expect(row.remindedAt?.toISOString()).toBe(result.remindedAt);
  expect(row.escalatedAt?.toISOString()).toBe(result.escalatedAt);
  const sent = await db.notification.findMany({ where: { idempotencyKey: { startsWith: `reminder:${key}:` } }, orderBy: { createdAt: 'asc' } });
  expect(sent.map((n) => [n.kind, n.status, n.toAddress])).toEqual([
    ['REMINDER_DUE', 'SENT', assignee.email],
    ['REMINDER_ESCALATION', 'SENT', supervisor.email],
  ]);
});

test('acknowledged after the due time: no escalation, state ACKNOWLEDGED', async () => {
  const { assignee, supervisor, key, handle } = await setup(7 * DAY);

  const result = await runWorker(async () => {
    await env.sleep(7 * DAY + 60_000); // one minute after the due time
    await smtp.waitFor(() => smtp.to(assignee.email).length === 1);
    const state = await handle.executeUpdate(acknowledgeUpdate, { args: [{ staffId: assignee.id }] });
    expect(state.status).toBe('ACKNOWLEDGED');
    return handle.result();
  });

  expect(result).toMatchObject({ status: 'ACKNOWLEDGED', acknowledgedBy: assignee.id });
  expect(smtp.to(supervisor.email)).toHaveLength(0);
  const row = await db.reminder.findUniqueOrThrow({ where: { key } });
  expect(row.status).toBe('ACKNOWLEDGED');
  expect(row.acknowledgedByStaffId).toBe(assignee.id);
});

test('acknowledged before the due time: cancelled, nobody is emailed', async () => {
  const { assignee, supervisor, key, handle } = await setup(30 * DAY);

  const result = await runWorker(async () => {
    await env.sleep(DAY);
    const state = await handle.executeUpdate(acknowledgeUpdate, { args: [{ staffId: assignee.id }] });
    expect(state.status).toBe('CANCELLED');
    return handle.result();
  });

  expect(result.status).toBe('CANCELLED');
  expect(smtp.to(assignee.email)).toHaveLength(0);
  expect(smtp.to(supervisor.email)).toHaveLength(0);
  expect((await db.reminder.findUniqueOrThrow({ where: { key } })).status).toBe('CANCELLED');
});

test('an acknowledgement from an unrelated staff member is rejected and changes nothing', async () => {
  const { handle, assignee } = await setup(3 * DAY);
  const stranger = await createStaff(db, 'Other Person');

  await runWorker(async () => {
    const err = await handle.executeUpdate(acknowledgeUpdate, { args: [{ staffId: stranger.id }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause?.message).toBe(
      `staff member ${stranger.id} is neither the assignee nor the escalation contact of this reminder`,
    );
    expect((await handle.query(reminderStateQuery)).status).toBe('SCHEDULED');
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ staffId: assignee.id }] });
    await handle.result();
  });
});

test('a retried activity sends its email once: the database write after the send fails on the first attempt', async () => {
  const { assignee, handle, key } = await setup(DAY);
  let failures = 0;
  // Fault injection on the real client: the first "mark reminder DUE" write fails after the email went out.
  const flakyDb = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'reminder') return Reflect.get(target, prop, receiver);
      const delegate = target.reminder;
      return new Proxy(delegate, {
        get(d, p) {
          if (p === 'updateMany' && failures === 0) {
            return async () => {
              failures += 1;
              throw new Error('connection reset (injected)');
            };
          }
          const v = Reflect.get(d, p) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(d) : v;
        },
      });
    },
  });

  await runWorker(async () => {
    await env.sleep(DAY + 60_000);
    await smtp.waitFor(() => smtp.to(assignee.email).length >= 1);
    const state = await handle.executeUpdate(acknowledgeUpdate, { args: [{ staffId: assignee.id }] });
    expect(state.status).toBe('ACKNOWLEDGED');
    await handle.result();
  }, flakyDb);

  expect(failures).toBe(1);
  expect(smtp.to(assignee.email)).toHaveLength(1);
  const history = await handle.fetchHistory();
  const failed = history.events?.filter((e) => e.activityTaskStartedEventAttributes?.attempt && e.activityTaskStartedEventAttributes.attempt > 1);
  expect(failed?.length).toBeGreaterThanOrEqual(1);
  const n = await db.notification.findUniqueOrThrow({ where: { idempotencyKey: `reminder:${key}:due` } });
  expect(n).toMatchObject({ status: 'SENT', attempts: 1 });
});
