/**
 * The customer lifecycle through the API, end to end on real parts: HTTP → use cases → PostgreSQL,
 * the lifecycle workflow `customer-<id>` (started by onboarding at approval, or by ensure) on the
 * Temporal dev server with a worker running the real activities, and a real SMTP server.
 * Clause ids: ../shared/policy.md.
 *   §3.2 periodic review (due, reminded, overdue and escalated, completed with findings and updates,
 *        the next one planned) and dynamic updates (signalled to the lifecycle);
 *   §5.1 the quarterly meeting of an enterprise, a contact made by phone, the contact history;
 *   §3.1 who may do what (roles, a manager's own customers only, 404 for the others), every change
 *        audited, bad input refused with the field named and nothing written;
 *   and a customer leaving: CLOSED, tasks cancelled, the lifecycle ended.
 *
 * A review falls due 6 months after approval, which a dev server cannot wait for: the lifecycle of a
 * customer is restarted through `ensureLifecycles` with `lastReviewAt` 6 months and a day ago (as for
 * a customer brought in from an earlier system), so its review falls due at once. The test policy
 * puts the first meeting reminder 100 business days into the quarter, so the current quarter's
 * meeting opens at once (policy: a quarter's meeting is planned while its first reminder is ahead).
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { addMonthsClamped, nextReviewDue } from '../../src/domain/lifecycle-schedule';
import { calendarDateIn } from '../../src/domain/business-calendar';
import { ensureLifecycles } from '../../src/lifecycle/ensure-lifecycles';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { customerWorkflowId, lifecycleStateQuery, type LifecycleState } from '../../workflows/lifecycle/definitions';
import { apiCaller, approvedCustomer, mediumEnterpriseBody, staffWithKeys, until, vipBody, type ApiResponse, type ApiStaff, type ApprovedCustomer } from '../support/api';
import { startApiStack, type ApiStack } from '../support/stack';

const MAIL_FROM = 'care@bank.test';
const policy = parsePolicy({
  ...DEFAULT_POLICY,
  version: '2026.12-97',
  contact: { ...DEFAULT_POLICY.contact, meeting: { firstReminderAfterBusinessDays: 100, secondReminderAfterBusinessDays: 110 } },
});
const ring = developmentKeyRing();
const TZ = policy.onboarding.timeZone;

let stack: ApiStack;
let db: Db;
let baseUrl: string;
let temporal: Client;

const staff = {} as Record<'admin' | 'cs' | 'auditor' | 'supervisor' | 'risk' | 'rmA' | 'rmB', ApiStaff>;
const call = apiCaller(() => baseUrl);
/** POST /customers by the service desk, approval by the AUDITOR through the API, and the lifecycle it starts running. */
const approved = (body: unknown) => approvedCustomer({ call, db, temporal }, body, { maker: staff.cs, checker: staff.auditor });

const rmOf = (c: ApprovedCustomer) => (c.managerId === staff.rmA.id ? staff.rmA : staff.rmB);
const otherRmOf = (c: ApprovedCustomer) => (c.managerId === staff.rmA.id ? staff.rmB : staff.rmA);

const admin = () => ({ staffId: staff.admin.id, roles: ['ADMIN' as const] });
const ensureDeps = () => ({ db, temporal, taskQueue: stack.taskQueue, policy, clock: systemClock });

/**
 * Its lifecycle lost and restarted by ensure as a migrated customer's, last reviewed `daysAgo` days
 * ago: 185 days (6 months, at most 184 days, and a day) → the review fell due yesterday or earlier, at
 * once; 215 days → it fell due about a month ago and is overdue (10 business days) at once.
 */
async function reviewFallsDue(c: ApprovedCustomer, daysAgo: number): Promise<string> {
  const handle = temporal.workflow.getHandle(customerWorkflowId(c.id));
  await handle.terminate('test: the lifecycle is restarted as a migrated customer’s');
  const last = new Date(Date.now() - daysAgo * 86_400_000);
  const ensured = await ensureLifecycles(ensureDeps(), admin(), { customerId: c.id, lastReviewAt: last.toISOString() });
  expect(ensured).toEqual({ started: [c.id], alreadyRunning: 0, skipped: [] });
  const task = await until(`review task of ${c.id}`, () => db.task.findFirst({ where: { customerId: c.id, kind: 'PERIODIC_REVIEW', status: 'OPEN' } }));
  expect(task.id).toBe(`review:${c.id}:0`);
  return task.id;
}

/** Row counts of what a refused request must not touch, and the customer and its tasks as they are. */
async function stateOf(customerId: string) {
  const [audit, tasks, customer, contacts, lifecycle] = await Promise.all([
    db.auditLog.count({ where: { action: { notIn: ['customer.read', 'customer.list'] } } }),
    db.task.findMany({ where: { customerId }, orderBy: { id: 'asc' } }),
    db.customer.findUniqueOrThrow({ where: { id: customerId } }),
    db.contactEvent.findMany({ where: { customerId }, orderBy: { id: 'asc' } }),
    db.customerLifecycle.findUnique({ where: { customerId } }),
  ]);
  return JSON.stringify({ audit, tasks, customer, contacts, lifecycle });
}

let individual: ApprovedCustomer; // VIP: review completed
let overdue: ApprovedCustomer; // VIP: review overdue, then closed
let enterprise: ApprovedCustomer; // MEDIUM: quarterly meeting

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring });
  ({ db, temporal, baseUrl } = stack);
  await staffWithKeys(db, staff, { admin: ['ADMIN'], cs: ['CUSTOMER_SERVICE'], auditor: ['AUDITOR'], supervisor: ['SUPERVISOR'], risk: ['RISK_OFFICER'], rmA: ['RELATIONSHIP_MANAGER'], rmB: ['RELATIONSHIP_MANAGER'] });
  [individual, overdue, enterprise] = await Promise.all([approved(vipBody()), approved(vipBody()), approved(mediumEnterpriseBody())]);
});

afterAll(async () => {
  await stack?.stop();
});

describe('the lifecycle starts at approval (§3.2)', () => {
  test('approval starts customer-<id>: record ACTIVE, next review 6 months after approval, lifecycle.start audited once; ensure finds it running', async () => {
    const lc = await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: enterprise.id } });
    const review = await db.onboardingReview.findUniqueOrThrow({ where: { customerId: enterprise.id } });
    expect(lc).toMatchObject({ status: 'ACTIVE', workflowId: `customer-${enterprise.id}`, reviewCycle: 0, policyVersion: policy.version });
    expect(lc.nextReviewAt?.toISOString()).toBe(nextReviewDue(review.decidedAt!, 'ENTERPRISE', policy).toISOString());
    expect(await db.auditLog.count({ where: { customerId: enterprise.id, action: 'lifecycle.start' } })).toBe(1);
    const described = await temporal.workflow.getHandle(customerWorkflowId(enterprise.id)).describe();
    expect(described.searchAttributes).toMatchObject({ ProcessKind: ['CUSTOMER_LIFECYCLE'], CustomerId: [enterprise.id] });

    expect(await ensureLifecycles(ensureDeps(), admin(), { customerId: enterprise.id })).toEqual({ started: [], alreadyRunning: 1, skipped: [] });
    await expect(ensureLifecycles(ensureDeps(), { staffId: staff.supervisor.id, roles: ['SUPERVISOR'] }, {})).rejects.toThrow(/requires one of the roles ADMIN/);
  });
});

describe('§3.2 the periodic review: due, listed, completed with findings and updates', () => {
  let taskId: string;

  test('the review falls due: a task for the relationship manager, its reminder DUE in the day’s digest, which the manager receives', async () => {
    taskId = await reviewFallsDue(individual, 185);
    const rm = rmOf(individual);
    const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
    expect(task).toMatchObject({ kind: 'PERIODIC_REVIEW', status: 'OPEN', assigneeStaffId: rm.id, team: null, workflowId: customerWorkflowId(individual.id) });
    const reminder = await until('the review reminder DUE', async () => {
      const r = await db.reminder.findUnique({ where: { key: `review-${individual.id}-0` } });
      return r?.status === 'DUE' ? r : undefined;
    });
    expect(reminder).toMatchObject({ staffId: rm.id, escalationStaffId: staff.supervisor.id, delivery: 'DIGEST', taskId });
    // The digest goes out the policy's 15 minutes after the due time, which passed yesterday.
    const mails = await stack.smtp.waitFor((m) => m.some((x) => x.to.includes(rm.email) && x.text.includes(`review-${individual.id}-0`)), 30_000);
    expect(mails.filter((x) => x.to.includes(rm.email) && x.text.includes(`review-${individual.id}-0`)).length).toBeGreaterThanOrEqual(1);
    expect((await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: individual.id } })).status).toBe('REVIEW_DUE');
  });

  test('GET /tasks and GET /reviews/periodic show it to its manager, a SUPERVISOR and CUSTOMER_SERVICE; not to another manager', async () => {
    const rm = rmOf(individual);
    const other = otherRmOf(individual);
    const mine = await call('GET', '/tasks', { as: rm });
    expect(mine.status).toBe(200);
    expect(mine.body.assignee).toBe(rm.id);
    expect(mine.body.items.map((t: { id: string }) => t.id)).toContain(taskId);
    expect(mine.body.items.find((t: { id: string }) => t.id === taskId)).toMatchObject({ kind: 'PERIODIC_REVIEW', status: 'OPEN', customerId: individual.id });
    expect((await call('GET', '/tasks', { as: other })).body.items.map((t: { id: string }) => t.id)).not.toContain(taskId);
    expect((await call('GET', `/tasks?assignee=${rm.id}`, { as: other })).status).toBe(403);
    const bySupervisor = await call('GET', `/tasks?assignee=${rm.id}&kind=PERIODIC_REVIEW`, { as: staff.supervisor });
    expect([bySupervisor.status, bySupervisor.body.items.map((t: { id: string }) => t.id)]).toEqual([200, expect.arrayContaining([taskId])]);

    const due = await call('GET', '/reviews/periodic?status=DUE', { as: rm });
    expect(due.status).toBe(200);
    expect(due.body.items.find((t: { id: string }) => t.id === taskId)).toMatchObject({ reviewStatus: 'DUE', customerId: individual.id, assigneeStaffId: rm.id });
    expect((await call('GET', '/reviews/periodic', { as: other })).body.items.map((t: { id: string }) => t.id)).not.toContain(taskId);
    expect((await call('GET', `/reviews/periodic?managerId=${rm.id}`, { as: other })).status).toBe(403);
    expect((await call('GET', `/reviews/periodic?managerId=${rm.id}`, { as: staff.cs })).body.items.map((t: { id: string }) => t.id)).toContain(taskId);
    expect((await call('GET', '/reviews/periodic', { as: staff.risk })).status).toBe(403);
    expect((await call('GET', '/reviews/periodic?status=COMPLETED', { as: staff.supervisor })).body.items.map((t: { id: string }) => t.id)).not.toContain(taskId);
    // /reviews/periodic and /reviews/pending are different routes.
    const pending = await call('GET', '/reviews/pending', { as: staff.auditor });
    expect([pending.status, Array.isArray(pending.body.reviews)]).toEqual([200, true]);
  });

  test.each([
    ['no findings', 'findings', { version: 1 }],
    ['a blank finding', 'findings.basicData', { findings: { basicData: '  ', financialSituation: 'ok', changedNeeds: 'none' } }],
    ['a finding over 2000 characters', 'findings.basicData', { findings: { basicData: 'x'.repeat(2001), financialSituation: 'ok', changedNeeds: 'none' } }],
    ['a finding that is a number', 'findings.financialSituation', { findings: { basicData: 'ok', financialSituation: 7, changedNeeds: 'none' } }],
    ['an unknown finding', 'findings.mood', { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none', mood: 'good' } }],
    ['an invalid email in contact', 'contact.email', { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, contact: { email: 'not-an-email' }, version: 1 }],
    ['an empty contact', 'contact', { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, contact: {}, version: 1 }],
    ['an enterprise field in an individual’s profile', 'profile.employees', { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, profile: { employees: 5 }, version: 1 }],
    ['a negative amount in profile', 'profile.annualIncomeUsd', { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, profile: { annualIncomeUsd: -1 }, version: 1 }],
    ['updates without version', 'version', { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, contact: { phone: '+12125550123' } }],
    ['a version that is text', 'version', { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, version: '3' }],
    ['a NUL in a finding', 'findings.basicData', { findings: { basicData: 'a\u0000b', financialSituation: 'ok', changedNeeds: 'none' } }],
  ])('POST /customers/:id/reviews/complete with %s → 400 naming %s, nothing written', async (_label, field, body) => {
    const before = await stateOf(individual.id);
    const res = await call('POST', `/customers/${individual.id}/reviews/complete`, { as: rmOf(individual), body });
    expect([res.status, res.body.error]).toEqual([400, 'validation_failed']);
    expect(res.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(await stateOf(individual.id)).toBe(before);
  });

  test('§3.1 another manager gets 404, CUSTOMER_SERVICE 403 (the review is the manager’s), nothing written; a credit record is never echoed', async () => {
    const before = await stateOf(individual.id);
    const body = { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' } };
    expect((await call('POST', `/customers/${individual.id}/reviews/complete`, { as: otherRmOf(individual), body })).status).toBe(404);
    const cs = await call('POST', `/customers/${individual.id}/reviews/complete`, { as: staff.cs, body });
    expect([cs.status, cs.body.error]).toEqual([403, 'forbidden']);
    const secret = await call('POST', `/customers/${individual.id}/reviews/complete`, {
      as: rmOf(individual),
      body: { ...body, profile: { creditRecord: 'x'.repeat(2001) }, version: 1 },
    });
    expect(secret.status).toBe(400);
    expect(secret.body.issues).toEqual([{ field: 'profile.creditRecord', reason: 'at most 2000 characters' }]);
    expect(secret.text).not.toContain('xxxxxxxx');
    expect(await stateOf(individual.id)).toBe(before);
  });

  test('the manager completes it with findings, a new phone and a savings goal: the next review is 6 months on, the task DONE with the findings, updates and completion audited, the reminder answered', async () => {
    const rm = rmOf(individual);
    const version = (await db.customer.findUniqueOrThrow({ where: { id: individual.id } })).version;
    const stale = await call('POST', `/customers/${individual.id}/reviews/complete`, {
      as: rm,
      body: { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, contact: { phone: '+12125550123' }, version: version + 5 },
    });
    expect([stale.status, stale.body.message]).toEqual([409, expect.stringMatching(/is at version \d+, not \d+/)]);

    const findings = { basicData: 'Identity and address confirmed in branch', financialSituation: 'Salary unchanged; savings up', changedNeeds: 'Wants a retirement plan' };
    const res = await call('POST', `/customers/${individual.id}/reviews/complete`, {
      as: rm,
      body: { findings, contact: { phone: '+1 (212) 555-0123' }, profile: { savingsGoal: 'retirement in 2045' }, version },
    });
    expect([res.status, res.body.message]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({ customerId: individual.id, taskId, cycle: 1, customer: { id: individual.id, phone: '+12125550123', version: version + 2 } });
    const completedAt = new Date(res.body.completedAt);
    expect(Math.abs(completedAt.getTime() - Date.now())).toBeLessThan(60_000);
    // §3.2 the next review: 6 months after this completion (not after the missed due date), at the policy's local time.
    expect(res.body.nextReviewAt).toBe(nextReviewDue(completedAt, 'INDIVIDUAL', policy).toISOString());
    expect(calendarDateIn(new Date(res.body.nextReviewAt), TZ)).toBe(addMonthsClamped(calendarDateIn(completedAt, TZ), 6));

    const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
    expect(task).toMatchObject({ status: 'DONE', closedByStaffId: rm.id });
    expect(task.outcome).toEqual({
      findings,
      reviewedByStaffId: rm.id,
      updatesApplied: [
        { update: 'contact', fields: ['phone'], version: version + 1 },
        { update: 'profile', fields: ['savingsGoal'], version: version + 2 },
      ],
    });
    const actions = (await db.auditLog.findMany({ where: { customerId: individual.id, actorStaffId: rm.id }, orderBy: { id: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['customer.update', 'customer.profile.update', 'review.complete']));
    expect(await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: individual.id } })).toMatchObject({
      status: 'ACTIVE',
      reviewCycle: 1,
      lastReviewAt: completedAt,
      nextReviewAt: new Date(res.body.nextReviewAt),
    });
    await until('the reminder answered', async () => (await db.reminder.findUniqueOrThrow({ where: { key: `review-${individual.id}-0` } })).status === 'ACKNOWLEDGED');

    // §3.2 dynamic update: the lifecycle heard of the changed fields (names only).
    const state = await until('the change counted by the lifecycle', async () => {
      const s: LifecycleState = await temporal.workflow.getHandle(customerWorkflowId(individual.id)).query(lifecycleStateQuery);
      return s.counters.changes >= 2 && s.cycle === 1 ? s : undefined;
    });
    expect(state).toMatchObject({ status: 'ACTIVE', nextReviewAt: res.body.nextReviewAt });

    const again = await call('POST', `/customers/${individual.id}/reviews/complete`, { as: rm, body: { findings } });
    expect([again.status, again.body.message]).toEqual([409, `no periodic review is due for customer ${individual.id}; the next is due ${res.body.nextReviewAt}`]);
    const listed = await call('GET', '/reviews/periodic?status=COMPLETED', { as: rm });
    expect(listed.body.items.find((t: { id: string }) => t.id === taskId)).toMatchObject({ reviewStatus: 'COMPLETED', status: 'DONE' });
  });
});

describe('§3.2 an overdue review escalates; the customer leaves', () => {
  let taskId: string;

  test('a review due a month ago is OVERDUE at once: listed as such, escalated by email to the supervisor', async () => {
    taskId = await reviewFallsDue(overdue, 215);
    await until('REVIEW_OVERDUE', async () => (await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: overdue.id } })).status === 'REVIEW_OVERDUE');
    const listed = await call('GET', '/reviews/periodic?status=OVERDUE', { as: staff.supervisor });
    expect(listed.body.items.find((t: { id: string }) => t.id === taskId)).toMatchObject({ reviewStatus: 'OVERDUE', status: 'OVERDUE' });
    expect((await call('GET', '/reviews/periodic?status=DUE', { as: staff.supervisor })).body.items.map((t: { id: string }) => t.id)).not.toContain(taskId);
    const escalation = await stack.smtp.waitFor((m) => m.some((x) => x.to.includes(staff.supervisor.email) && x.subject.includes(overdue.id)), 30_000);
    expect(escalation.find((x) => x.to.includes(staff.supervisor.email) && x.subject.includes(overdue.id))!.subject).toMatch(/escalat/i);
  });

  test.each([
    ['no reason', 'reason', {}],
    ['a blank reason', 'reason', { reason: '   ' }],
    ['a reason over 500 characters', 'reason', { reason: 'x'.repeat(501) }],
    ['an unknown field', 'when', { reason: 'moved away', when: 'now' }],
  ])('POST /customers/:id/close with %s → 400 naming %s, nothing written', async (_label, field, body) => {
    const before = await stateOf(overdue.id);
    const res = await call('POST', `/customers/${overdue.id}/close`, { as: rmOf(overdue), body });
    expect([res.status, res.body.issues?.map((i: { field: string }) => i.field)]).toEqual([400, expect.arrayContaining([field])]);
    expect(await stateOf(overdue.id)).toBe(before);
  });

  test('§3.1 close: another manager 404, CUSTOMER_SERVICE and AUDITOR 403, a PENDING_REVIEW customer 409; nothing written', async () => {
    const before = await stateOf(overdue.id);
    expect((await call('POST', `/customers/${overdue.id}/close`, { as: otherRmOf(overdue), body: { reason: 'moved away' } })).status).toBe(404);
    expect((await call('POST', `/customers/${overdue.id}/close`, { as: staff.cs, body: { reason: 'moved away' } })).status).toBe(403);
    expect((await call('POST', `/customers/${overdue.id}/close`, { as: staff.auditor, body: { reason: 'moved away' } })).status).toBe(403);
    expect(await stateOf(overdue.id)).toBe(before);
    const pending = await call('POST', '/customers', { as: staff.cs, body: vipBody() });
    const refused = await call('POST', `/customers/${pending.body.id}/close`, { as: staff.supervisor, body: { reason: 'moved away' } });
    expect([refused.status, refused.body.message]).toEqual([409, `customer ${pending.body.id} is PENDING_REVIEW: only an APPROVED customer can be closed`]);
  });

  test('its manager closes it: CLOSED, its open review cancelled, the lifecycle record CLOSED with the reason, audited; the workflow ends CLOSED', async () => {
    const rm = rmOf(overdue);
    const version = (await db.customer.findUniqueOrThrow({ where: { id: overdue.id } })).version;
    const res = await call('POST', `/customers/${overdue.id}/close`, { as: rm, body: { reason: 'Moved abroad' } });
    expect([res.status, res.body.message]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({ customer: { id: overdue.id, status: 'CLOSED', version: version + 1 }, reason: 'Moved abroad', tasksCancelled: [taskId], lifecycle: 'CLOSED' });
    expect(await db.task.findUniqueOrThrow({ where: { id: taskId } })).toMatchObject({ status: 'CANCELLED', closedByStaffId: rm.id });
    expect(await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: overdue.id } })).toMatchObject({
      status: 'CLOSED',
      closedAt: new Date(res.body.closedAt),
      closeReason: 'Moved abroad',
    });
    const audit = await db.auditLog.findMany({ where: { customerId: overdue.id, action: 'customer.close' } });
    expect(audit.map((a) => [a.actorStaffId, a.changes])).toEqual([
      [rm.id, { status: { before: 'APPROVED', after: 'CLOSED' }, reason: { before: null, after: 'Moved abroad' }, tasksCancelled: { before: null, after: [taskId] } }],
    ]);
    const handle = temporal.workflow.getHandle(customerWorkflowId(overdue.id));
    const final: LifecycleState = await handle.result();
    expect(final.status).toBe('CLOSED');
    expect((await handle.describe()).status.name).toBe('COMPLETED');

    const again = await call('POST', `/customers/${overdue.id}/close`, { as: rm, body: { reason: 'Moved abroad' } });
    expect([again.status, again.body.message]).toEqual([409, `customer ${overdue.id} is CLOSED: only an APPROVED customer can be closed`]);
    const review = await call('POST', `/customers/${overdue.id}/reviews/complete`, { as: rm, body: { findings: { basicData: 'a', financialSituation: 'b', changedNeeds: 'c' } } });
    expect([review.status, review.body.message]).toEqual([409, `no periodic review is due for customer ${overdue.id}; its lifecycle is CLOSED`]);
    expect((await call('GET', '/reviews/periodic?status=CANCELLED', { as: rm })).body.items.map((t: { id: string }) => t.id)).toContain(taskId);
  });
});

describe('§5.1 the quarterly meeting of an enterprise, the contact history', () => {
  let taskId: string;

  test('the quarter’s meeting task is open for the manager', async () => {
    const task = await until('meeting task', () => db.task.findFirst({ where: { customerId: enterprise.id, kind: 'RELATIONSHIP_MEETING', status: 'OPEN' } }));
    taskId = task.id;
    expect(task).toMatchObject({ assigneeStaffId: enterprise.managerId, workflowId: customerWorkflowId(enterprise.id) });
    expect(taskId).toMatch(new RegExp(`^meeting:${enterprise.id}:\\d{4}-Q[1-4]$`));
  });

  const today = () => calendarDateIn(new Date(), TZ);
  const tomorrow = () => calendarDateIn(new Date(Date.now() + 36 * 3600_000), TZ);
  test.each([
    ['heldOn in the future', 'heldOn', () => ({ heldOn: tomorrow(), attendees: ['CFO'], notes: '' })],
    ['heldOn before the quarter', 'heldOn', () => ({ heldOn: '2020-01-15', attendees: ['CFO'], notes: '' })],
    ['heldOn not a date', 'heldOn', () => ({ heldOn: '2026-02-30', attendees: ['CFO'], notes: '' })],
    ['no attendees', 'attendees', () => ({ heldOn: today(), attendees: [], notes: '' })],
    ['21 attendees', 'attendees', () => ({ heldOn: today(), attendees: Array.from({ length: 21 }, (_, i) => `Person ${i}`), notes: '' })],
    ['a blank attendee', 'attendees.1', () => ({ heldOn: today(), attendees: ['CFO', ' '], notes: '' })],
    ['notes over 4000 characters', 'notes', () => ({ heldOn: today(), attendees: ['CFO'], notes: 'x'.repeat(4001) })],
    ['no notes', 'notes', () => ({ heldOn: today(), attendees: ['CFO'] })],
  ])('POST /customers/:id/meetings with %s → 400 naming %s, nothing written', async (_label, field, body) => {
    const before = await stateOf(enterprise.id);
    const res = await call('POST', `/customers/${enterprise.id}/meetings`, { as: staff.supervisor, body: body() });
    expect([res.status, res.body.issues?.map((i: { field: string }) => i.field)]).toEqual([400, expect.arrayContaining([field])]);
    expect(await stateOf(enterprise.id)).toBe(before);
  });

  test('§3.1 another manager 404, CUSTOMER_SERVICE 403; an individual 409', async () => {
    const body = { heldOn: today(), attendees: ['CFO'], notes: 'ok' };
    const other = enterprise.managerId === staff.rmA.id ? staff.rmB : staff.rmA;
    expect((await call('POST', `/customers/${enterprise.id}/meetings`, { as: other, body })).status).toBe(404);
    expect((await call('POST', `/customers/${enterprise.id}/meetings`, { as: staff.cs, body })).status).toBe(403);
    const person = await call('POST', `/customers/${individual.id}/meetings`, { as: staff.supervisor, body });
    expect([person.status, person.body.message]).toEqual([409, `customer ${individual.id} is an individual: quarterly meetings are for enterprise customers (§5.1)`]);
  });

  test('the manager records it: task DONE with what was recorded, the contact history has it, meeting.held audited', async () => {
    const rm = enterprise.managerId === staff.rmA.id ? staff.rmA : staff.rmB;
    const body = { heldOn: today(), attendees: ['CFO', 'Relationship manager'], notes: 'Discussed a credit line for the new plant.' };
    const res = await call('POST', `/customers/${enterprise.id}/meetings`, { as: rm, body });
    expect([res.status, res.body.message]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({ customerId: enterprise.id, taskId, heldOn: body.heldOn, task: { id: taskId, status: 'DONE', closedByStaffId: rm.id } });
    expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).outcome).toEqual({ ...body, recordedByStaffId: rm.id });
    expect(await db.auditLog.count({ where: { customerId: enterprise.id, action: 'meeting.held', actorStaffId: rm.id } })).toBe(1);

    const reads = await db.auditLog.count({ where: { customerId: enterprise.id, action: 'customer.read', entity: 'ContactEvent' } });
    const contacts = await call('GET', `/customers/${enterprise.id}/contacts`, { as: rm });
    expect(contacts.status).toBe(200);
    expect(contacts.body.items).toEqual([
      { id: `meeting:${taskId}`, kind: 'QUARTERLY_MEETING', channel: 'MEETING', status: 'SENT', at: `${body.heldOn}T12:00:00.000Z`, staffId: rm.id, taskId, detail: { heldOn: body.heldOn, attendees: 2 } },
    ]);
    expect(await db.auditLog.count({ where: { customerId: enterprise.id, action: 'customer.read', entity: 'ContactEvent', actorStaffId: rm.id } })).toBe(reads + 1);
    const other = enterprise.managerId === staff.rmA.id ? staff.rmB : staff.rmA;
    expect((await call('GET', `/customers/${enterprise.id}/contacts`, { as: other })).status).toBe(404);
    expect((await call('GET', `/customers/${enterprise.id}/contacts?pageSize=0`, { as: rm })).body.issues[0].field).toBe('pageSize');

    const again = await call('POST', `/customers/${enterprise.id}/meetings`, { as: rm, body });
    expect([again.status, again.body.message]).toEqual([409, expect.stringMatching(/^no quarterly meeting is open for customer /)]);
  });
});

describe('§5.1 a contact by phone: the task, its outcome, the history', () => {
  let taskId: string;

  test('PATCH to phone-only contact (signalled to the lifecycle); the birthday greeting becomes a phone task for the manager', async () => {
    const rm = rmOf(individual);
    const current = (await db.customer.findUniqueOrThrow({ where: { id: individual.id } })).version;
    const patched = await call('PATCH', `/customers/${individual.id}`, { as: rm, body: { contactPreferences: { email: false, phone: true }, version: current } });
    expect(patched.status).toBe(200);
    await until('the change counted by the lifecycle', async () => {
      const s: LifecycleState = await temporal.workflow.getHandle(customerWorkflowId(individual.id)).query(lifecycleStateQuery);
      return s.counters.changes >= 3;
    });
    // The activity the lifecycle runs on the birthday, run now.
    const made = await stack.activities.makeContact({ customerId: individual.id, workflowId: customerWorkflowId(individual.id), kind: 'BIRTHDAY_GREETING', at: new Date().toISOString() });
    expect(made).toEqual({ status: 'TASK_OPENED', channel: 'PHONE' });
    const task = await db.task.findFirstOrThrow({ where: { customerId: individual.id, kind: 'CUSTOMER_CONTACT' } });
    taskId = task.id;
    const inbox = await call('GET', '/tasks?kind=CUSTOMER_CONTACT', { as: rm });
    expect(inbox.body.items.map((t: { id: string }) => t.id)).toEqual([taskId]);
  });

  test.each([
    ['no outcome', 'outcome', {}],
    ['an unknown outcome', 'outcome', { outcome: 'MAYBE' }],
    ['notes over 1000 characters', 'notes', { outcome: 'REACHED', notes: 'x'.repeat(1001) }],
    ['an unknown field', 'mood', { outcome: 'REACHED', mood: 'happy' }],
  ])('POST /tasks/:id/complete with %s → 400 naming %s, nothing written', async (_label, field, body) => {
    const before = await stateOf(individual.id);
    const res = await call('POST', `/tasks/${encodeURIComponent(taskId)}/complete`, { as: rmOf(individual), body });
    expect([res.status, res.body.issues?.map((i: { field: string }) => i.field)]).toEqual([400, expect.arrayContaining([field])]);
    expect(await stateOf(individual.id)).toBe(before);
  });

  test('§3.1 another manager 404, CUSTOMER_SERVICE 403, an unknown task 404; a review task 409 naming its endpoint', async () => {
    const path = `/tasks/${encodeURIComponent(taskId)}/complete`;
    expect((await call('POST', path, { as: otherRmOf(individual), body: { outcome: 'REACHED' } })).status).toBe(404);
    expect((await call('POST', path, { as: staff.cs, body: { outcome: 'REACHED' } })).status).toBe(403);
    expect((await call('POST', '/tasks/contact%3Anope/complete', { as: staff.supervisor, body: { outcome: 'REACHED' } })).status).toBe(404);
    const review = await call('POST', `/tasks/${encodeURIComponent(`review:${individual.id}:0`)}/complete`, { as: staff.supervisor, body: { outcome: 'REACHED' } });
    expect([review.status, review.body.message]).toEqual([409, `task review:${individual.id}:0 is a PERIODIC_REVIEW task: it is completed through POST /customers/${individual.id}/reviews/complete`]);
  });

  test('the manager records REACHED: task DONE, the contact DONE with the outcome in the history, task.complete audited; again 409', async () => {
    const rm = rmOf(individual);
    const path = `/tasks/${encodeURIComponent(taskId)}/complete`;
    const res = await call('POST', path, { as: rm, body: { outcome: 'REACHED', notes: 'Happy birthday wishes passed on' } });
    expect([res.status, res.body.message]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({ id: taskId, status: 'DONE', closedByStaffId: rm.id, outcome: { outcome: 'REACHED', notes: 'Happy birthday wishes passed on', recordedByStaffId: rm.id } });
    const history = await call('GET', `/customers/${individual.id}/contacts`, { as: rm });
    expect(history.body.items.find((e: { taskId: string }) => e.taskId === taskId)).toMatchObject({ kind: 'BIRTHDAY_GREETING', channel: 'PHONE', status: 'DONE', staffId: rm.id, detail: { outcome: 'REACHED' } });
    const audit = await db.auditLog.findMany({ where: { action: 'task.complete', entityId: taskId } });
    expect(audit.map((a) => [a.actorStaffId, a.customerId, a.changes])).toEqual([[rm.id, individual.id, { status: { before: 'OPEN', after: 'DONE' }, outcome: { before: null, after: 'REACHED' } }]]);
    const again = await call('POST', path, { as: rm, body: { outcome: 'NO_ANSWER' } });
    expect([again.status, again.body.message]).toEqual([409, `task ${taskId} is DONE already`]);
    expect((await call('GET', '/tasks?kind=CUSTOMER_CONTACT', { as: rm })).body.items).toEqual([]);
    expect((await call('GET', '/tasks?kind=CUSTOMER_CONTACT&status=DONE', { as: rm })).body.items.map((t: { id: string }) => t.id)).toEqual([taskId]);
  });
});

describe('list queries: bad values 400 naming them; keyset paging', () => {
  test.each([
    ['/tasks?status=LATE', 'status'],
    ['/tasks?kind=CALL', 'kind'],
    ['/tasks?pageSize=101', 'pageSize'],
    ['/tasks?dueBefore=yesterday', 'dueBefore'],
    ['/tasks?cursor=abc', 'cursor'],
    ['/tasks?sort=asc', 'sort'],
    ['/reviews/periodic?status=OPEN', 'status'],
    ['/reviews/periodic?dueBefore=2026-13-01', 'dueBefore'],
    ['/customers/x/contacts?cursor=%7B%7D', 'cursor'],
  ])('GET %s → 400 naming %s', async (path, field) => {
    const res = await call('GET', path, { as: staff.supervisor });
    expect([res.status, res.body.issues?.map((i: { field: string }) => i.field)]).toEqual([400, [field]]);
  });

  test('GET /tasks pages with a cursor: every task once, in due order', async () => {
    const rm = rmOf(individual);
    const expected = (await db.task.findMany({ where: { assigneeStaffId: rm.id, status: 'DONE' }, orderBy: [{ dueAt: 'asc' }, { id: 'asc' }] })).map((t) => t.id);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await call('GET', `/tasks?status=DONE&assignee=${rm.id}&pageSize=1${cursor ? `&cursor=${cursor}` : ''}`, { as: staff.supervisor });
      expect([page.status, page.body.items.length]).toEqual([200, 1]);
      seen.push(...page.body.items.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  test('the OpenAPI document lists the lifecycle and task routes', async () => {
    const doc = await call('GET', '/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/customers/{id}/reviews/complete', '/customers/{id}/meetings', '/customers/{id}/close', '/customers/{id}/contacts', '/reviews/periodic', '/tasks', '/tasks/{id}/complete']),
    );
    expect(Object.keys(doc.body.paths['/customers/{id}/reviews/complete'].post.requestBody.content['application/json'].schema.properties)).toEqual(['findings', 'contact', 'profile', 'version']);
  });
});
