/**
 * `ccm` commands of the customer lifecycle end to end: the real CLI (`node bin/ccm.js …`, a child
 * process) against this file's PostgreSQL database and the Temporal dev server, with a worker in this
 * process running the real workflows and activities (payloads encrypted with the CLI's keys).
 *   ccm lifecycle ensure — idempotent; a migrated customer's `--last-review` plans its next review
 *                          (§3.2: 6 months on for an individual), a lost lifecycle is started again;
 *   ccm reviews periodic, ccm tasks — the open review, in scope;
 *   ccm reviews complete — findings recorded, the next review planned;
 *   ccm customers close — the customer leaves, its lifecycle ends.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { Client } from '@temporalio/client';
import { createCustomer } from '../../src/customers/create-customer';
import type { Db } from '../../src/db/client';
import { calendarDateIn, zonedDateTimeToInstant } from '../../src/domain/business-calendar';
import { addMonthsClamped, nextReviewDue } from '../../src/domain/lifecycle-schedule';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { decideReview } from '../../src/reviews/decide-review';
import { systemClock } from '../../src/shared/clock';
import { customerWorkflowId, type LifecycleState } from '../../workflows/lifecycle/definitions';
import { until } from '../support/api';
import { ccmRunner, cliKeys, staffMembers } from '../support/cli';
import { startApiStack, type ApiStack } from '../support/stack';

const keys = cliKeys('lc-1');
const { ring } = keys;
const policy = parsePolicy(DEFAULT_POLICY); // the CLI's policy too (POLICY_FILE unset)
const TZ = policy.onboarding.timeZone;

const ADMIN = 'adm-lc';
const CS = 'cs-lc';
const AUDITOR = 'aud-lc';
const SUPERVISOR = 'sup-lc';
const RM = 'rm-lc';

/** The worker (real workflows and activities, the CLI's keys) and a real SMTP server (startApiStack: its API is not called here). */
let stack: ApiStack;
let db: Db;
let temporal: Client;
const ccm = ccmRunner({ keys, taskQueue: () => stack.taskQueue });

let ssnCounter = 0;
const person = (firstName: string) => ({
  type: 'INDIVIDUAL',
  channel: 'BRANCH',
  firstName,
  lastName: 'Lifecycle',
  dateOfBirth: '1979-05-20',
  email: `${firstName.toLowerCase()}-${randomUUID().slice(0, 6)}@example.com`,
  identity: { kind: 'SSN', number: `${200 + (ssnCounter % 400)}-${10 + ssnCounter}-${String(4000 + ssnCounter++).padStart(4, '0')}` },
});

const deps = () => ({ db, temporal, taskQueue: stack.taskQueue, policy, ring, clock: systemClock });
const newCustomer = async (firstName: string) => (await createCustomer(deps(), { staffId: CS, roles: ['CUSTOMER_SERVICE'] }, person(firstName))).id;
const lifecycleRunning = (id: string) =>
  until(`customer-${id} running`, async () => (await db.customerLifecycle.findUnique({ where: { customerId: id } })) && (await temporal.workflow.getHandle(customerWorkflowId(id)).describe()).status.name === 'RUNNING');

/** The customers of the story: approved through `ccm reviews approve`, migrated, and one whose lifecycle was lost. */
const ids = { approved: '', migrated: '', lost: '' };
/** The migrated customer's last review: 185 days ago (more than 6 months: its review is due now). */
const lastReview = calendarDateIn(new Date(Date.now() - 185 * 86_400_000), TZ);

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test', ring });
  ({ db, temporal } = stack);
  await staffMembers(db, { [ADMIN]: ['ADMIN'], [CS]: ['CUSTOMER_SERVICE'], [AUDITOR]: ['AUDITOR'], [SUPERVISOR]: ['SUPERVISOR'], [RM]: ['RELATIONSHIP_MANAGER'] });
});

afterAll(() => stack?.stop());

test('setup: approval through `ccm reviews approve` starts the lifecycle; a migrated customer and a lost lifecycle have none running', async () => {
  [ids.approved, ids.migrated, ids.lost] = await Promise.all([newCustomer('Ann'), newCustomer('Mig'), newCustomer('Lou')]);
  const approved = await ccm(['--as', AUDITOR, 'reviews', 'approve', ids.approved]);
  expect([approved.code, approved.stderr, approved.stdout]).toEqual([0, '', `${ids.approved}: APPROVE accepted from ${AUDITOR}; onboarding status APPROVED\n`]);
  await decideReview({ db, temporal }, { staffId: AUDITOR, roles: ['AUDITOR'] }, ids.lost, { decision: 'APPROVE' });
  await Promise.all([lifecycleRunning(ids.approved), lifecycleRunning(ids.lost)]);

  // Lost: the process was terminated (by mistake, or a failed deployment).
  await temporal.workflow.getHandle(customerWorkflowId(ids.lost)).terminate('test: lifecycle lost');
  // Migrated: brought in APPROVED from an earlier system, its onboarding never run here.
  await temporal.workflow.getHandle(`onboarding-${ids.migrated}`).terminate('test: migrated');
  await db.customer.update({ where: { id: ids.migrated }, data: { status: 'APPROVED' } });
  expect(await db.customerLifecycle.findUnique({ where: { customerId: ids.migrated } })).toBeNull();
});

test('ccm lifecycle ensure: usage and role errors first; --last-review not in the future; nothing started by a refusal', async () => {
  const tomorrow = calendarDateIn(new Date(Date.now() + 36 * 3_600_000), TZ);
  const [noCustomer, future, forbidden, badDate, missing] = await Promise.all([
    ccm(['--as', ADMIN, 'lifecycle', 'ensure', '--last-review', lastReview]),
    ccm(['--as', ADMIN, 'lifecycle', 'ensure', '--customer', ids.migrated, '--last-review', tomorrow]),
    ccm(['--as', SUPERVISOR, 'lifecycle', 'ensure']),
    ccm(['--as', ADMIN, 'lifecycle', 'ensure', '--customer', ids.migrated, '--last-review', '2026-02-30']),
    ccm(['--as', ADMIN, 'lifecycle', 'ensure', '--customer', 'cus_nobody']),
  ]);
  expect([noCustomer.code, noCustomer.stderr]).toEqual([2, 'ccm: --last-review needs --customer: it is one migrated customer’s last review\n']);
  expect([future.code, future.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^ccm: lastReviewAt: must not be in the future .*\\(got "${tomorrow}"\\)\\n$`))]);
  expect([forbidden.code, forbidden.stderr]).toEqual([1, `ccm: requires one of the roles ADMIN; staff member ${SUPERVISOR} has SUPERVISOR\n`]);
  expect([badDate.code, badDate.stderr]).toEqual([1, expect.stringMatching(/^ccm: lastReviewAt: a date YYYY-MM-DD or an ISO instant/)]);
  expect([missing.code, missing.stderr]).toEqual([1, 'ccm: customer cus_nobody does not exist\n']);
  expect(await db.customerLifecycle.findUnique({ where: { customerId: ids.migrated } })).toBeNull();
  expect((await temporal.workflow.getHandle(customerWorkflowId(ids.lost)).describe()).status.name).toBe('TERMINATED');
});

test('ccm lifecycle ensure --customer --last-review: the migrated customer’s next review is that date + 6 months (§3.2), due now: its task opens, its reminder is DUE in the digest', async () => {
  const res = await ccm(['--as', ADMIN, 'lifecycle', 'ensure', '--customer', ids.migrated, '--last-review', lastReview]);
  expect([res.code, res.stdout]).toEqual([0, 'lifecycles: 1 started, 0 already running, 0 skipped\n']);
  expect(res.stderr).toContain(`[ccm] started customer-${ids.migrated}`);
  await lifecycleRunning(ids.migrated);
  const expectedNext = zonedDateTimeToInstant(addMonthsClamped(lastReview, 6), policy.lifecycle.reviewDueLocalTime, TZ);
  expect(expectedNext.getTime()).toBeLessThan(Date.now());
  const lc = await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: ids.migrated } });
  expect(lc.lastReviewAt.toISOString()).toBe(zonedDateTimeToInstant(lastReview, '00:00', TZ).toISOString());
  expect(lc.nextReviewAt?.toISOString()).toBe(expectedNext.toISOString());
  expect(await db.auditLog.count({ where: { customerId: ids.migrated, action: 'lifecycle.start' } })).toBe(1);

  const task = await until('the review task', () => db.task.findFirst({ where: { customerId: ids.migrated, kind: 'PERIODIC_REVIEW', status: 'OPEN' } }));
  expect(task).toMatchObject({ id: `review:${ids.migrated}:0`, team: 'CUSTOMER_SERVICE', assigneeStaffId: null, dueAt: expectedNext });
  const reminder = await until('the reminder DUE', async () => {
    const r = await db.reminder.findUnique({ where: { key: `review-${ids.migrated}-0` } });
    return r?.status === 'DUE' ? r : undefined;
  });
  expect(reminder).toMatchObject({ staffId: CS, escalationStaffId: SUPERVISOR, delivery: 'DIGEST' });
});

test('ccm lifecycle ensure (all customers) starts the lost lifecycle only, and a second run starts nothing', async () => {
  const first = await ccm(['--as', ADMIN, 'lifecycle', 'ensure']);
  expect([first.code, first.stdout]).toEqual([0, 'lifecycles: 1 started, 2 already running, 0 skipped\n']);
  expect(first.stderr).toBe(`[ccm] started customer-${ids.lost}\n`);
  await lifecycleRunning(ids.lost);
  const second = await ccm(['--as', ADMIN, '--json', 'lifecycle', 'ensure']);
  expect(second.code).toBe(0);
  expect(JSON.parse(second.stdout)).toEqual({ started: [], alreadyRunning: 3, skipped: [] });
  expect(await db.auditLog.count({ where: { action: 'lifecycle.start' } })).toBe(3);
});

test('ccm reviews periodic and ccm tasks: the service team sees the open review; a manager does not', async () => {
  const taskId = `review:${ids.migrated}:0`;
  const [periodic, json, asRm, tasks, rmTasks, bad] = await Promise.all([
    ccm(['--as', CS, 'reviews', 'periodic']),
    ccm(['--as', SUPERVISOR, '--json', 'reviews', 'periodic', '--status', 'due']),
    ccm(['--as', RM, 'reviews', 'periodic']),
    ccm(['--as', CS, 'tasks']),
    ccm(['--as', RM, 'tasks']),
    ccm(['--as', CS, 'reviews', 'periodic', '--status', 'LATE']),
  ]);
  expect(periodic.code).toBe(0);
  const lines = periodic.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^CUSTOMER\s+STATUS\s+DUE\s+OVERDUE AT\s+ASSIGNEE\s+TASK$/);
  expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${ids.migrated}\\s+DUE\\s+\\S+\\s+\\S+\\s+team CUSTOMER_SERVICE\\s+${taskId}$`))]);
  expect(JSON.parse(json.stdout).items.map((r: { id: string; reviewStatus: string }) => [r.id, r.reviewStatus])).toEqual([[taskId, 'DUE']]);
  expect([asRm.code, asRm.stdout]).toEqual([0, 'no periodic reviews\n']);
  expect(tasks.stdout).toContain(taskId);
  expect([rmTasks.code, rmTasks.stdout]).toEqual([0, `no tasks for ${RM}\n`]);
  expect([bad.code, bad.stderr]).toEqual([1, 'ccm: status: one of DUE, OVERDUE, COMPLETED, CANCELLED (got "LATE")\n']);
});

test('ccm reviews complete: a blank finding and a customer without an open review are refused; the service team completes it; the next review is 6 months on', async () => {
  const findings = ['--basic-data', 'Identity and address confirmed', '--financial-situation', 'Salary unchanged', '--changed-needs', 'Wants a savings plan'];
  const [blank, none, missing] = await Promise.all([
    ccm(['--as', CS, 'reviews', 'complete', ids.migrated, '--basic-data', '  ', '--financial-situation', 'x', '--changed-needs', 'y']),
    ccm(['--as', CS, 'reviews', 'complete', ids.approved, ...findings]),
    ccm(['--as', CS, 'reviews', 'complete', ids.migrated, '--basic-data', 'x']),
  ]);
  expect([blank.code, blank.stderr]).toEqual([1, 'ccm: findings.basicData: must not be blank: say what was reviewed (got "  ")\n']);
  const next = (await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: ids.approved } })).nextReviewAt!.toISOString();
  expect([none.code, none.stderr]).toEqual([1, `ccm: no periodic review is due for customer ${ids.approved}; the next is due ${next}\n`]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/required option '--financial-situation <text>' not specified/);
  expect((await db.task.findUniqueOrThrow({ where: { id: `review:${ids.migrated}:0` } })).status).toBe('OPEN');

  const done = await ccm(['--as', CS, 'reviews', 'complete', ids.migrated, ...findings]);
  expect([done.code, done.stderr]).toEqual([0, '']);
  const task = await db.task.findUniqueOrThrow({ where: { id: `review:${ids.migrated}:0` } });
  expect(task).toMatchObject({ status: 'DONE', closedByStaffId: CS });
  expect(task.outcome).toEqual({
    findings: { basicData: 'Identity and address confirmed', financialSituation: 'Salary unchanged', changedNeeds: 'Wants a savings plan' },
    reviewedByStaffId: CS,
    updatesApplied: [],
  });
  const nextReviewAt = nextReviewDue(task.closedAt!, 'INDIVIDUAL', policy).toISOString();
  expect(done.stdout).toBe(`${ids.migrated}: review review:${ids.migrated}:0 completed by ${CS} (review 1 since approval); next review due ${nextReviewAt}\n`);
  expect(await db.auditLog.count({ where: { customerId: ids.migrated, action: 'review.complete', actorStaffId: CS } })).toBe(1);
  expect((await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: ids.migrated } })).nextReviewAt?.toISOString()).toBe(nextReviewAt);
  await until('the reminder answered', async () => (await db.reminder.findUniqueOrThrow({ where: { key: `review-${ids.migrated}-0` } })).status === 'ACKNOWLEDGED');
});

test('ccm customers close: a manager of someone else’s customer is refused; the SUPERVISOR closes it and its lifecycle ends', async () => {
  const [byRm, noReason] = await Promise.all([
    ccm(['--as', RM, 'customers', 'close', ids.approved, '--reason', 'Moved abroad']),
    ccm(['--as', SUPERVISOR, 'customers', 'close', ids.approved]),
  ]);
  expect([byRm.code, byRm.stderr]).toEqual([1, `ccm: customer ${ids.approved} does not exist\n`]);
  expect(noReason.code).toBe(2);
  expect((await db.customer.findUniqueOrThrow({ where: { id: ids.approved } })).status).toBe('APPROVED');

  const closed = await ccm(['--as', SUPERVISOR, 'customers', 'close', ids.approved, '--reason', 'Moved abroad']);
  expect([closed.code, closed.stderr, closed.stdout]).toEqual([0, '', `${ids.approved}: CLOSED by ${SUPERVISOR} (reason: Moved abroad); 0 open task(s) cancelled; lifecycle CLOSED\n`]);
  expect(await db.customer.findUniqueOrThrow({ where: { id: ids.approved } })).toMatchObject({ status: 'CLOSED' });
  expect(await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: ids.approved } })).toMatchObject({ status: 'CLOSED', closeReason: 'Moved abroad' });
  expect(await db.auditLog.count({ where: { customerId: ids.approved, action: 'customer.close', actorStaffId: SUPERVISOR } })).toBe(1);
  const handle = temporal.workflow.getHandle(customerWorkflowId(ids.approved));
  expect(((await handle.result()) as LifecycleState).status).toBe('CLOSED');

  // A CLOSED customer's lifecycle is not started again.
  const ensured = await ccm(['--as', ADMIN, '--json', 'lifecycle', 'ensure']);
  expect(JSON.parse(ensured.stdout)).toEqual({ started: [], alreadyRunning: 2, skipped: [] });
});

test('ccm customers close with Temporal unreachable: the record is closed all the same; the lifecycle ends at its next step', async () => {
  const port = await closedPort();
  const closed = await ccm(['--as', SUPERVISOR, 'customers', 'close', ids.lost, '--reason', 'Deceased'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
  expect([closed.code, closed.stdout]).toEqual([0, `${ids.lost}: CLOSED by ${SUPERVISOR} (reason: Deceased); 0 open task(s) cancelled; lifecycle ENDS_AT_NEXT_STEP\n`]);
  expect(closed.stderr).toMatch(/Temporal not reached/);
  expect(await db.customer.findUniqueOrThrow({ where: { id: ids.lost } })).toMatchObject({ status: 'CLOSED' });
  expect(await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: ids.lost } })).toMatchObject({ status: 'CLOSED', closeReason: 'Deceased' });
  // Not told: it runs on until its next step finds the customer CLOSED (activities/lifecycle.ts).
  expect((await temporal.workflow.getHandle(customerWorkflowId(ids.lost)).describe()).status.name).toBe('RUNNING');
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
