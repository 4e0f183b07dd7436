/**
 * Records the workflow histories the replay test (test/workflow/replay.test.ts) replays against
 * today's workflow code, so a change to a released workflow that is not patched fails `npm test`
 * instead of breaking running processes on deploy (../shared/style.md, "Versioning").
 *
 * Not part of `npm test`. Run it (`npm run histories:record -- <label>`) BEFORE changing a workflow,
 * on the released code, and commit the files it writes under test/workflow/histories/<label>/.
 * Each scenario drives one path through onboarding (§2.3) or staffReminder (§5.2) on the
 * time-skipping server with the real activities, PostgreSQL and SMTP, and saves every workflow it
 * started (children included) as `<scenario>.<workflowType>.json`. No personal data: the inputs
 * are ids and codes, the customers are synthetic.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCustomer } from '../../src/customers/create-customer';
import { createReminder } from '../../src/reminders/create-reminder';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import type { Db } from '../../src/db/client';
import { decideUpdate, infoReceivedUpdate, onboardingStateQuery } from '../../workflows/onboarding';
import { acknowledgeSignal, acknowledgeUpdate } from '../../workflows/staff-reminder';
import { completeReviewUpdate, customerWorkflowId, lifecycleStateQuery, meetingHeldUpdate } from '../../workflows/lifecycle/definitions';
import { nextReviewDue, reviewLadder } from '../../src/domain/lifecycle-schedule';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { advanceTo } from '../support/time-skipping';
import { saveHistories, timeSkippingStack } from '../support/workflow-stack';

const LABEL = process.env.CCM_HISTORY_LABEL ?? 'v1';
const TASK_QUEUE = 'record-histories';
const ring = developmentKeyRing();
const policy = DEFAULT_POLICY;
const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
timeSkippingStack({ taskQueue: TASK_QUEUE, policy }, (s) => ({ env, db, smtp } = s));

/** Saves the workflows' histories (children included; a workflow id: its latest run) under test/workflow/histories/<LABEL>/. */
const save = (scenario: string, workflowIds: (string | { workflowId: string; runId: string })[]) => saveHistories(env.client, LABEL, scenario, workflowIds);

let serial = 0;
const ssn = () => `123-${String(10 + (process.pid % 89)).padStart(2, '0')}-${String(1000 + (serial++ % 8999)).padStart(4, '0')}`;

async function newCustomer(type: 'INDIVIDUAL' | 'ENTERPRISE' = 'INDIVIDUAL') {
  const maker = await createStaff(db, 'Mona Maker', ['CUSTOMER_SERVICE']);
  const body =
    type === 'INDIVIDUAL'
      ? { type, channel: 'BRANCH', firstName: 'Iris', lastName: 'Individual', dateOfBirth: '1980-05-17', email: `${unique('c')}@mail.test`, totalAssetsUsd: 250_000, identity: { kind: 'SSN', number: ssn() } }
      : { type, channel: 'WEBSITE', legalName: 'Acme Widgets LLC', naicsCode: '332', employees: 120, annualRevenueUsd: 20_000_000, email: `${unique('e')}@mail.test`, identity: { kind: 'EIN', number: `12-${String(3000000 + serial++).padStart(7, '0')}` } };
  const customer = await createCustomer({ db, temporal: env.client, taskQueue: TASK_QUEUE, policy, ring, clock: systemClock }, { staffId: maker.id, roles: ['CUSTOMER_SERVICE'] }, body);
  const workflowId = `onboarding-${customer.id}`;
  return { customer, workflowId, handle: env.client.workflow.getHandle(workflowId) };
}

const auditor = () => createStaff(db, 'Ada Auditor', ['AUDITOR']);

test('onboarding: approve (individual, VIP)', async () => {
  await createStaff(db, 'Rick Manager', ['RELATIONSHIP_MANAGER']);
  const { handle, workflowId } = await newCustomer();
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: (await auditor()).id, decision: 'APPROVE' }] });
  await handle.result();
  await save('onboarding-approve', [workflowId]);
});

test('onboarding: approve (enterprise)', async () => {
  const { handle, workflowId } = await newCustomer('ENTERPRISE');
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: (await auditor()).id, decision: 'APPROVE' }] });
  await handle.result();
  await save('onboarding-approve-enterprise', [workflowId]);
});

test('onboarding: reject', async () => {
  const { handle, workflowId } = await newCustomer();
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: (await auditor()).id, decision: 'REJECT', reason: 'identity could not be verified' }] });
  await handle.result();
  await save('onboarding-reject', [workflowId]);
});

test('onboarding: request info, reminder, INCOMPLETE', async () => {
  const { handle, workflowId } = await newCustomer();
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: (await auditor()).id, decision: 'REQUEST_INFO', reason: 'proof of address' }] });
  await handle.result();
  await save('onboarding-info-incomplete', [workflowId]);
});

test('onboarding: request info, info received, approve', async () => {
  const { handle, workflowId } = await newCustomer();
  const a = await auditor();
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: a.id, decision: 'REQUEST_INFO', reason: 'proof of address' }] });
  await env.sleep(2 * 24 * HOUR);
  await handle.executeUpdate(infoReceivedUpdate, { args: [{ byStaffId: a.id }] });
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: a.id, decision: 'APPROVE' }] });
  await handle.result();
  await save('onboarding-info-received', [workflowId]);
});

test('onboarding: review overdue → audit team reminder (child), then approve', async () => {
  const a = await auditor();
  await createStaff(db, 'Sue Pervisor', ['SUPERVISOR']);
  const { handle, workflowId, customer } = await newCustomer();
  const { reviewDueAt, submittedAt } = await handle.query(onboardingStateQuery);
  await env.sleep(Date.parse(reviewDueAt) - Date.parse(submittedAt) + HOUR);
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: a.id, decision: 'APPROVE' }] });
  await handle.result();
  const child = `reminder-onboarding-review-${customer.id}`;
  await env.client.workflow.getHandle(child).result();
  await save('onboarding-audit-reminder', [workflowId, child]);
});

test('onboarding: a decision that cannot be recorded (NEEDS_ATTENTION), then reject', async () => {
  const { handle, workflowId } = await newCustomer();
  const a = await auditor();
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: a.id, decision: 'REJECT', reason: 'bad\u0000byte' }] }).catch(() => undefined);
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: a.id, decision: 'REJECT', reason: 'identity could not be verified' }] });
  await handle.result();
  await save('onboarding-needs-attention', [workflowId]);
});

test('onboarding: open, waiting for review', async () => {
  const { handle, workflowId } = await newCustomer();
  await handle.query(onboardingStateQuery);
  await save('onboarding-open', [workflowId]);
});

async function newReminder(dueInMs: number) {
  const [staff, boss] = await Promise.all([createStaff(db, 'Rita Manager'), createStaff(db, 'Sue Pervisor', ['SUPERVISOR'])]);
  const key = unique('rec');
  await createReminder(
    { db, temporal: env.client, taskQueue: TASK_QUEUE, policy },
    { key, staffId: staff.id, escalationStaffId: boss.id, dueAt: new Date(Date.now() + dueInMs).toISOString(), subject: 'Call customer back' },
  );
  return { staff, boss, workflowId: `reminder-${key}`, handle: env.client.workflow.getHandle(`reminder-${key}`) };
}

test('reminder: due, then escalated', async () => {
  const { handle, workflowId } = await newReminder(30 * 24 * HOUR);
  await handle.result();
  await save('reminder-escalated', [workflowId]);
});

test('reminder: due, then acknowledged', async () => {
  const { handle, workflowId, staff } = await newReminder(HOUR);
  await env.sleep(2 * HOUR);
  await smtp.waitFor(() => smtp.to(staff.email).length === 1);
  await handle.executeUpdate(acknowledgeUpdate, { args: [{ staffId: staff.id }] });
  await handle.result();
  await save('reminder-acknowledged', [workflowId]);
});

test('reminder: acknowledged before the due time (cancelled)', async () => {
  const { handle, workflowId, staff } = await newReminder(24 * HOUR);
  await env.sleep(HOUR);
  await handle.signal(acknowledgeSignal, { staffId: staff.id });
  await handle.result();
  await save('reminder-cancelled', [workflowId]);
});

test('reminder: open, waiting for its due time', async () => {
  const { workflowId, handle } = await newReminder(24 * HOUR);
  await handle.describe();
  await save('reminder-open', [workflowId]);
});

// ── The customer lifecycle (issue 8, §3.2 / §5.1) and the reminder ladder it uses ──

async function approvedLifecycle(type: 'INDIVIDUAL' | 'ENTERPRISE' = 'INDIVIDUAL') {
  await createStaff(db, 'Rick Manager', ['RELATIONSHIP_MANAGER']);
  await createStaff(db, 'Sue Pervisor', ['SUPERVISOR']);
  const { handle, customer } = await newCustomer(type);
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: (await auditor()).id, decision: 'APPROVE' }] });
  await handle.result();
  const lifecycle = env.client.workflow.getHandle(customerWorkflowId(customer.id));
  for (let i = 0; i < 100 && !(await lifecycle.query(lifecycleStateQuery)); i += 1) await new Promise((r) => setTimeout(r, 50));
  const { runId } = await lifecycle.describe();
  const approvedAt = (await db.onboardingReview.findUniqueOrThrow({ where: { customerId: customer.id } })).decidedAt!;
  return { customer, lifecycle, firstRun: { workflowId: customerWorkflowId(customer.id), runId }, approvedAt };
}

async function completeReview(customerId: string, lifecycle: ReturnType<typeof env.client.workflow.getHandle>) {
  const task = await db.task.findFirstOrThrow({ where: { customerId, kind: 'PERIODIC_REVIEW', status: 'OPEN' } });
  await db.task.update({ where: { id: task.id }, data: { outcome: { findings: { basicData: 'checked', financialSituation: 'stable', changedNeeds: 'none' } } } });
  await lifecycle.executeUpdate(completeReviewUpdate, { args: [{ staffId: task.assigneeStaffId ?? 'nobody', taskId: task.id }] });
  return task;
}

test('lifecycle: open, waiting for its first review', async () => {
  const { firstRun } = await approvedLifecycle();
  await save('lifecycle-open', [firstRun]);
});

test('lifecycle: review due (digest), completed, next cycle', async () => {
  const { customer, lifecycle, firstRun, approvedAt } = await approvedLifecycle();
  const due = nextReviewDue(approvedAt, 'INDIVIDUAL', policy);
  await advanceTo(env, new Date(due.getTime() + 20 * 60_000));
  await completeReview(customer.id, lifecycle);
  const digest = (await db.reminder.findUniqueOrThrow({ where: { key: `review-${customer.id}-0` } })).digestKey!.split(':')[1]!;
  await env.client.workflow.getHandle(digest).result();
  await save('lifecycle-review-cycle', [firstRun, digest]);
});

test('lifecycle: review overdue (second reminder, escalation), then completed', async () => {
  const { customer, lifecycle, firstRun, approvedAt } = await approvedLifecycle();
  const ladder = reviewLadder(nextReviewDue(approvedAt, 'INDIVIDUAL', policy), policy);
  await advanceTo(env, new Date(ladder.overdueAt.getTime() + 60_000));
  await completeReview(customer.id, lifecycle);
  await save('lifecycle-review-overdue', [firstRun]);
});

test('lifecycle: enterprise meeting held, then closed', async () => {
  const { customer, lifecycle, firstRun } = await approvedLifecycle('ENTERPRISE');
  const state = await lifecycle.query(lifecycleStateQuery);
  const opens = state.agenda.find((a) => a.kind === 'QUARTERLY_MEETING')!;
  await advanceTo(env, new Date(Date.parse(opens.at) + 60_000));
  const meeting = await db.task.findFirstOrThrow({ where: { customerId: customer.id, kind: 'RELATIONSHIP_MEETING', status: 'OPEN' } });
  await db.task.update({ where: { id: meeting.id }, data: { outcome: { heldOn: '2027-01-05', attendees: ['CFO'], notes: 'facilities' } } });
  await lifecycle.executeUpdate(meetingHeldUpdate, { args: [{ staffId: meeting.assigneeStaffId ?? 'nobody', taskId: meeting.id }] });
  await db.customer.update({ where: { id: customer.id }, data: { status: 'CLOSED' } });
  const { closeUpdate } = await import('../../workflows/lifecycle/definitions');
  await lifecycle.executeUpdate(closeUpdate, { args: [{ staffId: meeting.assigneeStaffId ?? 'nobody' }] });
  await lifecycle.result();
  const runs = [firstRun, ...(firstRun.runId === (await lifecycle.describe()).runId ? [] : [{ workflowId: firstRun.workflowId, runId: (await lifecycle.describe()).runId }])];
  await save('lifecycle-meeting-closed', runs.slice(-1));
});

// ── §5.2 feedback cases (workflows/feedback/) ──

async function feedbackCaseFor(customerType: 'INDIVIDUAL' | 'ENTERPRISE') {
  const { randomUUID } = await import('node:crypto');
  const { encryptField } = await import('../../src/security/crypto');
  const { feedbackAad } = await import('../../src/feedback/encrypted-fields');
  const { nextCaseSequence } = await import('../../src/feedback/case-numbers');
  const { caseYear, feedbackWorkflowId, formatCaseNo } = await import('../../src/domain/case-number');
  const { feedbackCase } = await import('../../workflows/feedback/feedback-case');
  const code = `R${randomUUID().slice(0, 6).toUpperCase().replace(/[^A-Z0-9]/g, 'X')}`;
  const head = await createStaff(db, 'Hedda Head', ['SUPERVISOR']);
  const handler = await createStaff(db, 'Hal Handler', ['CUSTOMER_SERVICE']);
  await db.department.create({ data: { code, name: `Dept ${code}`, headStaffId: head.id } });
  await db.departmentMember.create({ data: { departmentCode: code, staffId: handler.id } });
  const registeredAt = new Date(await env.currentTimeMs());
  const year = caseYear(registeredAt, policy);
  const caseNo = formatCaseNo({ year, sequence: await nextCaseSequence(db, year) }, policy);
  const enc = (field: 'contactName' | 'contactEmail' | 'summary', value: string) => encryptField(ring, value, feedbackAad.caseField(field, caseNo));
  await db.feedbackCase.create({
    data: {
      caseNo, channel: 'ONLINE', category: 'CARD', severity: 'MEDIUM', complexity: 'COMPLEX', customerType, departmentCode: code, routingRuleId: 'cards', registeredAt,
      contactNameCiphertext: enc('contactName', 'Casey Customer'), contactEmailCiphertext: enc('contactEmail', `${unique('fb')}@mail.test`), summaryCiphertext: enc('summary', 'Charged twice'),
      workflowId: feedbackWorkflowId(caseNo), policyVersion: policy.version,
    },
  });
  const handle = await env.client.workflow.start(feedbackCase, { workflowId: feedbackWorkflowId(caseNo), taskQueue: TASK_QUEUE, args: [{ caseNo }] });
  const write = async (kind: 'RESPONSE' | 'RESOLVED', body: string) => {
    const key = `${caseNo}:${kind}:${randomUUID()}`;
    const e = await db.feedbackEvent.create({ data: { caseNo, kind, actorStaffId: handler.id, at: new Date(await env.currentTimeMs()), idempotencyKey: key, bodyCiphertext: encryptField(ring, body, feedbackAad.eventBody(caseNo, key)) } });
    return String(e.id);
  };
  return { caseNo, handle, handler, head, write };
}

test('feedback: escalated to the head and the executive, answered, resolved, low score reopens, resolved, closed', async () => {
  const { respondUpdate, resolveUpdate, surveyAnsweredSignal } = await import('../../workflows/feedback/definitions');
  const c = await feedbackCaseFor('INDIVIDUAL');
  await env.sleep(40 * HOUR);
  await c.handle.executeUpdate(respondUpdate, { args: [{ staffId: c.handler.id, eventId: await c.write('RESPONSE', 'We are on it.') }] });
  await c.handle.executeUpdate(resolveUpdate, { args: [{ staffId: c.handler.id, eventId: await c.write('RESOLVED', 'Refunded.') }] });
  await c.handle.signal(surveyAnsweredSignal, { round: 1, score: 1 });
  await env.sleep(HOUR);
  await c.handle.executeUpdate(resolveUpdate, { args: [{ staffId: c.handler.id, eventId: await c.write('RESOLVED', 'Refunded the fee too.') }] });
  await c.handle.signal(surveyAnsweredSignal, { round: 2, score: 5 });
  await c.handle.result();
  await save('feedback-escalated-reopened-closed', [c.handle.workflowId]);
});

test('feedback: paused, resumed, reassigned, resolved, survey expired', async () => {
  const { pauseUpdate, resumeUpdate, reassignUpdate, resolveUpdate } = await import('../../workflows/feedback/definitions');
  const c = await feedbackCaseFor('ENTERPRISE');
  await env.sleep(2 * HOUR);
  await c.handle.executeUpdate(pauseUpdate, { args: [{ staffId: c.handler.id, reason: 'waiting for documents' }] });
  await env.sleep(3 * 24 * HOUR);
  await c.handle.executeUpdate(resumeUpdate, { args: [{ staffId: c.handler.id, reason: 'documents received' }] });
  const other = await createStaff(db, 'Olga Other', ['CUSTOMER_SERVICE']);
  await c.handle.executeUpdate(reassignUpdate, { args: [{ staffId: c.head.id, toStaffId: other.id, reason: 'workload' }] });
  await c.handle.executeUpdate(resolveUpdate, { args: [{ staffId: other.id, eventId: await c.write('RESOLVED', 'Done.') }] });
  await c.handle.result();
  await save('feedback-paused-reassigned-expired', [c.handle.workflowId]);
});

// ── §6 risk through the lifecycle (patch lifecycle-risk) and the portfolio run (issue 10) ──

test('lifecycle-risk: enterprise rated A, distressed statements → D (investigation, plan late, escalated), recovered by a portfolio run → A', async () => {
  const { recordFinancials } = await import('../../src/risk/record-financials');
  const { riskRatedSignal } = await import('../../workflows/lifecycle/definitions');
  const { assessCustomers } = await import('../../src/risk/assess-customers');
  const { reminderEscalationDelayMs } = await import('../../src/policy/policy');
  await createStaff(db, 'Rita Risk', ['RISK_OFFICER']);
  const admin = { staffId: (await createStaff(db, 'Adam Admin', ['ADMIN'])).id, roles: ['ADMIN' as const] };
  const { customer, lifecycle, firstRun } = await approvedLifecycle('ENTERPRISE');
  for (let i = 0; i < 100 && !(await lifecycle.query(lifecycleStateQuery)).risk?.rating; i += 1) await new Promise((r) => setTimeout(r, 50));
  const statement = (periodEnd: string, bad: boolean) => ({
    periodEnd, revenueUsd: bad ? 7_000_000 : 11_000_000, netIncomeUsd: bad ? -700_000 : 1_300_000, ebitUsd: bad ? 150_000 : 2_000_000, interestExpenseUsd: bad ? 300_000 : 200_000,
    totalAssetsUsd: 10_000_000, totalLiabilitiesUsd: bad ? 9_000_000 : 3_000_000, currentAssetsUsd: bad ? 2_400_000 : 4_000_000, currentLiabilitiesUsd: bad ? 3_000_000 : 2_000_000, largestCustomerShare: 0.1,
  });
  await db.enterpriseProfile.update({ where: { customerId: customer.id }, data: { establishedOn: new Date('2011-05-01T00:00:00Z') } });
  await recordFinancials({ db, policy, clock: systemClock, temporal: env.client }, admin, customer.id, statement('2025-12-31', true));
  let state = await lifecycle.query(lifecycleStateQuery);
  for (let i = 0; i < 200 && !state.risk?.investigation; i += 1) {
    await new Promise((r) => setTimeout(r, 50));
    state = await lifecycle.query(lifecycleStateQuery);
  }
  const due = Date.parse(state.risk!.investigation!.planDueAt);
  await advanceTo(env, new Date(due + reminderEscalationDelayMs(policy) + 60_000));
  // A portfolio run found recovered statements and re-assessed it: it tells the lifecycle.
  await db.financialStatement.create({ data: { customerId: customer.id, ...statement('2026-06-30', false), periodEnd: new Date('2026-06-30T00:00:00Z'), recordedByStaffId: admin.staffId } });
  const run = await assessCustomers({ db, ring, policy }, { customerIds: [customer.id], runKey: 'risk-portfolio-recorded', trigger: 'QUARTERLY', at: new Date(await env.currentTimeMs()) });
  const a = run.assessed[0]!;
  await lifecycle.signal(riskRatedSignal, { assessmentId: a.assessmentId!, rating: a.rating, previousRating: a.previousRating, trigger: 'QUARTERLY', at: new Date(await env.currentTimeMs()).toISOString() });
  for (let i = 0; i < 200 && (await lifecycle.query(lifecycleStateQuery)).risk?.investigation; i += 1) await new Promise((r) => setTimeout(r, 50));
  await save('lifecycle-risk-investigation-recovered', [firstRun]);
});

test('risk portfolio: a quarterly run over a few customers', async () => {
  const { startPortfolioRun } = await import('../../src/risk/portfolio-runs');
  const officer = { staffId: (await createStaff(db, 'Rita Risk', ['RISK_OFFICER'])).id, roles: ['RISK_OFFICER' as const] };
  await approvedLifecycle('INDIVIDUAL');
  await approvedLifecycle('ENTERPRISE');
  const { handle } = await startPortfolioRun({ db, temporal: env.client, taskQueue: TASK_QUEUE, riskTaskQueue: TASK_QUEUE, policy }, officer, { kind: 'QUARTERLY', dryRun: false, pageSize: 1 });
  await handle.result();
  await save('risk-portfolio-quarterly', [handle.workflowId]);
});
