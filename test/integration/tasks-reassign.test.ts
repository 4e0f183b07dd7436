/**
 * Issue 12 "Supervisor: … reassign" on the real parts: POST /tasks/:id/reassign and
 * `ccm tasks reassign` → src/tasks/reassign-task.ts → this file's PostgreSQL database; the new
 * assignee's email by the notice workflow (task-reassigned-<taskId>-<n>) on the Temporal dev server
 * with a worker running the real activities, to a real SMTP server. Clause ids: ../shared/policy.md.
 *   §3.2 a supervisor gives an overdue periodic review to another relationship manager who looks
 *        after the customer: it leaves the old manager's GET /tasks and shows in the new one's, the
 *        reminder still to come goes to the new manager (the ladder's own activities, as the
 *        lifecycle runs them), task.reassign is audited with the reason, the new manager is emailed;
 *   §3.1 a relationship manager who does not look after the customer cannot take it (400 naming
 *        toStaffId); only SUPERVISOR and ADMIN reassign (403); bad input 400 per field, nothing changed;
 *   409: a closed task, the same assignee, a §7.1 trainee's module; 404: an unknown task;
 *   §5.1 the CLI: a meeting whose reminder already escalated — the task moves, the escalated reminder stays.
 */
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { apiCaller, staffWithKeys, until, type ApiStaff } from '../support/api';
import { ccmRunner, cliKeys } from '../support/cli';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';

const MAIL_FROM = 'care@bank.test';
const policy = DEFAULT_POLICY;
const DAY = 86_400_000;

let stack: ApiStack;
let db: Db;
const call = apiCaller(() => stack.baseUrl);
// The CLI's own data keys, the worker's too (the notice's workflow input goes through the payload codec).
const keys = cliKeys('tr-1');
const ccm = ccmRunner({ keys, taskQueue: () => stack.taskQueue });
const staff = {} as Record<'sup' | 'admin' | 'rmOld' | 'rmNew' | 'rmStranger' | 'cs' | 'risk', ApiStaff>;

let customerId: string;
let reviewId: string;
const reminderKey = () => `review-${customerId}-1`;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring: keys.ring });
  ({ db } = stack);
  await staffWithKeys(db, staff, {
    sup: ['SUPERVISOR'],
    admin: ['ADMIN'],
    rmOld: ['RELATIONSHIP_MANAGER'],
    rmNew: ['RELATIONSHIP_MANAGER'],
    rmStranger: ['RELATIONSHIP_MANAGER'],
    cs: ['CUSTOMER_SERVICE'],
    risk: ['RISK_OFFICER'],
  });
  customerId = unique('cus');
  await db.customer.create({
    data: { id: customerId, type: 'ENTERPRISE', status: 'APPROVED', displayName: 'Reassign Tools LLC', contactPreferences: { email: true }, channel: 'BRANCH', createdByStaffId: staff.cs.id, segment: 'LARGE', serviceTier: 'LARGE', relationshipManagerId: staff.rmOld.id },
  });
  // §4 the new manager is on the customer's relationship team; the stranger is not.
  await db.relationshipAssignment.create({ data: { customerId, staffId: staff.rmNew.id, role: 'TEAM_MEMBER', expertise: 'RELATIONSHIP_TEAM' } });
  const now = Date.now();
  reviewId = `review:${customerId}:1`;
  await db.task.create({
    data: { id: reviewId, kind: 'PERIODIC_REVIEW', subject: `Periodic review of customer ${customerId}, cycle 2 (§3.2)`, customerId, assigneeStaffId: staff.rmOld.id, dueAt: new Date(now - 20 * DAY), overdueAt: new Date(now - DAY), workflowId: `customer-${customerId}`, policyVersion: policy.version },
  });
  // The review's reminder: reminded (DUE), its second reminder and escalation still to come.
  await db.reminder.create({
    data: {
      key: reminderKey(),
      staffId: staff.rmOld.id,
      escalationStaffId: staff.sup.id,
      subject: `Periodic review of customer ${customerId}, cycle 2 (§3.2)`,
      dueAt: new Date(now - 20 * DAY),
      escalatesAt: new Date(now + DAY),
      secondReminderAt: new Date(now + 3_600_000),
      remindedAt: new Date(now - 20 * DAY),
      status: 'DUE',
      policyVersion: policy.version,
      workflowId: `customer-${customerId}/${reminderKey()}`,
      taskId: reviewId,
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const stateOf = async () => {
  const [task, reminder, audits] = await Promise.all([
    db.task.findUniqueOrThrow({ where: { id: reviewId }, select: { assigneeStaffId: true, team: true, status: true } }),
    db.reminder.findUniqueOrThrow({ where: { key: reminderKey() }, select: { staffId: true, escalationStaffId: true, status: true } }),
    db.auditLog.count({ where: { action: 'task.reassign', entityId: reviewId } }),
  ]);
  return { task, reminder, audits };
};
const inboxOf = async (who: ApiStaff) => {
  const res = await call('GET', '/tasks?kind=PERIODIC_REVIEW', { as: who });
  expect(res.status).toBe(200);
  return (res.body.items as { id: string }[]).map((t) => t.id);
};

describe('POST /tasks/:id/reassign', () => {
  test('only SUPERVISOR and ADMIN reassign (403); nothing changes', async () => {
    const before = await stateOf();
    for (const who of [staff.rmOld, staff.cs, staff.risk]) {
      const res = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: who, body: { toStaffId: staff.rmNew.id, reason: 'load' } });
      expect([res.status, res.body.message]).toEqual([403, expect.stringContaining('requires one of the roles SUPERVISOR, ADMIN')]);
    }
    expect(await stateOf()).toEqual(before);
  });

  test('bad input: 400 naming each field with its value and reason; nothing changes', async () => {
    const before = await stateOf();
    const blank = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: ' ', reason: '   ' } });
    expect(blank.status).toBe(400);
    expect(blank.body.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'toStaffId', reason: 'a staff id' }), expect.objectContaining({ field: 'reason', reason: 'must not be blank: say why' })]),
    );
    const long = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: staff.rmNew.id, reason: 'x'.repeat(501) } });
    expect([long.status, long.body.issues]).toEqual([400, [expect.objectContaining({ field: 'reason', reason: 'at most 500 characters' })]]);
    // §3.1 a relationship manager who does not look after the customer; §6.2-only staff; nobody.
    const stranger = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: staff.rmStranger.id, reason: 'load' } });
    expect([stranger.status, stranger.body.issues]).toEqual([400, [{ field: 'toStaffId', value: staff.rmStranger.id, reason: expect.stringMatching(new RegExp(`^does not look after customer ${customerId} \\(§3\\.1`)) }]]);
    const officer = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: staff.risk.id, reason: 'load' } });
    expect(officer.body.issues).toEqual([{ field: 'toStaffId', value: staff.risk.id, reason: "not a RELATIONSHIP_MANAGER: a PERIODIC_REVIEW task is a relationship manager's work (§3.2)" }]);
    const nobody = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: 'stf-nobody', reason: 'load' } });
    expect(nobody.body.issues).toEqual([{ field: 'toStaffId', value: 'stf-nobody', reason: 'no such staff member' }]);
    // §3.1, §7.1 the foundation course not complete.
    await db.staffMember.update({ where: { id: staff.rmNew.id }, data: { foundationCompletedAt: null } });
    const untrained = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: staff.rmNew.id, reason: 'load' } });
    await db.staffMember.update({ where: { id: staff.rmNew.id }, data: { foundationCompletedAt: new Date() } });
    expect(untrained.body.issues).toEqual([{ field: 'toStaffId', value: staff.rmNew.id, reason: expect.stringContaining('has not completed the foundation course (§3.1, §7.1)') }]);
    expect(await stateOf()).toEqual(before);
  });

  test('404 an unknown task; 409 the same assignee, a closed task, a trainee’s own module', async () => {
    const unknown = await call('POST', '/tasks/review:cus-nobody:1/reassign', { as: staff.sup, body: { toStaffId: staff.rmNew.id, reason: 'load' } });
    expect([unknown.status, unknown.body.message]).toEqual([404, 'task review:cus-nobody:1 does not exist']);
    const same = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: staff.rmOld.id, reason: 'load' } });
    expect([same.status, same.body.message]).toEqual([409, `task ${reviewId} is already assigned to ${staff.rmOld.id}: nothing to reassign`]);

    const closedId = `review:${customerId}:0`;
    await db.task.create({ data: { id: closedId, kind: 'PERIODIC_REVIEW', subject: 'done review', customerId, assigneeStaffId: staff.rmOld.id, dueAt: new Date(Date.now() - 200 * DAY), status: 'DONE', closedAt: new Date(), workflowId: `customer-${customerId}`, policyVersion: policy.version } });
    const closed = await call('POST', `/tasks/${encodeURIComponent(closedId)}/reassign`, { as: staff.sup, body: { toStaffId: staff.rmNew.id, reason: 'load' } });
    expect([closed.status, closed.body.message]).toEqual([409, `task ${closedId} is DONE: only an open task can be reassigned`]);
    expect((await db.task.findUniqueOrThrow({ where: { id: closedId } })).assigneeStaffId).toBe(staff.rmOld.id);

    const moduleId = `training:${staff.rmOld.id}:FOUNDATION:M1`;
    await db.task.create({ data: { id: moduleId, kind: 'TRAINING_MODULE', subject: 'module M1', assigneeStaffId: staff.rmOld.id, dueAt: new Date(Date.now() - DAY), workflowId: `training-${staff.rmOld.id}-FOUNDATION`, policyVersion: policy.version } });
    const personal = await call('POST', `/tasks/${encodeURIComponent(moduleId)}/reassign`, { as: staff.admin, body: { toStaffId: staff.rmNew.id, reason: 'load' } });
    expect([personal.status, personal.body.message]).toEqual([409, expect.stringMatching(/^task training:.* cannot be reassigned: it is a module of one trainee's own course \(§7\.1\)/)]);
    expect(await db.auditLog.count({ where: { action: 'task.reassign' } })).toBe(0);
  });

  test('§3.2 the supervisor gives the overdue review to another manager: inboxes, reminder, audit, email; the rest of the ladder goes to the new manager', async () => {
    expect(await inboxOf(staff.rmOld)).toContain(reviewId);
    expect(await inboxOf(staff.rmNew)).not.toContain(reviewId);

    const res = await call('POST', `/tasks/${encodeURIComponent(reviewId)}/reassign`, { as: staff.sup, body: { toStaffId: ` ${staff.rmNew.id} `, reason: ' Rob is on leave until March ' } });
    expect(res.status).toBe(200);
    // The task as GET /tasks lists it.
    expect(res.body).toEqual(expect.objectContaining({ id: reviewId, kind: 'PERIODIC_REVIEW', assigneeStaffId: staff.rmNew.id, team: null, status: 'OVERDUE', customerId }));
    expect(await inboxOf(staff.rmOld)).not.toContain(reviewId);
    expect(await inboxOf(staff.rmNew)).toContain(reviewId);
    const listed = await call('GET', '/tasks?kind=PERIODIC_REVIEW', { as: staff.rmNew });
    expect(listed.body.items.find((t: { id: string }) => t.id === reviewId)).toEqual(res.body);

    // The reminder still to come is the new manager's; its escalation contact stays the supervisor.
    expect((await stateOf()).reminder).toEqual({ staffId: staff.rmNew.id, escalationStaffId: staff.sup.id, status: 'DUE' });

    const audit = await db.auditLog.findMany({ where: { action: 'task.reassign', entityId: reviewId } });
    expect(audit).toEqual([
      expect.objectContaining({
        actorStaffId: staff.sup.id,
        entity: 'Task',
        customerId,
        changes: {
          assigneeStaffId: { before: staff.rmOld.id, after: staff.rmNew.id },
          reason: { before: null, after: 'Rob is on leave until March' },
          reminders: {
            before: [{ key: reminderKey(), staffId: staff.rmOld.id, escalationStaffId: staff.sup.id }],
            after: [{ key: reminderKey(), staffId: staff.rmNew.id, escalationStaffId: staff.sup.id }],
          },
        },
      }),
    ]);

    // The new manager's email (once), bank-local times, the reason and the console link.
    const [mail] = await stack.smtp.waitFor((ms) => ms.some((m) => m.to.includes(staff.rmNew.email) && m.subject.startsWith('Task reassigned to you')));
    const sent = stack.smtp.to(staff.rmNew.email).filter((m) => m.subject.startsWith('Task reassigned to you'));
    expect(sent).toHaveLength(1);
    void mail;
    expect(sent[0]!.subject).toBe(`Task reassigned to you: Periodic review of customer ${customerId}, cycle 2 (§3.2)`);
    expect(sent[0]!.text).toContain(`has reassigned a task to you from ${staff.rmOld.id}. It is overdue: please take it up first.`);
    expect(sent[0]!.text).toMatch(/Reason: +Rob is on leave until March/);
    expect(sent[0]!.text).toMatch(/Due: +\w{3} \d{1,2} \w{3} \d{4}, \d{2}:\d{2} E[SD]T/);
    expect(sent[0]!.text).toContain('/console?kind=PERIODIC_REVIEW');
    expect(stack.smtp.to(staff.rmOld.email).filter((m) => m.subject.startsWith('Task reassigned'))).toHaveLength(0);
    await until('the notification recorded SENT', async () => (await db.notification.findUnique({ where: { idempotencyKey: `task-reassigned:${reviewId}:1` } }))?.status === 'SENT');

    // The lifecycle's next rungs, run as the workflow runs them (the ladder reads the reminder when it sends).
    const at = new Date().toISOString();
    await stack.activities.remindAgain({ reminderKey: reminderKey(), at });
    expect(stack.smtp.to(staff.rmNew.email).filter((m) => m.subject.startsWith('Second reminder:'))).toHaveLength(1);
    expect(stack.smtp.to(staff.rmOld.email).filter((m) => m.subject.startsWith('Second reminder:'))).toHaveLength(0);
    await stack.activities.escalateReminder({ reminderKey: reminderKey(), at });
    const escalation = stack.smtp.to(staff.sup.email).filter((m) => m.subject.startsWith('Escalation: reminder not acknowledged'));
    expect(escalation).toHaveLength(1);
    expect(escalation[0]!.text).toContain(`<${staff.rmNew.email}> has not acknowledged a reminder`);
  });
});

describe('ccm tasks reassign', () => {
  test('§5.1 a meeting whose reminder already escalated: the task moves, the escalated reminder stays; an RM is refused; --reason is required', async () => {
    const meetingId = `meeting:${customerId}:2026-Q3`;
    const key = `meeting-${customerId}-2026-Q3`;
    await db.task.create({ data: { id: meetingId, kind: 'RELATIONSHIP_MEETING', subject: `Quarterly meeting with customer ${customerId}, 2026-Q3 (§5.1)`, customerId, assigneeStaffId: staff.rmOld.id, dueAt: new Date(Date.now() - 10 * DAY), overdueAt: new Date(Date.now() - 10 * DAY), escalatedAt: new Date(Date.now() - 10 * DAY), workflowId: `customer-${customerId}`, policyVersion: policy.version } });
    await db.reminder.create({ data: { key, staffId: staff.rmOld.id, escalationStaffId: staff.sup.id, subject: 'meeting', dueAt: new Date(Date.now() - 30 * DAY), escalatesAt: new Date(Date.now() - 10 * DAY), status: 'ESCALATED', escalatedAt: new Date(Date.now() - 10 * DAY), policyVersion: policy.version, workflowId: `customer-${customerId}/${key}`, taskId: meetingId } });

    const refused = await ccm(['--as', staff.rmOld.id, 'tasks', 'reassign', meetingId, '--to', staff.rmNew.id, '--reason', 'mine to give']);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('requires one of the roles SUPERVISOR, ADMIN')]);
    const usage = await ccm(['--as', staff.sup.id, 'tasks', 'reassign', meetingId, '--to', staff.rmNew.id]);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining("required option '--reason <text>' not specified")]);
    const bad = await ccm(['--as', staff.sup.id, 'tasks', 'reassign', meetingId, '--to', staff.rmStranger.id, '--reason', 'load']);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining(`toStaffId: does not look after customer ${customerId}`)]);

    const done = await ccm(['--as', staff.sup.id, 'tasks', 'reassign', meetingId, '--to', staff.rmNew.id, '--reason', 'the customer asked for Rita']);
    expect([done.code, done.stderr]).toEqual([0, '']);
    expect(done.stdout.trim()).toBe(`${meetingId}: reassigned to ${staff.rmNew.id} by ${staff.sup.id} (RELATIONSHIP_MEETING, OVERDUE, due ${new Date((await db.task.findUniqueOrThrow({ where: { id: meetingId } })).dueAt).toISOString()})`);
    expect((await db.task.findUniqueOrThrow({ where: { id: meetingId } })).assigneeStaffId).toBe(staff.rmNew.id);
    // Escalated already: the reminder's record stays as it was sent.
    expect(await db.reminder.findUniqueOrThrow({ where: { key }, select: { staffId: true, status: true } })).toEqual({ staffId: staff.rmOld.id, status: 'ESCALATED' });
    expect((await db.auditLog.findFirstOrThrow({ where: { action: 'task.reassign', entityId: meetingId } })).changes).toEqual({
      assigneeStaffId: { before: staff.rmOld.id, after: staff.rmNew.id },
      reason: { before: null, after: 'the customer asked for Rita' },
    });
    await stack.smtp.waitFor((ms) => ms.some((m) => m.to.includes(staff.rmNew.email) && m.subject === `Task reassigned to you: Quarterly meeting with customer ${customerId}, 2026-Q3 (§5.1)`));
  });
});
