/**
 * §2.3 step 3 on the time-skipping test server, with the real activities, PostgreSQL and SMTP:
 * maker-checker, approval (→ §2.1/§2.2 classification, §4 tier and relationship manager, welcome
 * email), requesting information (customer emailed, reminded after 5 business days, closed as
 * INCOMPLETE after 10), and the audit team's reminder for a review left waiting.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { createCustomer } from '../../src/customers/create-customer';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { addBusinessDays } from '../../src/domain/business-calendar';
import type { Db } from '../../src/db/client';
import { decideUpdate, infoReceivedUpdate, onboardingStateQuery, type OnboardingState } from '../../workflows/onboarding';
import { reminderStateQuery } from '../../workflows/staff-reminder';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { timeSkippingStack } from '../support/workflow-stack';

const TASK_QUEUE = 'onboarding-test';
const ring = developmentKeyRing();
const policy = DEFAULT_POLICY;
const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
timeSkippingStack({ taskQueue: TASK_QUEUE, policy }, (s) => ({ env, db, smtp } = s));

let ssnSerial = 1000;
/** A structurally valid SSN no other test uses (area 123, group 45, a fresh serial). */
const freshSsn = () => `123-${String(10 + (Date.now() % 89)).padStart(2, '0')}-${String(ssnSerial++ + (process.pid % 5000)).padStart(4, '0')}`;

async function newIndividual(totalAssetsUsd: number) {
  const maker = await createStaff(db, 'Mona Maker', ['CUSTOMER_SERVICE']);
  const email = `${unique('cust')}@mail.test`;
  const customer = await createCustomer(
    { db, temporal: env.client, taskQueue: TASK_QUEUE, policy, ring, clock: systemClock },
    { staffId: maker.id, roles: ['CUSTOMER_SERVICE'] },
    {
      type: 'INDIVIDUAL',
      channel: 'BRANCH',
      firstName: 'Iris',
      lastName: 'Individual',
      dateOfBirth: '1980-05-17',
      email,
      totalAssetsUsd,
      identity: { kind: 'SSN', number: freshSsn() },
    },
  );
  return { maker, customer, email, handle: env.client.workflow.getHandle(`onboarding-${customer.id}`) };
}

test('§2.3 maker-checker: the staff member who entered the record cannot review it', async () => {
  const { maker, handle } = await newIndividual(5_000);
  const err = await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: maker.id, decision: 'APPROVE' }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((err as WorkflowUpdateFailedError).cause?.message).toBe(`maker-checker (§2.3): ${maker.id} entered this record and cannot review it`);
  expect((await handle.query(onboardingStateQuery)).status).toBe('PENDING_REVIEW');

  const auditor = await createStaff(db, 'Ada Auditor', ['AUDITOR']);
  const noReason = await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'REJECT' }] }).catch((e: unknown) => e);
  expect((noReason as WorkflowUpdateFailedError).cause?.message).toBe('REJECT needs a reason');
  const rejected = await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'REJECT', reason: 'identity could not be verified' }] });
  expect(rejected.status).toBe('REJECTED');
  await handle.result();
  const row = await db.customer.findUniqueOrThrow({ where: { id: (await handle.query(onboardingStateQuery)).customerId }, include: { review: true } });
  expect(row.status).toBe('REJECTED');
  expect(row.review).toMatchObject({ decision: 'REJECTED', decidedByStaffId: auditor.id, reason: 'identity could not be verified' });
});

test('approval classifies (§2.1 VIP from USD 100,000), sets the §4 tier, assigns a relationship manager and welcomes the customer', async () => {
  const rm = await createStaff(db, 'Rick Manager', ['RELATIONSHIP_MANAGER']);
  const { customer, email, handle } = await newIndividual(250_000);
  const auditor = await createStaff(db, 'Ada Auditor', ['AUDITOR']);

  const state = await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'APPROVE' }] });
  expect(state.status).toBe('APPROVED');
  const result: OnboardingState = await handle.result();
  expect(result).toMatchObject({ status: 'APPROVED', segment: 'VIP' });
  expect(result.relationshipManagerId).toBeDefined();

  const row = await db.customer.findUniqueOrThrow({ where: { id: customer.id }, include: { segmentChanges: true, assignments: true, review: true } });
  expect(row).toMatchObject({ status: 'APPROVED', segment: 'VIP', serviceTier: 'VIP', ageGroup: 'MIDDLE_AGED', classificationPolicyVersion: policy.version });
  expect(row.segmentChanges).toEqual([expect.objectContaining({ fromSegment: null, toSegment: 'VIP', reason: expect.stringContaining('100000') })]);
  expect(row.assignments).toEqual([expect.objectContaining({ role: 'RELATIONSHIP_MANAGER', staffId: result.relationshipManagerId, endedAt: null })]);
  const manager = await db.staffMember.findUniqueOrThrow({ where: { id: result.relationshipManagerId! } });
  expect(manager.roles).toContain('RELATIONSHIP_MANAGER');
  expect(rm.roles).toContain('RELATIONSHIP_MANAGER');
  expect(row.review).toMatchObject({ decision: 'APPROVED', decidedByStaffId: auditor.id });

  const [welcome] = await smtp.waitFor(() => smtp.to(email).length === 1).then(() => smtp.to(email));
  expect(welcome?.subject).toBe('Welcome to the bank');
  expect(welcome?.text).toContain('Dedicated hotline');
  // The hand-off (issue 8): the approved customer's lifecycle starts and records its start.
  let audit = await db.auditLog.findMany({ where: { customerId: customer.id }, orderBy: { id: 'asc' } });
  for (let i = 0; i < 100 && !audit.some((a) => a.action === 'lifecycle.start'); i += 1) {
    await new Promise((r) => setTimeout(r, 50));
    audit = await db.auditLog.findMany({ where: { customerId: customer.id }, orderBy: { id: 'asc' } });
  }
  const actions = audit.map((a) => a.action);
  expect(actions.slice(0, 4)).toEqual(['customer.create', 'onboarding.approved', 'customer.classify', 'lifecycle.start']);
  // The lifecycle then goes on by itself (its first §6 risk rating may already be recorded): only its records follow.
  expect(actions.slice(4).filter((a) => !/^(lifecycle|risk)\./.test(a))).toEqual([]);
  expect(JSON.stringify(audit.map((a) => a.changes))).not.toContain('1980-05-17');
});

test('requesting information emails the customer, reminds after 5 business days and closes as INCOMPLETE after 10', async () => {
  const { customer, email, handle } = await newIndividual(1_000);
  const auditor = await createStaff(db, 'Ada Auditor', ['AUDITOR']);
  const state = await handle.executeUpdate(decideUpdate, {
    args: [{ reviewerId: auditor.id, decision: 'REQUEST_INFO', reason: 'a copy of a utility bill as proof of address' }],
  });
  expect(state.status).toBe('INFO_REQUESTED');
  const requestedAt = new Date(state.decisions[0]!.at);
  expect(state.infoReminderAt).toBe(addBusinessDays(requestedAt, 5, 'America/New_York').toISOString());
  expect(state.infoDeadlineAt).toBe(addBusinessDays(requestedAt, 10, 'America/New_York').toISOString());

  const [request] = await smtp.waitFor(() => smtp.to(email).length === 1).then(() => smtp.to(email));
  expect(request?.subject).toBe('We need a little more information');
  expect(request?.text).toContain('a copy of a utility bill as proof of address');

  const result = await handle.result(); // the time-skipping server jumps over both business-day timers
  expect(result.status).toBe('INCOMPLETE');
  expect(smtp.to(email).map((m) => m.subject)).toEqual(['We need a little more information', 'Reminder: information still needed']);
  const row = await db.customer.findUniqueOrThrow({ where: { id: customer.id }, include: { review: true } });
  expect(row.status).toBe('INCOMPLETE');
  expect(row.review).toMatchObject({ decision: 'INCOMPLETE', infoRequestCount: 1 });
});

test('information received before the deadline puts the record back in review with a fresh review period', async () => {
  const { customer, email, handle, maker } = await newIndividual(1_000);
  const auditor = await createStaff(db, 'Ada Auditor', ['AUDITOR']);
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'REQUEST_INFO', reason: 'proof of address' }] });
  await smtp.waitFor(() => smtp.to(email).length === 1);
  await env.sleep(2 * 24 * HOUR);

  const back = await handle.executeUpdate(infoReceivedUpdate, { args: [{ byStaffId: maker.id }] });
  expect(back.status).toBe('PENDING_REVIEW');
  const now = await env.currentTimeMs();
  expect(Date.parse(back.reviewDueAt)).toBeGreaterThan(now);
  const again = await handle.executeUpdate(infoReceivedUpdate, { args: [{ byStaffId: maker.id }] }).catch((e: unknown) => e);
  expect((again as WorkflowUpdateFailedError).cause?.message).toBe('onboarding is PENDING_REVIEW: no information was requested');
  expect((await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).status).toBe('PENDING_REVIEW');
  const audit = await db.auditLog.findMany({ where: { customerId: customer.id }, orderBy: { id: 'asc' } });
  expect(audit.map((a) => [a.action, a.actorStaffId])).toEqual([
    ['customer.create', maker.id],
    ['onboarding.info_requested', auditor.id],
    ['onboarding.pending_review', maker.id],
  ]);

  const approved = await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'APPROVE' }] });
  expect(approved.status).toBe('APPROVED');
  expect(smtp.to(email).map((m) => m.subject)).not.toContain('Reminder: information still needed');
});

test('a review left waiting longer than 2 business days makes the audit team\'s staff reminder; the decision answers it', async () => {
  await createStaff(db, 'Sid Supervisor', ['SUPERVISOR']);
  await createStaff(db, 'Ada Auditor', ['AUDITOR']);
  const { customer, maker, handle } = await newIndividual(1_000);

  const { reviewDueAt, submittedAt } = await handle.query(onboardingStateQuery);
  expect(reviewDueAt).toBe(addBusinessDays(new Date(submittedAt), 2, 'America/New_York').toISOString());
  const submitted = await env.currentTimeMs();
  await env.sleep(Date.parse(reviewDueAt) - submitted + HOUR); // just past the review deadline, well before escalation
  const state = await handle.query(onboardingStateQuery);
  expect(state.auditTeamReminded).toBe(true);
  const reminder = await db.reminder.findUniqueOrThrow({ where: { key: `onboarding-review-${customer.id}` }, include: { staff: true } });
  expect(reminder.staff.roles).toContain('AUDITOR');
  expect(reminder.staffId).not.toBe(maker.id);
  await smtp.waitFor(() => smtp.to(reminder.staff.email).some((m) => m.subject === `Reminder: Review of customer ${customer.id} is overdue (§2.3)`));

  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: reminder.staffId, decision: 'APPROVE' }] });
  await handle.result();
  const reminderHandle = env.client.workflow.getHandle(`reminder-onboarding-review-${customer.id}`);
  expect((await reminderHandle.query(reminderStateQuery)).status).toBe('ACKNOWLEDGED');
});

test('issue 7: a decision that cannot be recorded for good (a data error) is answered with the reason, leaves the record as it was, shows NEEDS_ATTENTION, and a later decision still works', async () => {
  const { customer, handle } = await newIndividual(5_000);
  const auditor = await createStaff(db, 'Ada Auditor', ['AUDITOR']);
  // The API refuses control characters at the boundary (src/shared/text.ts); straight to the
  // workflow, a NUL reaches PostgreSQL, which refuses it (SQLSTATE 22021) — a non-retryable DataError.
  const err = await handle
    .executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'REJECT', reason: 'bad\u0000byte' }] })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((err as WorkflowUpdateFailedError).cause?.message).toBe(
    'the REJECT decision could not be recorded (DataError): the onboarding stays PENDING_REVIEW; an operator has been alerted',
  );

  const state = await handle.query(onboardingStateQuery);
  expect(state).toMatchObject({ status: 'PENDING_REVIEW', decisions: [], attention: { step: 'recordOnboardingStatus:REJECTED', errorType: 'DataError' } });
  expect(state.attention?.message).toContain('22021');
  expect((await handle.describe()).searchAttributes.BusinessStatus).toEqual(['NEEDS_ATTENTION']);
  expect((await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).status).toBe('PENDING_REVIEW');
  const alerts = await db.auditLog.findMany({ where: { action: 'process.needs_attention', entityId: `onboarding-${customer.id}` } });
  expect(alerts).toHaveLength(1);
  expect(alerts[0]).toMatchObject({ customerId: customer.id, actorStaffId: auditor.id });

  // Nothing is jammed: the next decision is taken and recorded, and the process shows its status again.
  const rejected = await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'REJECT', reason: 'identity could not be verified' }] });
  expect(rejected).toMatchObject({ status: 'REJECTED' });
  expect(rejected.attention).toBeUndefined();
  await handle.result();
  expect((await handle.describe()).searchAttributes.BusinessStatus).toEqual(['REJECTED']);
  expect((await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).status).toBe('REJECTED');
});

test('issue 7: the decision is answered before the welcome email goes out (the caller never waits on the mail server)', async () => {
  const { customer, email, handle } = await newIndividual(5_000);
  const auditor = await createStaff(db, 'Ada Auditor', ['AUDITOR']);
  const received = smtp.to(email).length;
  smtp.failNext(1); // the first delivery attempt is refused (451): the email retries after the answer
  const state = await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'APPROVE' }] });
  expect(state.status).toBe('APPROVED');
  expect((await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).status).toBe('APPROVED');
  await handle.result();
  const welcome = await smtp.waitFor(() => smtp.to(email).length === received + 1);
  expect(welcome.filter((m) => m.to.includes(email)).map((m) => m.subject)).toContain('Welcome to the bank');
  const row = await db.notification.findUniqueOrThrow({ where: { idempotencyKey: `onboarding:${customer.id}:welcome` } });
  expect(row).toMatchObject({ status: 'SENT', attempts: 2 });
  expect(row.lastError).toBeNull();
  expect(await db.auditLog.count({ where: { customerId: customer.id, action: 'customer.classify' } })).toBe(1);
});
