/**
 * The customer lifecycle (workflow customer-<id>, §3.2 periodic review and dynamic updates, §5.1
 * regular contact) on the time-skipping test server, with the real activities on PostgreSQL and a
 * real SMTP server: years of timers in seconds. Customers are approved through the onboarding
 * workflow, whose approval starts the lifecycle (the hand-off), exactly as in production.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { createDigestJoiner } from '../../activities/digest-joins';
import { staffDigestWorkflowId } from '../../workflows/staff-digest';
import { createCustomer } from '../../src/customers/create-customer';
import { updateCustomer } from '../../src/customers/update-customer';
import { updateProfile } from '../../src/customers/update-profile';
import { closeCustomer } from '../../src/lifecycle/close-customer';
import { DEFAULT_POLICY, type Policy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { nextBirthdayGreeting, nextNewsDigest, nextReviewDue, quarterOf, reviewLadder } from '../../src/domain/lifecycle-schedule';
import { calendarDateIn } from '../../src/domain/business-calendar';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { decideUpdate } from '../../workflows/onboarding';
import {
  closeUpdate,
  completeReviewUpdate,
  customerChangedSignal,
  customerWorkflowId,
  meetingHeldUpdate,
} from '../../workflows/lifecycle/definitions';
import { customerLifecycle } from '../../workflows/lifecycle/customer-lifecycle';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { timeSkippingStack } from '../support/workflow-stack';
import { advanceTo, eventually, lifecycleStateOf as stateOf } from '../support/time-skipping';

const TASK_QUEUE = 'lifecycle-test';
const ring = developmentKeyRing();
const policy: Policy = DEFAULT_POLICY;
const TZ = policy.onboarding.timeZone;
const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
let supervisor: { id: string; email: string };
timeSkippingStack({ taskQueue: TASK_QUEUE, policy }, (s) => ({ env, db, smtp } = s));
beforeAll(async () => {
  supervisor = await createStaff(db, 'Sue Pervisor', ['SUPERVISOR']);
});

// Each test's customers are closed when it ends, as an operator closes one (src/lifecycle/close-customer.ts:
// the record, then the lifecycle's close update, which ends it). A lifecycle left running sleeps on its
// timers (reviews, birthdays, §6.2 monthly monitoring), and every later test's skip over months or years
// would fire them all: the file then slowed test by test (45 s alone; 274 and 522 s on a loaded CI
// machine, where tests timed out). Terminating them instead can leave the time-skipping server's clock
// locked (an activity whose workflow was terminated while it ran).
afterEach(async () => {
  const open = await db.customer.findMany({ where: { status: 'APPROVED' }, select: { id: true } });
  for (const { id } of open) {
    await closeCustomer(deps(), { staffId: supervisor.id, roles: ['SUPERVISOR'] }, id, { reason: 'the test is over' }).catch(() => undefined);
  }
});

let serial = 2000;
const freshSsn = () => `123-${String(10 + (Date.now() % 89)).padStart(2, '0')}-${String(serial++ + (process.pid % 4000)).padStart(4, '0')}`;
const freshEin = () => `12-${String(1000000 + ((serial++ * 7919 + process.pid) % 8999999)).padStart(7, '0')}`;

const deps = () => ({ db, temporal: env.client, taskQueue: TASK_QUEUE, policy, ring, clock: systemClock });


async function approve(customerId: string, auditorId: string): Promise<Date> {
  const handle = env.client.workflow.getHandle(`onboarding-${customerId}`);
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditorId, decision: 'APPROVE' }] });
  await handle.result();
  const review = await db.onboardingReview.findUniqueOrThrow({ where: { customerId } });
  return review.decidedAt!;
}

async function staff(name: string, roles: StaffRole[]) {
  return createStaff(db, name, roles);
}

/** An approved individual with its lifecycle running. */
async function individual(opts: { assets: number; dateOfBirth: string; contactPreferences?: Record<string, boolean>; withEmail?: boolean }) {
  const maker = await staff('Mona Maker', ['CUSTOMER_SERVICE']);
  const auditor = await staff('Ada Auditor', ['AUDITOR']);
  const email = `${unique('cust')}@mail.test`;
  const customer = await createCustomer(deps(), { staffId: maker.id, roles: ['CUSTOMER_SERVICE'] }, {
    type: 'INDIVIDUAL',
    channel: 'BRANCH',
    firstName: 'Iris',
    lastName: 'Individual',
    dateOfBirth: opts.dateOfBirth,
    ...(opts.withEmail === false ? { phone: '+1 212 555 0142' } : { email }),
    totalAssetsUsd: opts.assets,
    identity: { kind: 'SSN', number: freshSsn() },
    ...(opts.contactPreferences ? { contactPreferences: opts.contactPreferences } : {}),
  });
  const approvedAt = await approve(customer.id, auditor.id);
  const handle = env.client.workflow.getHandle<typeof customerLifecycle>(customerWorkflowId(customer.id));
  return { customer, email, approvedAt, handle, maker, auditor };
}

async function enterprise(opts: { employees: number }) {
  const maker = await staff('Mona Maker', ['CUSTOMER_SERVICE']);
  const auditor = await staff('Ada Auditor', ['AUDITOR']);
  const customer = await createCustomer(deps(), { staffId: maker.id, roles: ['CUSTOMER_SERVICE'] }, {
    type: 'ENTERPRISE',
    channel: 'BRANCH',
    legalName: 'Acme Tools Inc.',
    email: `${unique('ent')}@mail.test`,
    employees: opts.employees,
    annualRevenueUsd: 50_000_000,
    totalAssetsUsd: 20_000_000,
    naicsCode: '332216',
    identity: { kind: 'EIN', number: freshEin() },
  });
  const approvedAt = await approve(customer.id, auditor.id);
  const handle = env.client.workflow.getHandle<typeof customerLifecycle>(customerWorkflowId(customer.id));
  return { customer, approvedAt, handle, maker, auditor };
}



/** The search attributes an operator sees in the Temporal UI. */
async function attributes(handle: WorkflowHandle) {
  return (await handle.describe()).searchAttributes;
}

async function completeOpenReview(handle: WorkflowHandle<typeof customerLifecycle>, customerId: string, staffId: string) {
  const task = await db.task.findFirstOrThrow({ where: { customerId, kind: 'PERIODIC_REVIEW', status: 'OPEN' } });
  await db.task.update({ where: { id: task.id }, data: { outcome: { findings: { basicData: 'checked', financialSituation: 'stable', changedNeeds: 'none' } } } });
  return { task, done: await handle.executeUpdate(completeReviewUpdate, { args: [{ staffId, taskId: task.id }] }) };
}

const subjectsTo = (address: string) => smtp.to(address).map((m) => m.subject);

test('§3.2 §5.1 two years of an individual: four reviews on the right dates, reminders and digests, one overdue escalation, birthday greetings, news digests, the marketing opt-out respected', async () => {
  const rm = await staff('Rita Manager', ['RELATIONSHIP_MANAGER']);
  // VIP (assets ≥ USD 100,000): a dedicated manager; monthly news digest (policy contact.newsDigest.VIP).
  const { customer, email, approvedAt, handle } = await individual({ assets: 250_000, dateOfBirth: '1980-05-17' });
  const managerId = (await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).relationshipManagerId!;
  const manager = await db.staffMember.findUniqueOrThrow({ where: { id: managerId } });
  expect(manager.roles).toContain('RELATIONSHIP_MANAGER');
  void rm;

  // The hand-off: the lifecycle runs, findable by business key, with its search attributes.
  const first = nextReviewDue(approvedAt, 'INDIVIDUAL', policy);
  let state = await stateOf(handle);
  expect(state).toMatchObject({ customerId: customer.id, customerType: 'INDIVIDUAL', status: 'ACTIVE', segment: 'VIP', managerId, nextReviewAt: first.toISOString(), policyVersion: policy.version });
  const sa = await attributes(handle);
  expect(sa).toMatchObject({ ProcessKind: ['CUSTOMER_LIFECYCLE'], CustomerId: [customer.id], CustomerType: ['INDIVIDUAL'], Segment: ['VIP'], StaffId: [managerId], BusinessStatus: ['ACTIVE'] });
  expect((sa.NextReviewAt as Date[])[0]!.toISOString()).toBe(first.toISOString());
  expect(await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: customer.id } })).toMatchObject({ status: 'ACTIVE', nextReviewAt: first, reviewCycle: 0 });

  const dues: Date[] = [];
  let due = first;
  for (let cycle = 0; cycle < 4; cycle += 1) {
    dues.push(due);
    const ladder = reviewLadder(due, policy);
    // Due: the task opens for the manager at the policy's local time; the digest lists it 15 minutes later.
    await advanceTo(env, new Date(due.getTime() + 20 * MINUTE));
    const task = await db.task.findUniqueOrThrow({ where: { id: `review:${customer.id}:${cycle}` } });
    expect(task).toMatchObject({ kind: 'PERIODIC_REVIEW', status: 'OPEN', assigneeStaffId: managerId, dueAt: due, overdueAt: ladder.overdueAt });
    expect(calendarDateIn(due, TZ) + ' ' + new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: '2-digit', minute: '2-digit' }).format(due)).toMatch(/ 09:00$/);
    const digest = await smtp.waitFor(() => smtp.to(manager.email).some((m) => m.subject.startsWith('Your reminders for') && m.text.includes(task.subject)));
    expect(digest.length).toBeGreaterThan(0);
    expect(subjectsTo(manager.email)).not.toContain(`Reminder: ${task.subject}`); // the digest replaces the single email
    state = await stateOf(handle);
    expect(state.status).toBe('REVIEW_DUE');
    expect((await attributes(handle)).BusinessStatus).toEqual(['REVIEW_DUE']);

    if (cycle === 1) {
      // Left open: a second reminder after 5 business days, then overdue after 10 → escalation to the supervisor.
      await advanceTo(env, new Date(ladder.overdueAt.getTime() + MINUTE));
      await smtp.waitFor(() => subjectsTo(manager.email).includes(`Second reminder: ${task.subject}`));
      await smtp.waitFor(() => smtp.to(supervisor.email).some((m) => m.subject === `Escalation: reminder not acknowledged: ${task.subject}`));
      expect((await stateOf(handle)).status).toBe('REVIEW_OVERDUE');
      expect((await attributes(handle)).BusinessStatus).toEqual(['REVIEW_OVERDUE']);
      expect((await db.task.findUniqueOrThrow({ where: { id: task.id } })).escalatedAt).not.toBeNull();
    }
    const before = await env.currentTimeMs();
    const { done } = await completeOpenReview(handle, customer.id, managerId);
    // A review completed late keeps the cadence from its completion date (§3.2, README).
    expect(Date.parse(done.completedAt)).toBeGreaterThanOrEqual(before);
    due = nextReviewDue(new Date(done.completedAt), 'INDIVIDUAL', policy);
    expect(done.nextReviewAt).toBe(due.toISOString());
    expect(await db.task.findUniqueOrThrow({ where: { id: task.id } })).toMatchObject({ status: 'DONE', closedByStaffId: managerId });
  }
  // Cycles run as separate runs (continue-as-new at each cycle end) and the state survived them.
  state = await eventually(() => stateOf(handle), (s) => s.counters.runs === 5);
  expect(state.counters).toMatchObject({ reviewsCompleted: 4, reviewsOverdue: 1, runs: 5 });
  expect(state.cycle).toBe(4);
  // Four reviews, each six months (clamped) after the previous completion; the first six months after approval.
  expect(dues).toHaveLength(4);
  expect(calendarDateIn(dues[0]!, TZ)).toBe(calendarDateIn(first, TZ));

  // Birthday greetings on 17 May at 09:00 local, every year in range; news digests on the 1st of each month.
  const end = await env.currentTimeMs();
  const greetings = await db.contactEvent.findMany({ where: { customerId: customer.id, kind: 'BIRTHDAY_GREETING' }, orderBy: { at: 'asc' } });
  const expectedGreetings: string[] = [];
  for (let at = nextBirthdayGreeting('1980-05-17', approvedAt, policy); at.getTime() <= end; at = nextBirthdayGreeting('1980-05-17', at, policy)) expectedGreetings.push(at.toISOString());
  expect(expectedGreetings.length).toBeGreaterThanOrEqual(2);
  expect(greetings.map((g) => g.at.toISOString())).toEqual(expectedGreetings);
  expect(greetings.every((g) => g.status === 'SENT' && g.channel === 'EMAIL')).toBe(true);
  expect(subjectsTo(email).filter((s) => s === 'Happy birthday from your bank')).toHaveLength(expectedGreetings.length);

  const digests = await db.contactEvent.findMany({ where: { customerId: customer.id, kind: 'NEWS_DIGEST' }, orderBy: { at: 'asc' } });
  const expectedDigests: string[] = [];
  for (let at = nextNewsDigest('VIP', approvedAt, policy); at.getTime() <= end; at = nextNewsDigest('VIP', at, policy)) expectedDigests.push(at.toISOString());
  expect(digests.map((d) => d.at.toISOString())).toEqual(expectedDigests);
  expect(subjectsTo(email).filter((s) => s === policy.contact.newsDigest.VIP.subject)).toHaveLength(expectedDigests.length);

  // The marketing opt-out (§5.1) stops digests, never service messages.
  const row = await db.customer.findUniqueOrThrow({ where: { id: customer.id } });
  await updateCustomer({ db }, { staffId: managerId, roles: ['RELATIONSHIP_MANAGER'] }, customer.id, { contactPreferences: { marketingOptOut: true }, version: row.version });
  await handle.signal(customerChangedSignal, { fields: ['contactPreferences'], byStaffId: managerId });
  const optedOutAt = await env.currentTimeMs();
  const nextBirthday = nextBirthdayGreeting('1980-05-17', new Date(optedOutAt), policy);
  await advanceTo(env, new Date(nextBirthday.getTime() + MINUTE));
  const after = await db.contactEvent.findMany({ where: { customerId: customer.id, at: { gt: new Date(optedOutAt) } }, orderBy: { at: 'asc' } });
  const skipped = after.filter((e) => e.kind === 'NEWS_DIGEST');
  expect(skipped.length).toBeGreaterThan(0);
  expect(skipped.every((e) => e.status === 'SKIPPED' && (e.detail as { reason: string }).reason === 'MARKETING_OPT_OUT')).toBe(true);
  expect(after.filter((e) => e.kind === 'BIRTHDAY_GREETING').map((e) => e.status)).toEqual(['SENT']);
  expect(subjectsTo(email).filter((s) => s === policy.contact.newsDigest.VIP.subject)).toHaveLength(expectedDigests.length);
});

test('§3.2 §5.1 a year of an enterprise: four quarterly reviews and four quarterly meetings, one missed and escalated to the supervisor', async () => {
  await staff('Rob Manager', ['RELATIONSHIP_MANAGER']);
  // MEDIUM (employees 500, revenue USD 50M, §2.2): a dedicated relationship manager (§4.2).
  const { customer, approvedAt, handle } = await enterprise({ employees: 500 });
  const c = await db.customer.findUniqueOrThrow({ where: { id: customer.id } });
  expect(c.segment).toBe('MEDIUM');
  const managerId = c.relationshipManagerId!;
  const manager = await db.staffMember.findUniqueOrThrow({ where: { id: managerId } });
  let state = await stateOf(handle);
  expect(state.nextReviewAt).toBe(nextReviewDue(approvedAt, 'ENTERPRISE', policy).toISOString());

  const reviewDues: string[] = [];
  const meetings: { quarter: string; held: boolean }[] = [];
  let missedQuarter: string | undefined;
  for (let guard = 0; guard < 20 && (reviewDues.length < 4 || meetings.length < 4); guard += 1) {
    state = await stateOf(handle);
    const times = [
      ...(state.review ? [] : [Date.parse(state.nextReviewAt)]),
      ...state.agenda.filter((a) => a.kind === 'QUARTERLY_MEETING').map((a) => Date.parse(a.at)),
    ];
    await advanceTo(env, new Date(Math.min(...times) + 20 * MINUTE));
    const review = await db.task.findFirst({ where: { customerId: customer.id, kind: 'PERIODIC_REVIEW', status: 'OPEN' } });
    if (review && reviewDues.length < 4) {
      reviewDues.push(review.dueAt.toISOString());
      await completeOpenReview(handle, customer.id, managerId);
    }
    const meeting = await db.task.findFirst({ where: { customerId: customer.id, kind: 'RELATIONSHIP_MEETING', status: 'OPEN' } });
    if (meeting && !meetings.some((m) => meeting.id.endsWith(m.quarter)) && meetings.length < 4) {
      const quarter = meeting.id.split(':').at(-1)!;
      const current = quarterOf(new Date(await env.currentTimeMs()), policy);
      expect(quarter).toBe(current.id);
      expect(meeting).toMatchObject({ assigneeStaffId: managerId, dueAt: current.end });
      if (meetings.length === 1) {
        missedQuarter = quarter; // nobody records this quarter's meeting
        meetings.push({ quarter, held: false });
      } else {
        await db.task.update({ where: { id: meeting.id }, data: { outcome: { heldOn: calendarDateIn(new Date(await env.currentTimeMs()), TZ), attendees: ['CFO', 'RM'], notes: 'quarterly review of facilities' } } });
        await handle.executeUpdate(meetingHeldUpdate, { args: [{ staffId: managerId, taskId: meeting.id }] });
        meetings.push({ quarter, held: true });
      }
    }
  }
  // Four reviews, each one quarter after the previous completion (completed on their due day).
  expect(reviewDues).toHaveLength(4);
  expect(reviewDues[0]).toBe(nextReviewDue(approvedAt, 'ENTERPRISE', policy).toISOString());
  // The missed quarter: reminded twice, escalated to the supervisor at its end, then recorded MISSED.
  expect(missedQuarter).toBeDefined();
  const missedTask = await db.task.findUniqueOrThrow({ where: { id: `meeting:${customer.id}:${missedQuarter}` } });
  await advanceTo(env, new Date(Math.max(missedTask.dueAt.getTime(), await env.currentTimeMs()) + MINUTE));
  await smtp.waitFor(() => smtp.to(manager.email).some((m) => m.subject === `Reminder: ${missedTask.subject}`));
  await smtp.waitFor(() => smtp.to(manager.email).some((m) => m.subject === `Second reminder: ${missedTask.subject}`));
  await smtp.waitFor(() => smtp.to(supervisor.email).some((m) => m.subject === `Escalation: reminder not acknowledged: ${missedTask.subject}`));
  state = await eventually(() => stateOf(handle), (s) => s.counters.meetingsMissed === 1);
  expect(state.counters).toMatchObject({ meetingsHeld: 3, meetingsMissed: 1 });
  expect((await db.task.findUniqueOrThrow({ where: { id: missedTask.id } })).status).toBe('MISSED');
  // Held meetings are in the contact history; their reminders were answered (no escalation for them).
  const held = await db.contactEvent.findMany({ where: { customerId: customer.id, kind: 'QUARTERLY_MEETING' } });
  expect(held).toHaveLength(3);
  expect(held.every((e) => e.channel === 'MEETING' && e.status === 'SENT')).toBe(true);
  const escalations = smtp.to(supervisor.email).filter((m) => m.subject.startsWith('Escalation: reminder not acknowledged: Quarterly meeting with customer ' + customer.id));
  expect(escalations).toHaveLength(1);
});

test('§3.2 a mid-cycle segment change (VIP → HIGH_NET_WORTH): the tier changes, a private banker takes over, both managers are told; a change of risk inputs re-assesses the customer at once (§6)', async () => {
  await staff('Vic Manager', ['RELATIONSHIP_MANAGER']);
  const { customer, handle } = await individual({ assets: 250_000, dateOfBirth: '1975-03-02' });
  const before = await db.customer.findUniqueOrThrow({ where: { id: customer.id } });
  const oldManager = await db.staffMember.findUniqueOrThrow({ where: { id: before.relationshipManagerId! } });
  // A private banker: a relationship manager with the HIGH_NET_WORTH expertise serves that segment.
  const banker = await db.staffMember.create({ data: { id: unique('pb'), name: 'Pat Banker', email: `${unique('pb')}@bank.test`, roles: ['RELATIONSHIP_MANAGER'], expertise: ['HIGH_NET_WORTH'] } });
  await stateOf(handle);

  const actor = { staffId: oldManager.id, roles: ['RELATIONSHIP_MANAGER' as const] };
  await updateProfile(deps(), actor, customer.id, { totalAssetsUsd: 2_500_000, debtsUsd: 10_000, version: before.version });
  await handle.signal(customerChangedSignal, { fields: ['totalAssetsUsd', 'debtsUsd'], byStaffId: oldManager.id });

  const after = await db.customer.findUniqueOrThrow({ where: { id: customer.id }, include: { assignments: true } });
  expect(after).toMatchObject({ segment: 'HIGH_NET_WORTH', serviceTier: 'HIGH_NET_WORTH', relationshipManagerId: banker.id });
  expect(after.assignments.find((a) => a.staffId === oldManager.id && a.role === 'RELATIONSHIP_MANAGER')?.endedAt).not.toBeNull();
  const subject = `Customer ${customer.id}: segment VIP → HIGH_NET_WORTH`;
  await smtp.waitFor(() => smtp.to(oldManager.email).some((m) => m.subject === subject) && smtp.to(banker.email).some((m) => m.subject === subject));
  expect(smtp.to(banker.email).find((m) => m.subject === subject)?.text).toContain('is now looked after by you');
  expect(smtp.to(oldManager.email).find((m) => m.subject === subject)?.text).toContain('no longer looked after by you');

  // debtsUsd is a §6.1 risk input: the due re-assessment is recorded (audit), then made at once (§6) and cleared.
  // The profile update signals the lifecycle itself too, so two signals arrive (handled in one batch or two:
  // one or two re-assessments, each recorded once); wait until both are handled and nothing is due.
  const state = await eventually(() => stateOf(handle), (s) => s.segment === 'HIGH_NET_WORTH' && s.counters.changes === 2 && (s.risk?.inputChanges ?? 0) >= 1 && !s.riskReassessmentDueAt);
  expect(state).toMatchObject({ segment: 'HIGH_NET_WORTH', managerId: banker.id });
  expect(await db.auditLog.count({ where: { customerId: customer.id, action: 'risk.reassessment_due' } })).toBeGreaterThanOrEqual(1);
  const assessments = await db.riskAssessment.findMany({ where: { customerId: customer.id }, select: { trigger: true, runKey: true }, orderBy: { assessedAt: 'asc' } });
  expect(assessments[0]).toEqual({ trigger: 'INITIAL', runKey: 'lifecycle:initial' });
  expect(assessments.slice(1)).toEqual(Array.from({ length: state.risk!.inputChanges }, (_, i) => ({ trigger: 'INPUT_CHANGE', runKey: `lifecycle:input:${i + 1}` })));
  expect((await attributes(handle))).toMatchObject({ Segment: ['HIGH_NET_WORTH'], StaffId: [banker.id], RiskRating: [state.risk!.rating] });
  expect((await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: customer.id } })).riskReassessmentDueAt).toBeNull();
  // A repeated signal sends nothing twice.
  await handle.signal(customerChangedSignal, { fields: ['totalAssetsUsd'], byStaffId: oldManager.id });
  await eventually(() => stateOf(handle), (s) => s.counters.changes === 3 && !s.riskReassessmentDueAt);
  expect(smtp.to(banker.email).filter((m) => m.subject === subject)).toHaveLength(1);
});

test('§5.1 a customer reachable by phone only: the greeting becomes a contact task for a person (the channel interface), recorded in the contact history', async () => {
  const { customer, approvedAt, handle } = await individual({ assets: 5_000, dateOfBirth: '1990-07-04', withEmail: false });
  await stateOf(handle);
  const greeting = nextBirthdayGreeting('1990-07-04', approvedAt, policy);
  await advanceTo(env, new Date(greeting.getTime() + MINUTE));
  const event = await eventually(() => db.contactEvent.findFirst({ where: { customerId: customer.id, kind: 'BIRTHDAY_GREETING' } }), (e) => e !== null);
  expect(event).toMatchObject({ channel: 'PHONE', status: 'TASK_OPENED', at: greeting });
  const task = await db.task.findUniqueOrThrow({ where: { id: event!.taskId! } });
  // REGULAR has no dedicated manager (§4.1): the service team makes the call.
  expect(task).toMatchObject({ kind: 'CUSTOMER_CONTACT', status: 'OPEN', team: 'CUSTOMER_SERVICE', customerId: customer.id });
  expect(task.subject).toBe(`BIRTHDAY_GREETING to customer ${customer.id} by PHONE (§5.1)`);
});

test('close: open tasks cancelled, reminders answered, the process ends CLOSED', async () => {
  await staff('Cal Manager', ['RELATIONSHIP_MANAGER']);
  const { customer, approvedAt, handle } = await individual({ assets: 150_000, dateOfBirth: '1970-01-20' });
  await advanceTo(env, new Date(nextReviewDue(approvedAt, 'INDIVIDUAL', policy).getTime() + 20 * MINUTE));
  const task = await db.task.findFirstOrThrow({ where: { customerId: customer.id, kind: 'PERIODIC_REVIEW', status: 'OPEN' } });
  // The use case closes the record first (src/lifecycle/close-customer.ts); the process then ends.
  await db.customer.update({ where: { id: customer.id }, data: { status: 'CLOSED' } });
  await db.task.updateMany({ where: { customerId: customer.id, status: 'OPEN' }, data: { status: 'CANCELLED' } });
  const closed = await handle.executeUpdate(closeUpdate, { args: [{ staffId: supervisor.id }] });
  expect(closed.status).toBe('CLOSED');
  const result = await handle.result();
  expect(result).toMatchObject({ status: 'CLOSED', agenda: [] });
  expect((await handle.describe()).searchAttributes.BusinessStatus).toEqual(['CLOSED']);
  expect((await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: customer.id } })).status).toBe('CLOSED');
  // The review's reminder was cancelled with it: it never escalates.
  expect(await db.reminder.findUniqueOrThrow({ where: { key: `review-${customer.id}-0` } })).toMatchObject({ status: 'CANCELLED', taskId: task.id });
  const ladder = reviewLadder(nextReviewDue(approvedAt, 'INDIVIDUAL', policy), policy);
  await advanceTo(env, new Date(ladder.overdueAt.getTime() + MINUTE));
  expect(smtp.messages.filter((m) => m.subject === `Escalation: reminder not acknowledged: ${task.subject}`)).toHaveLength(0);
});

test('continue-as-new keeps the state: forced after every event, a year of contacts and a review carry over run to run', async () => {
  const maker = await staff('Mona Maker', ['CUSTOMER_SERVICE']);
  const auditor = await staff('Ada Auditor', ['AUDITOR']);
  const customer = await createCustomer(deps(), { staffId: maker.id, roles: ['CUSTOMER_SERVICE'] }, {
    type: 'INDIVIDUAL', channel: 'BRANCH', firstName: 'Carl', lastName: 'Carry', dateOfBirth: '1985-10-10', email: `${unique('can')}@mail.test`, totalAssetsUsd: 5_000, identity: { kind: 'SSN', number: freshSsn() },
  });
  await approve(customer.id, auditor.id);
  // The hand-off started customer-<id>; it is replaced by a run with the test-only flag (same business key).
  const handOff = env.client.workflow.getHandle(customerWorkflowId(customer.id));
  // Terminated once its first steps are done (its §6 initial assessment too): the time-skipping server
  // keeps time locked for an activity whose workflow was terminated while it ran.
  await eventually(() => stateOf(handOff as WorkflowHandle<typeof customerLifecycle>), (s) => Boolean(s.risk?.rating));
  // Idle means: no activity pending in two looks 300 ms apart, and no history written between them
  // (on a loaded machine a single look could fall between one activity's end and the next one's start).
  const twoLooks = async () => {
    const first = await handOff.describe();
    await new Promise((r) => setTimeout(r, 300));
    return { first, second: await handOff.describe() };
  };
  await eventually(twoLooks, ({ first, second }) => [first, second].every((d) => (d.raw.pendingActivities ?? []).length === 0) && first.historyLength === second.historyLength, 30_000);
  await handOff.terminate('replaced by a run that continues-as-new after every event');
  const handle = await env.client.workflow.start(customerLifecycle, { taskQueue: TASK_QUEUE, workflowId: customerWorkflowId(customer.id), args: [{ customerId: customer.id, continueAsNewAfterEvents: 1 }] });
  const start = await stateOf(handle);
  const end = new Date(Date.parse(start.nextReviewAt) + 20 * MINUTE);
  await advanceTo(env, end);
  // REGULAR has no dedicated manager: the service team (the maker is a CUSTOMER_SERVICE member) reviews.
  const { task } = await completeOpenReview(handle, customer.id, maker.id);
  expect(task).toMatchObject({ team: 'CUSTOMER_SERVICE', assigneeStaffId: null });
  const state = await eventually(() => stateOf(handle), (s) => s.counters.reviewsCompleted === 1 && s.cycle === 1);
  // REGULAR: a quarterly news digest; a birthday in October; each event ran in its own run.
  expect(state.counters.contacts).toBeGreaterThanOrEqual(2);
  expect(state.counters.runs).toBeGreaterThan(state.counters.contacts);
  expect(state).toMatchObject({ customerId: customer.id, segment: 'REGULAR', cycle: 1, policyVersion: policy.version });
  const events = await db.contactEvent.count({ where: { customerId: customer.id } });
  expect(events).toBe(state.counters.contacts);
});

test('§3.2 month ends are clamped: approved on 31 August, the review is due on the last day of February', async () => {
  const now = new Date(await env.currentTimeMs());
  const year = Number(calendarDateIn(now, TZ).slice(0, 4)) + 1;
  await advanceTo(env, new Date(`${year}-08-31T15:00:00Z`));
  const { approvedAt, handle } = await individual({ assets: 5_000, dateOfBirth: '1992-02-29' });
  expect(calendarDateIn(approvedAt, TZ)).toBe(`${year}-08-31`);
  const state = await stateOf(handle);
  const leap = (year + 1) % 4 === 0;
  expect(calendarDateIn(new Date(state.nextReviewAt), TZ)).toBe(`${year + 1}-02-${leap ? '29' : '28'}`);
  // A 29 February birthday is greeted on 28 February in common years.
  const greeting = state.agenda.find((a) => a.kind === 'BIRTHDAY_GREETING')!;
  expect(calendarDateIn(new Date(greeting.at), TZ)).toBe(`${year + 1}-02-${leap ? '29' : '28'}`);
});

test('a customer closed while its process was not told (Temporal away at the close) ends at its next contact, sending nothing', async () => {
  const { customer, email, handle } = await individual({ assets: 5_000, dateOfBirth: '1966-06-06' });
  const state = await stateOf(handle);
  await db.customer.update({ where: { id: customer.id }, data: { status: 'CLOSED' } });
  const next = state.agenda.reduce((a, b) => (Date.parse(a.at) < Date.parse(b.at) ? a : b));
  const sent = smtp.to(email).length;
  await advanceTo(env, new Date(Date.parse(next.at) + MINUTE));
  const result = await handle.result();
  expect(result.status).toBe('CLOSED');
  expect(smtp.to(email)).toHaveLength(sent);
  expect(await db.contactEvent.count({ where: { customerId: customer.id } })).toBe(0);
});

test('§3.2 a manager with several reviews due on one day gets one digest listing them all; escalations still go one by one', async () => {
  const manager = await staff('Dee Gest', ['RELATIONSHIP_MANAGER']);
  // VIP customers approved the same day, all looked after by this manager: their reviews fall due together.
  const customers: Awaited<ReturnType<typeof individual>>[] = [];
  for (let i = 0; i < 3; i += 1) {
    const c = await individual({ assets: 200_000 + i, dateOfBirth: '1981-04-0' + (i + 1) });
    await db.customer.update({ where: { id: c.customer.id }, data: { relationshipManagerId: manager.id } });
    await c.handle.signal(customerChangedSignal, { fields: ['relationshipManagerId'] });
    await eventually(() => stateOf(c.handle), (s) => s.managerId === manager.id);
    customers.push(c);
  }
  const dues = customers.map((c) => nextReviewDue(c.approvedAt, 'INDIVIDUAL', policy).toISOString());
  expect(new Set(dues.map((d) => calendarDateIn(new Date(d), TZ))).size).toBe(1);
  const latest = Math.max(...dues.map((d) => Date.parse(d)));
  await advanceTo(env, new Date(latest + 20 * MINUTE));
  const digests = await smtp.waitFor(() => smtp.to(manager.email).some((m) => m.subject.startsWith('Your reminders for')));
  const mine = digests.filter((m) => m.to.includes(manager.email) && m.subject.startsWith('Your reminders for'));
  expect(mine).toHaveLength(1);
  expect(mine[0]!.subject).toMatch(/: 3 due$/);
  for (const c of customers) expect(mine[0]!.text).toContain(`Periodic review of customer ${c.customer.id}`);
  expect(smtp.to(manager.email).filter((m) => m.subject.startsWith('Reminder: Periodic review'))).toHaveLength(0);
  // Left open, each review escalates on its own.
  const ladder = reviewLadder(new Date(latest), policy);
  await advanceTo(env, new Date(ladder.overdueAt.getTime() + MINUTE));
  await smtp.waitFor(() => smtp.to(supervisor.email).filter((m) => customers.some((c) => m.subject === `Escalation: reminder not acknowledged: Periodic review of customer ${c.customer.id}, cycle 1 (§3.2)`)).length === 3);
});

test('§3.2 reminders that join the same digest together share signals, and the digest lists every one of them', async () => {
  const manager = await staff('Bea Tch', ['RELATIONSHIP_MANAGER']);
  const now = await env.currentTimeMs();
  const dueAt = new Date(now + 60 * MINUTE);
  const date = calendarDateIn(dueAt, TZ);
  const keys = Array.from({ length: 25 }, (_, i) => `${unique('batch')}-${i}`);
  for (const key of keys) {
    await db.reminder.create({
      data: { key, staffId: manager.id, escalationStaffId: supervisor.id, subject: `Periodic review ${key}`, dueAt, escalatesAt: new Date(dueAt.getTime() + 24 * 60 * MINUTE), policyVersion: policy.version, status: 'DUE', workflowId: `test-${key}`, delivery: 'DIGEST' },
    });
  }
  const joiner = createDigestJoiner(env.client);
  const workflowId = staffDigestWorkflowId(manager.id, date);
  const join = (reminderKey: string) => joiner.join({ workflowId, taskQueue: TASK_QUEUE, input: { staffId: manager.id, date, sendAt: new Date(dueAt.getTime() + 15 * MINUTE).toISOString() }, staticSummary: 'test digest', reminderKey });
  await Promise.all(keys.map(join));
  // Joined at once: the first signal goes alone, the others wait for it and go together.
  expect(joiner.signalsSent).toBeGreaterThanOrEqual(2);
  expect(joiner.signalsSent).toBeLessThan(keys.length);
  const signals = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes || e.workflowExecutionStartedEventAttributes);
  expect(signals).toHaveLength(joiner.signalsSent);
  await advanceTo(env, new Date(dueAt.getTime() + 20 * MINUTE));
  const digests = await smtp.waitFor(() => smtp.to(manager.email).some((m) => m.subject.startsWith('Your reminders for')));
  const mine = digests.filter((m) => m.to.includes(manager.email) && m.subject.startsWith('Your reminders for'));
  expect(mine).toHaveLength(1);
  expect(mine[0]!.subject).toMatch(/: 25 due$/);
  for (const key of keys) expect(mine[0]!.text).toContain(`Periodic review ${key}`);
});
