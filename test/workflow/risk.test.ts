/**
 * §6 customer risk through the customer's lifecycle (workflow customer-<id>) and the quarterly
 * portfolio runs, on the time-skipping test server with the real activities on PostgreSQL and a
 * real SMTP server: a year of quarters in seconds.
 *
 *   - an enterprise through four quarters: rated A at approval; the Q1 run leaves it A; in Q2 new
 *     financial statements (a loss, heavy leverage) re-assess it at once to D — high-risk products
 *     refused by the product use case the API runs, an investigation and a mitigation plan opened for
 *     a risk officer, the officer and the relationship manager emailed, the late plan reminded and
 *     then escalated to a supervisor; the Q3 run keeps D; recovered statements make the Q4 run
 *     rate it A again — the run tells the lifecycle, the D measures are lifted and the open
 *     investigation tasks cancelled, and the products open again;
 *   - a MEDIUM individual monitored monthly (§6.2 closer monitoring) until its facts make it LOW.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { createCustomer } from '../../src/customers/create-customer';
import { updateProfile } from '../../src/customers/update-profile';
import { addBusinessDays, calendarDateIn } from '../../src/domain/business-calendar';
import { nextRiskMonitoring } from '../../src/domain/lifecycle-schedule';
import { DEFAULT_POLICY, reminderEscalationDelayMs, type Policy } from '../../src/policy/policy';
import { openProduct } from '../../src/products/open-product';
import { startPortfolioRun } from '../../src/risk/portfolio-runs';
import { recordFinancials } from '../../src/risk/record-financials';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { RuleRefusalError } from '../../src/shared/errors';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { decideUpdate } from '../../workflows/onboarding';
import { customerWorkflowId } from '../../workflows/lifecycle/definitions';
import type { customerLifecycle } from '../../workflows/lifecycle/customer-lifecycle';
import { createStaff, unique } from '../support/fixtures';
import type { TestSmtpServer } from '../support/smtp';
import { timeSkippingStack } from '../support/workflow-stack';
import { advanceTo, eventually, lifecycleStateOf as stateOf } from '../support/time-skipping';

const TASK_QUEUE = 'risk-lifecycle-test';
const RISK_QUEUE = 'risk-pages-test';
const ring = developmentKeyRing();
const policy: Policy = DEFAULT_POLICY;
const TZ = policy.onboarding.timeZone;
const MINUTE = 60_000;

let env: TestWorkflowEnvironment;
let db: Db;
let smtp: TestSmtpServer;
let supervisor: { id: string; email: string };
let officer: { id: string; email: string };
let admin: { id: string; email: string };

// The lifecycle and the portfolio workflow on one queue, the portfolio's pages on their own (as in production).
timeSkippingStack({ taskQueue: [TASK_QUEUE, RISK_QUEUE], policy }, (s) => ({ env, db, smtp } = s));
beforeAll(async () => {
  supervisor = await createStaff(db, 'Sue Pervisor', ['SUPERVISOR']);
  officer = await createStaff(db, 'Rita Risk', ['RISK_OFFICER']);
  admin = await createStaff(db, 'Adam Admin', ['ADMIN']);
});

let serial = 4000;
const freshEin = () => `12-${String(1000000 + ((serial++ * 7919 + process.pid) % 8999999)).padStart(7, '0')}`;
const freshSsn = () => `123-${String(10 + (Date.now() % 89)).padStart(2, '0')}-${String(serial++ + (process.pid % 4000)).padStart(4, '0')}`;
const deps = () => ({ db, temporal: env.client, taskQueue: TASK_QUEUE, policy, ring, clock: systemClock });
const as = (s: { id: string }, ...roles: StaffRole[]) => ({ staffId: s.id, roles });




/** The lifecycle has finished what it was doing (no activity in flight). */
const settled = (handle: WorkflowHandle) => eventually(() => handle.describe(), (d) => (d.raw.pendingActivities ?? []).length === 0);

async function approve(customerId: string): Promise<void> {
  const auditor = await createStaff(db, 'Ada Auditor', ['AUDITOR']);
  const handle = env.client.workflow.getHandle(`onboarding-${customerId}`);
  await handle.executeUpdate(decideUpdate, { args: [{ reviewerId: auditor.id, decision: 'APPROVE' }] });
  await handle.result();
}

/** A quarterly portfolio run (as the Schedule starts one) at `at`, to the end. */
async function quarterlyRun(at: string) {
  await advanceTo(env, at);
  // The run id carries the start time: the test server's, as a Schedule's would.
  const clock = { now: () => new Date(at) };
  const { runId, handle } = await startPortfolioRun({ db, temporal: env.client, taskQueue: TASK_QUEUE, riskTaskQueue: RISK_QUEUE, policy, clock }, as(officer, 'RISK_OFFICER'), { kind: 'QUARTERLY', dryRun: false });
  await handle.result();
  return runId;
}

const statements = {
  /** Healthy: leverage 0.3, current ratio 2, interest cover 10, margin 12 %. */
  healthy: (periodEnd: string, revenueUsd: number) => ({
    periodEnd, revenueUsd, netIncomeUsd: revenueUsd * 0.12, ebitUsd: 2_000_000, interestExpenseUsd: 200_000,
    totalAssetsUsd: 10_000_000, totalLiabilitiesUsd: 3_000_000, currentAssetsUsd: 4_000_000, currentLiabilitiesUsd: 2_000_000, largestCustomerShare: 0.1,
  }),
  /** Distressed: revenue down 30 %, a loss, leverage 0.9, current ratio 0.8, interest cover 0.5. */
  distressed: (periodEnd: string) => ({
    periodEnd, revenueUsd: 7_000_000, netIncomeUsd: -700_000, ebitUsd: 150_000, interestExpenseUsd: 300_000,
    totalAssetsUsd: 10_000_000, totalLiabilitiesUsd: 9_000_000, currentAssetsUsd: 2_400_000, currentLiabilitiesUsd: 3_000_000, largestCustomerShare: 0.1,
  }),
};

test('§6 an enterprise through four quarters: A, deteriorates to D in Q2 (restricted, investigated, the late plan escalated), recovers to A in Q4 (measures lifted)', async () => {
  const manager = await createStaff(db, 'Mia Manager', ['RELATIONSHIP_MANAGER']);
  const maker = await createStaff(db, 'Mona Maker', ['CUSTOMER_SERVICE']);
  const customer = await createCustomer(deps(), as(maker, 'CUSTOMER_SERVICE'), {
    type: 'ENTERPRISE', channel: 'BRANCH', legalName: 'Acme Consulting LLC', email: `${unique('ent')}@mail.test`,
    employees: 250, annualRevenueUsd: 10_000_000, totalAssetsUsd: 10_000_000, naicsCode: '541511', identity: { kind: 'EIN', number: freshEin() },
  });
  // Its §6.1 facts before approval: 15 years trading, two healthy years of statements.
  await db.enterpriseProfile.update({ where: { customerId: customer.id }, data: { establishedOn: new Date('2011-05-01T00:00:00Z') } });
  await recordFinancials({ db, policy, clock: systemClock }, as(admin, 'ADMIN'), customer.id, statements.healthy('2024-12-31', 9_000_000));
  await recordFinancials({ db, policy, clock: systemClock }, as(admin, 'ADMIN'), customer.id, statements.healthy('2025-12-31', 10_000_000));
  await approve(customer.id);
  await db.customer.update({ where: { id: customer.id }, data: { relationshipManagerId: manager.id } });
  const handle = env.client.workflow.getHandle<typeof customerLifecycle>(customerWorkflowId(customer.id));

  // At approval: the initial assessment (§6 INITIAL) rates it A, with A's preferential terms.
  let state = await eventually(() => stateOf(handle), (s) => s.risk?.rating === 'A');
  expect(state.risk).toMatchObject({ rating: 'A' });
  expect(state.risk?.nextMonitoringAt).toBeUndefined(); // A: the quarterly runs re-assess it
  expect(await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({ riskRating: 'A', simplifiedProcedure: true, rateDiscountEligible: true });
  await settled(handle);
  await eventually(() => handle.describe(), (d) => d.searchAttributes.RiskRating?.[0] === 'A');
  expect((await handle.describe()).searchAttributes.RiskRating).toEqual(['A']);

  // Q1: the quarterly run re-assesses it (A again): one assessment for the run, nothing to follow.
  const now = new Date(await env.currentTimeMs());
  const year = Number(calendarDateIn(now, TZ).slice(0, 4)) + 1;
  const q1 = await quarterlyRun(`${year}-01-01T08:00:00Z`);
  expect(await db.riskAssessment.findMany({ where: { customerId: customer.id, runKey: q1 }, select: { rating: true, previousRating: true, trigger: true } })).toEqual([
    { rating: 'A', previousRating: 'A', trigger: 'QUARTERLY' },
  ]);

  // Q2: the quarterly run (still A), then distressed statements: re-assessed at once (INPUT_CHANGE) to D.
  await quarterlyRun(`${year}-04-01T08:00:00Z`);
  await advanceTo(env, `${year}-04-15T14:00:00Z`);
  await recordFinancials({ db, policy, clock: systemClock, temporal: env.client }, as(manager, 'RELATIONSHIP_MANAGER'), customer.id, statements.distressed('2026-03-31'));
  state = await eventually(() => stateOf(handle), (s) => s.risk?.rating === 'D' && s.risk.investigation !== undefined);
  expect(state.risk?.rating).toBe('D');
  const downgrade = await db.riskAssessment.findFirstOrThrow({ where: { customerId: customer.id, trigger: 'INPUT_CHANGE' } });
  expect(downgrade).toMatchObject({ rating: 'D', previousRating: 'A', runKey: 'lifecycle:input:1' });
  expect(downgrade.reasons).toEqual(expect.arrayContaining([expect.stringContaining('leverage')]));
  expect(await db.customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({ riskRating: 'D', simplifiedProcedure: false, rateDiscountEligible: false });
  await eventually(() => handle.describe(), (d) => d.searchAttributes.RiskRating?.[0] === 'D');
  expect((await handle.describe()).searchAttributes.RiskRating).toEqual(['D']);

  // §6.2 D: high-risk products are refused with the reason; nothing is written.
  await expect(openProduct({ db, policy, clock: systemClock }, as(admin, 'ADMIN'), customer.id, { productCode: 'TRADE_FINANCE', amountUsd: 500_000 })).rejects.toThrow(RuleRefusalError);
  await expect(openProduct({ db, policy, clock: systemClock }, as(admin, 'ADMIN'), customer.id, { productCode: 'TRADE_FINANCE', amountUsd: 500_000 })).rejects.toThrow(/§6\.2 rating D: products of risk class 4/);
  expect(await db.customerProduct.count({ where: { customerId: customer.id } })).toBe(0);

  // §6.2 D: an investigation and a mitigation plan for the risk officer, due in 10 business days; both emailed.
  const tasks = await db.task.findMany({ where: { customerId: customer.id, kind: { in: ['RISK_INVESTIGATION', 'MITIGATION_PLAN'] } }, orderBy: { kind: 'asc' } });
  expect(tasks.map((t) => [t.kind, t.status, t.assigneeStaffId, t.team])).toEqual([
    ['RISK_INVESTIGATION', 'OPEN', officer.id, 'RISK_OFFICER'],
    ['MITIGATION_PLAN', 'OPEN', officer.id, 'RISK_OFFICER'],
  ]); // (ordered as the TaskKind enum)
  const planDueAt = new Date(state.risk!.investigation!.planDueAt);
  expect(planDueAt.getTime()).toBe(addBusinessDays(downgrade.assessedAt, 10, TZ).getTime());
  const opened = `Customer ${customer.id} rated D: risk investigation opened (§6.2)`;
  await smtp.waitFor(() => smtp.to(officer.email).some((m) => m.subject === opened) && smtp.to(manager.email).some((m) => m.subject === opened));
  const toOfficer = smtp.to(officer.email).find((m) => m.subject === opened)!;
  expect(toOfficer.text).toContain('Please investigate the cause and record a targeted mitigation plan');
  expect(toOfficer.text).toMatch(/E[SD]T/); // the deadline in the bank's time zone, not UTC
  expect(toOfficer.raw).toContain('text/html'); // and an HTML part
  expect(toOfficer.text).toContain('Mitigation plan task');
  const measures = await db.riskMeasure.findMany({ where: { customerId: customer.id, liftedAt: null }, select: { kind: true, rating: true } });
  expect(measures.map((m) => m.kind).sort()).toEqual(['INVESTIGATION', 'PRODUCT_RESTRICTION', 'STRICTER_CONDITIONS']);

  // The plan is late: the officer is reminded at the deadline, a supervisor is told the escalation after it.
  const planSubject = `Mitigation plan for customer ${customer.id} rated D due (§6.2)`;
  await advanceTo(env, new Date(planDueAt.getTime() + MINUTE));
  await smtp.waitFor(() => smtp.to(officer.email).some((m) => m.subject === `Reminder: ${planSubject}`));
  expect(smtp.to(supervisor.email).filter((m) => m.subject === `Escalation: reminder not acknowledged: ${planSubject}`)).toHaveLength(0);
  await advanceTo(env, new Date(planDueAt.getTime() + reminderEscalationDelayMs(policy) + MINUTE));
  await smtp.waitFor(() => smtp.to(supervisor.email).some((m) => m.subject === `Escalation: reminder not acknowledged: ${planSubject}`));
  await settled(handle);

  // Q3: still D (the same facts): the run leaves the investigation as it is.
  const q3 = await quarterlyRun(`${year}-07-01T08:00:00Z`);
  expect(await db.riskAssessment.findFirstOrThrow({ where: { customerId: customer.id, runKey: q3 } })).toMatchObject({ rating: 'D', previousRating: 'D' });
  expect(await db.task.count({ where: { customerId: customer.id, kind: { in: ['RISK_INVESTIGATION', 'MITIGATION_PLAN'] }, status: 'OPEN' } })).toBe(2);

  // Q4: recovered statements arrive with a batch (the lifecycle is not told): the quarterly run finds them.
  await db.financialStatement.create({ data: { customerId: customer.id, ...statements.healthy('2026-06-30', 11_000_000), periodEnd: new Date('2026-06-30T00:00:00Z'), recordedByStaffId: admin.id } });
  const q4 = await quarterlyRun(`${year}-10-01T08:00:00Z`);
  expect(await db.riskAssessment.findFirstOrThrow({ where: { customerId: customer.id, runKey: q4 } })).toMatchObject({ rating: 'A', previousRating: 'D', trigger: 'QUARTERLY' });
  // The run told the lifecycle (riskRated): the investigation's open tasks are cancelled, the search attribute follows.
  state = await eventually(() => stateOf(handle), (s) => s.risk?.rating === 'A' && s.risk.investigation === undefined);
  expect(state.risk).toMatchObject({ rating: 'A' });
  await eventually(() => handle.describe(), (d) => d.searchAttributes.RiskRating?.[0] === 'A');
  expect((await handle.describe()).searchAttributes.RiskRating).toEqual(['A']);
  expect((await db.task.findMany({ where: { customerId: customer.id, kind: { in: ['RISK_INVESTIGATION', 'MITIGATION_PLAN'] } } })).map((t) => t.status)).toEqual(['CANCELLED', 'CANCELLED']);
  // §6.2 the D measures are lifted (kept in the history), A's preferential terms apply again.
  const history = await db.riskMeasure.findMany({ where: { customerId: customer.id }, orderBy: { appliedAt: 'asc' } });
  expect(history.filter((m) => m.rating === 'D').every((m) => m.liftedAt !== null)).toBe(true);
  expect(history.filter((m) => m.liftedAt === null).map((m) => [m.kind, m.rating])).toEqual([['PREFERENTIAL_TERMS', 'A']]);
  const opened4 = await openProduct({ db, policy, clock: systemClock }, as(admin, 'ADMIN'), customer.id, { productCode: 'TRADE_FINANCE', amountUsd: 500_000 });
  expect(opened4).toMatchObject({ status: 'OPEN', simplifiedProcedure: true, rateDiscountEligible: true });
  // Every rating change is audited.
  const changes = await db.auditLog.findMany({ where: { customerId: customer.id, action: 'risk.rating.change' }, orderBy: { at: 'asc' } });
  expect(changes.map((c) => (c.changes as { riskRating: { after: string } }).riskRating.after)).toEqual(['A', 'D', 'A']);
});

test('§6.2 closer monitoring: a MEDIUM individual is re-assessed monthly by its lifecycle until its facts make it LOW', async () => {
  const maker = await createStaff(db, 'Mona Maker', ['CUSTOMER_SERVICE']);
  const customer = await createCustomer(deps(), as(maker, 'CUSTOMER_SERVICE'), {
    type: 'INDIVIDUAL', channel: 'BRANCH', firstName: 'Max', lastName: 'Medium', dateOfBirth: '1980-05-05', email: `${unique('med')}@mail.test`,
    totalAssetsUsd: 5_000, identity: { kind: 'SSN', number: freshSsn() },
  });
  await approve(customer.id);
  const handle = env.client.workflow.getHandle<typeof customerLifecycle>(customerWorkflowId(customer.id));
  // No credit record or employment on file: never silently "good" — MEDIUM, monitored monthly.
  let state = await eventually(() => stateOf(handle), (s) => s.risk?.rating === 'MEDIUM' && s.risk.nextMonitoringAt !== undefined);
  const initial = await db.riskAssessment.findFirstOrThrow({ where: { customerId: customer.id, trigger: 'INITIAL' } });
  expect(initial.rating).toBe('MEDIUM');
  const first = nextRiskMonitoring(initial.assessedAt, 'MEDIUM', policy)!;
  expect(state.risk!.nextMonitoringAt).toBe(first.toISOString());
  expect(calendarDateIn(first, TZ)).not.toBe(calendarDateIn(initial.assessedAt, TZ));
  await settled(handle);

  // Three months: three monitoring assessments, one a month, each at the policy's local time.
  const third = nextRiskMonitoring(nextRiskMonitoring(first, 'MEDIUM', policy)!, 'MEDIUM', policy)!;
  await advanceTo(env, new Date(third.getTime() + MINUTE));
  const monitored = await eventually(
    () => db.riskAssessment.findMany({ where: { customerId: customer.id, trigger: 'MONITORING' }, orderBy: { assessedAt: 'asc' } }),
    (rows) => rows.length === 3,
  );
  expect(monitored.map((a) => a.runKey)).toEqual([first, nextRiskMonitoring(first, 'MEDIUM', policy)!, third].map((d) => `lifecycle:monitoring:${d.toISOString()}`));
  expect(monitored.every((a) => a.rating === 'MEDIUM' && a.previousRating === 'MEDIUM')).toBe(true);
  await settled(handle);

  // Its facts arrive (a good credit record, a steady job, little debt): re-assessed at once to LOW, monitoring ends.
  const before = await db.customer.findUniqueOrThrow({ where: { id: customer.id } });
  await updateProfile(deps(), as(maker, 'CUSTOMER_SERVICE'), customer.id, {
    version: before.version,
    annualIncomeUsd: 90_000,
    debtsUsd: 10_000,
    creditBureau: { score: 790, delinquencies: 0, defaults: 0, reportedOn: '2026-11-01' },
    employmentType: 'PERMANENT',
    employmentSince: '2015-01-01',
    incomeVariability: 0.05,
  });
  state = await eventually(() => stateOf(handle), (s) => s.risk?.rating === 'LOW');
  expect(state.risk!.nextMonitoringAt).toBeUndefined();
  await settled(handle);
  const count = await db.riskAssessment.count({ where: { customerId: customer.id, trigger: 'MONITORING' } });
  await advanceTo(env, new Date(third.getTime() + 70 * 24 * 60 * MINUTE));
  expect(await db.riskAssessment.count({ where: { customerId: customer.id, trigger: 'MONITORING' } })).toBe(count);
  expect((await handle.describe()).searchAttributes.RiskRating).toEqual(['LOW']);
});
