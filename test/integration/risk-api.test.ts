/**
 * §6 customer risk as staff meet it through the API and the CLI, on real parts: HTTP → use cases
 * (src/risk/) → this file's PostgreSQL database; `ccm` as a child process. Assessments are the real
 * ones (`assessCustomers`, what the lifecycle's and the portfolio run's activities call) over facts
 * recorded through the API (an enterprise's founding date and financial statements, an individual's
 * credit bureau figures); the tasks and the reminder a HIGH/D rating opens are written as the
 * lifecycle's `followRiskRating` writes them (no workflow runs here). Clause ids: ../shared/policy.md.
 *   §6.1 a rating from the facts, with each factor's points and the reasons in plain words;
 *   §6.2 the measures of the rating in force (LOW/A preferential terms, MEDIUM/B–C closer monitoring
 *        and stricter conditions, HIGH/D restrictions and an investigation), applied and lifted as the
 *        rating moves, their history kept; the customer's preferential flags follow;
 *   §6.2 HIGH/D the risk officer's cause analysis and mitigation plan (RISK_OFFICER, SUPERVISOR only;
 *        bad input 400 naming the field; 409 when nothing is open; audited; the plan's reminder answered);
 *   §3.1 a RELATIONSHIP_MANAGER sees their own customers only (others 404); every read recorded.
 */
import { randomUUID } from 'node:crypto';
import { aad } from '../../src/customers/encrypted-fields';
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { assessCustomers } from '../../src/risk/assess-customers';
import { encryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import { taskId } from '../../src/tasks/tasks';
import { customerWorkflowId } from '../../workflows/lifecycle/definitions';
import { apiCaller, staffWithKeys, type ApiStaff } from '../support/api';
import { ccmRunner } from '../support/cli';
import { startApi, type ApiOnly } from '../support/stack';

const policy = DEFAULT_POLICY;
const ring = developmentKeyRing();
let stack: ApiOnly;
let db: Db;
let baseUrl: string;

const staff = {} as Record<'admin' | 'supervisor' | 'risk' | 'rmA' | 'rmB' | 'cs', ApiStaff>;
const call = apiCaller(() => baseUrl);

/**
 * An APPROVED customer managed by rmA, written straight to the database (no onboarding, no lifecycle),
 * not yet rated. A VIP individual and a MEDIUM enterprise (§4: a dedicated manager), so the profile
 * updates below, which re-classify the customer, keep rmA as its manager.
 */
async function seedCustomer(type: 'INDIVIDUAL' | 'ENTERPRISE'): Promise<string> {
  const id = `cus_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await db.customer.create({
    data: {
      id,
      type,
      status: 'APPROVED',
      displayName: type === 'ENTERPRISE' ? 'Harbor Analytics LLC' : 'Ivy Individual',
      contactPreferences: { email: true, sms: false, phone: false, marketingOptOut: false },
      channel: 'BRANCH',
      createdByStaffId: staff.cs.id,
      relationshipManagerId: staff.rmA.id,
      ...(type === 'ENTERPRISE'
        ? { enterpriseProfile: { create: { legalName: 'Harbor Analytics LLC', naicsCode: '541511', employees: 150, annualRevenueUsd: 20_000_000 } } }
        : { individualProfile: { create: { firstName: 'Ivy', lastName: 'Individual', dateOfBirthCiphertext: encryptField(ring, '1980-01-01', aad.dateOfBirth(id)), totalAssetsUsd: 250_000 } } }),
    },
  });
  return id;
}

const versionOf = async (id: string) => (await db.customer.findUniqueOrThrow({ where: { id } })).version;

async function profile(id: string, body: Record<string, unknown>): Promise<void> {
  const res = await call('POST', `/customers/${id}/profile`, { as: staff.rmA, body: { ...body, version: await versionOf(id) } });
  expect([res.status, res.body?.issues ?? res.body?.message]).toEqual([200, undefined]);
  expect(res.body.relationshipManagerId).toBe(staff.rmA.id);
}

async function financials(id: string, body: Record<string, unknown>): Promise<void> {
  const res = await call('POST', `/customers/${id}/financials`, { as: staff.rmA, body });
  expect([res.status, res.body?.issues ?? res.body?.message]).toEqual([201, undefined]);
}

/** The real assessment, as the lifecycle's assessRisk activity runs it. */
async function assess(id: string, runKey: string, trigger: 'INITIAL' | 'INPUT_CHANGE', at: Date) {
  const result = await assessCustomers({ db, ring, policy }, { customerIds: [id], runKey, trigger, at });
  expect(result.failed).toEqual([]);
  expect(result.assessed).toHaveLength(1);
  return result.assessed[0]!;
}

const risk = (as: ApiStaff, id: string) => call('GET', `/customers/${id}/risk`, { as });

/** A period's statements: revenue, and whether the year went well (low leverage, liquid, profitable) or badly. */
const statements = (periodEnd: string, revenueUsd: number, good: boolean) =>
  good
    ? {
        periodEnd,
        revenueUsd,
        netIncomeUsd: revenueUsd * 0.1,
        ebitUsd: revenueUsd * 0.15,
        interestExpenseUsd: revenueUsd * 0.01,
        totalAssetsUsd: 30_000_000,
        totalLiabilitiesUsd: 9_000_000,
        currentAssetsUsd: 9_000_000,
        currentLiabilitiesUsd: 4_000_000,
        largestCustomerShare: 0.1,
      }
    : {
        periodEnd,
        revenueUsd,
        netIncomeUsd: -3_000_000,
        ebitUsd: -1_000_000,
        interestExpenseUsd: 900_000,
        totalAssetsUsd: 20_000_000,
        totalLiabilitiesUsd: 19_000_000,
        currentAssetsUsd: 3_000_000,
        currentLiabilitiesUsd: 6_000_000,
        largestCustomerShare: 0.6,
      };

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
const kinds = (measures: { kind: string }[]) => measures.map((m) => m.kind).sort();

beforeAll(async () => {
  stack = await startApi({ policy, ring });
  ({ db, baseUrl } = stack);
  await staffWithKeys(db, staff, { admin: ['ADMIN'], supervisor: ['SUPERVISOR'], risk: ['RISK_OFFICER'], rmA: ['RELATIONSHIP_MANAGER'], rmB: ['RELATIONSHIP_MANAGER'], cs: ['CUSTOMER_SERVICE'] });
});

afterAll(async () => {
  await stack?.stop();
});

let enterpriseId: string;

test('§6 an enterprise: no rating before its first assessment; A with the preferential terms; D with the restrictions and an investigation, A lifted; back to A, the D measures lifted; the history kept throughout', async () => {
  const id = (enterpriseId = await seedCustomer('ENTERPRISE'));

  // Before any assessment: nothing to show, and never "good" by default.
  const before = await risk(staff.rmA, id);
  expect([before.status, before.body?.message]).toEqual([200, undefined]);
  expect(before.headers.get('cache-control')).toBe('no-store');
  expect(before.body).toEqual({
    customerId: id,
    customerType: 'ENTERPRISE',
    rating: null,
    assessedAt: null,
    ratedSince: null,
    policyVersion: null,
    simplifiedProcedure: false,
    rateDiscountEligible: false,
    measuresInForce: [],
    ratingChanges: [],
    measureHistory: [],
    latestAssessments: [],
    investigation: null,
  });

  // §6.1 facts, recorded through the API: 28 years in business, two good years, revenue up 10 %.
  await profile(id, { establishedOn: '1998-06-15' });
  await financials(id, statements('2024-12-31', 20_000_000, true));
  await financials(id, statements('2025-12-31', 22_000_000, true));
  const t0 = hoursAgo(3);
  const first = await assess(id, 'test:initial', 'INITIAL', t0);
  expect([first.rating, first.direction]).toEqual(['A', 'NEW']);

  const rated = (await risk(staff.rmA, id)).body;
  expect(rated).toMatchObject({ rating: 'A', assessedAt: t0.toISOString(), policyVersion: policy.version, simplifiedProcedure: true, rateDiscountEligible: true, investigation: null });
  expect(rated.measuresInForce).toEqual([
    {
      kind: 'PREFERENTIAL_TERMS',
      rating: 'A',
      detail: { simplifiedProcedure: true, rateDiscountEligible: true },
      appliedAt: t0.toISOString(),
      appliedByAssessmentId: first.assessmentId,
      liftedAt: null,
      liftedByAssessmentId: null,
      policyVersion: policy.version,
    },
  ]);
  expect(rated.ratingChanges).toEqual([
    { assessmentId: first.assessmentId, from: null, to: 'A', trigger: 'INITIAL', policyVersion: policy.version, at: t0.toISOString(), reasons: first.reasons },
  ]);
  expect(rated.latestAssessments).toHaveLength(1);
  const a0 = rated.latestAssessments[0];
  expect(a0).toMatchObject({ id: first.assessmentId, trigger: 'INITIAL', runKey: 'test:initial', rating: 'A', previousRating: null, total: 5, policyVersion: policy.version, assessedAt: t0.toISOString() });
  // Each factor with its input, band and points: the industry (NAICS 54) is the only one that scores.
  const points = Object.fromEntries((a0.factors as { factor: string; points: number }[]).map((f) => [f.factor, f.points]));
  expect(points).toEqual({ industry: 5, yearsInBusiness: 0, revenueTrend: 0, customerConcentration: 0, leverage: 0, liquidity: 0, interestCover: 0, profitability: 0 });
  expect(a0.factors.find((f: { factor: string }) => f.factor === 'yearsInBusiness')).toMatchObject({ input: 28, missing: false });
  expect(a0.reasons.length).toBeGreaterThan(0);
  expect(a0.reasons.every((r: unknown) => typeof r === 'string' && r.length > 0)).toBe(true);

  // Worse: a year of losses, heavy leverage, revenue down by a third, one customer 60 % of it.
  await financials(id, statements('2026-06-30', 15_000_000, false));
  const t1 = hoursAgo(2);
  const worse = await assess(id, 'test:worse', 'INPUT_CHANGE', t1);
  expect([worse.rating, worse.previousRating, worse.direction]).toEqual(['D', 'A', 'UP']);

  const high = (await risk(staff.rmA, id)).body;
  expect(high).toMatchObject({ rating: 'D', assessedAt: t1.toISOString(), simplifiedProcedure: false, rateDiscountEligible: false });
  const d = policy.riskScorecards.enterprise.measures.D;
  expect(high.measuresInForce.map((m: { kind: string; detail: unknown; rating: string; appliedByAssessmentId: string }) => [m.kind, m.detail, m.rating, m.appliedByAssessmentId]).sort()).toEqual(
    [
      ['INVESTIGATION', d.investigation, 'D', worse.assessmentId],
      ['PRODUCT_RESTRICTION', { restrictedRiskClasses: [3, 4] }, 'D', worse.assessmentId],
      ['STRICTER_CONDITIONS', { aboveRiskClass: 1, extraGuarantee: true, approvalBy: ['RISK_OFFICER'] }, 'D', worse.assessmentId],
    ].sort(),
  );
  // Both changes, newest first; the reasons name what made it worse.
  expect(high.ratingChanges.map((c: { from: string | null; to: string; trigger: string; assessmentId: string }) => [c.from, c.to, c.trigger, c.assessmentId])).toEqual([
    ['A', 'D', 'INPUT_CHANGE', worse.assessmentId],
    [null, 'A', 'INITIAL', first.assessmentId],
  ]);
  expect(high.ratingChanges[0].reasons).toEqual(worse.reasons);
  expect(high.ratingChanges[0].reasons.join(' ')).toMatch(/leverage|interest|profit|liquidity/i);
  // The A measure lifted by the D assessment, kept in the history beside the new ones.
  expect(high.measureHistory).toHaveLength(4);
  expect(high.measureHistory.find((m: { kind: string }) => m.kind === 'PREFERENTIAL_TERMS')).toMatchObject({
    rating: 'A',
    appliedAt: t0.toISOString(),
    liftedAt: t1.toISOString(),
    liftedByAssessmentId: worse.assessmentId,
  });
  expect(high.latestAssessments.map((a: { id: string; total: number }) => a.id)).toEqual([worse.assessmentId, first.assessmentId]);
  expect(high.latestAssessments[0].total).toBeGreaterThanOrEqual(policy.riskScorecards.enterprise.ratingFrom.D);
  expect(high.latestAssessments[0].previousRating).toBe('A');
  // The customer's own row follows (what the product rules read).
  expect(await db.customer.findUniqueOrThrow({ where: { id }, select: { riskRating: true, simplifiedProcedure: true, rateDiscountEligible: true } })).toEqual({
    riskRating: 'D',
    simplifiedProcedure: false,
    rateDiscountEligible: false,
  });

  // Better again: a strong quarter, revenue up 40 %.
  await financials(id, statements('2026-09-30', 21_000_000, true));
  const t2 = hoursAgo(1);
  const better = await assess(id, 'test:better', 'INPUT_CHANGE', t2);
  expect([better.rating, better.previousRating, better.direction]).toEqual(['A', 'D', 'DOWN']);

  const recovered = (await risk(staff.rmA, id)).body;
  expect(recovered).toMatchObject({ rating: 'A', simplifiedProcedure: true, rateDiscountEligible: true });
  expect(recovered.measuresInForce.map((m: { kind: string; appliedByAssessmentId: string }) => [m.kind, m.appliedByAssessmentId])).toEqual([['PREFERENTIAL_TERMS', better.assessmentId]]);
  const lifted = recovered.measureHistory.filter((m: { rating: string }) => m.rating === 'D');
  expect(kinds(lifted)).toEqual(['INVESTIGATION', 'PRODUCT_RESTRICTION', 'STRICTER_CONDITIONS']);
  expect(lifted.every((m: { liftedAt: string; liftedByAssessmentId: string }) => m.liftedAt === t2.toISOString() && m.liftedByAssessmentId === better.assessmentId)).toBe(true);
  expect(recovered.measureHistory).toHaveLength(5);
  expect(recovered.ratingChanges.map((c: { from: string | null; to: string }) => `${c.from ?? 'none'}→${c.to}`)).toEqual(['D→A', 'A→D', 'none→A']);

  // Every change audited (the system as actor), every read recorded.
  const changes = await db.auditLog.findMany({ where: { customerId: id, action: 'risk.rating.change' }, orderBy: { id: 'asc' } });
  expect(changes.map((c) => [c.actorStaffId, (c.changes as { riskRating: unknown }).riskRating])).toEqual([
    [null, { before: null, after: 'A' }],
    [null, { before: 'A', after: 'D' }],
    [null, { before: 'D', after: 'A' }],
  ]);
  expect(await db.auditLog.count({ where: { customerId: id, action: 'customer.read', entity: 'RiskAssessment', actorStaffId: staff.rmA.id } })).toBe(4);
});

test('§6.2 an individual: LOW (preferential terms) → HIGH on defaults (flags off, restrictions, investigation) → MEDIUM (closer monitoring, stricter conditions for class 3–4)', async () => {
  const id = await seedCustomer('INDIVIDUAL');
  const facts = { annualIncomeUsd: 120_000, debtsUsd: 20_000, employmentType: 'PERMANENT', employmentSince: '2012-04-01', incomeVariability: 0.05 };
  await profile(id, { ...facts, creditBureau: { score: 780, delinquencies: 0, defaults: 0, reportedOn: '2026-11-01' } });
  const low = await assess(id, 'test:initial', 'INITIAL', hoursAgo(3));
  expect([low.rating, low.total]).toEqual(['LOW', 0]);
  let view = (await risk(staff.supervisor, id)).body;
  expect(view).toMatchObject({ customerType: 'INDIVIDUAL', rating: 'LOW', simplifiedProcedure: true, rateDiscountEligible: true });
  expect(kinds(view.measuresInForce)).toEqual(['PREFERENTIAL_TERMS']);
  expect(Object.fromEntries(view.latestAssessments[0].factors.map((f: { factor: string; points: number }) => [f.factor, f.points]))).toEqual({
    creditScore: 0,
    delinquencies: 0,
    defaults: 0,
    employmentType: 0,
    employmentTenureMonths: 0,
    incomeVariability: 0,
    debtToIncome: 0,
  });

  // The bureau reports two defaults.
  await profile(id, { creditBureau: { score: 560, delinquencies: 4, defaults: 2, reportedOn: '2026-11-20' } });
  const high = await assess(id, 'test:defaults', 'INPUT_CHANGE', hoursAgo(2));
  expect([high.rating, high.previousRating]).toEqual(['HIGH', 'LOW']);
  view = (await risk(staff.supervisor, id)).body;
  expect(view).toMatchObject({ rating: 'HIGH', simplifiedProcedure: false, rateDiscountEligible: false });
  expect(kinds(view.measuresInForce)).toEqual(['INVESTIGATION', 'PRODUCT_RESTRICTION', 'STRICTER_CONDITIONS']);
  expect(view.latestAssessments[0].factors.find((f: { factor: string }) => f.factor === 'defaults')).toMatchObject({ input: 2, points: 60 });
  expect(view.ratingChanges[0].reasons.join(' ')).toMatch(/default/i);
  expect(view.measureHistory.find((m: { kind: string }) => m.kind === 'PREFERENTIAL_TERMS')).toMatchObject({ liftedByAssessmentId: high.assessmentId });

  // Defaults cleared, delinquencies remain: MEDIUM.
  await profile(id, { creditBureau: { score: 650, delinquencies: 3, defaults: 0, reportedOn: '2026-11-28' } });
  const medium = await assess(id, 'test:cleared', 'INPUT_CHANGE', hoursAgo(1));
  expect([medium.rating, medium.previousRating]).toEqual(['MEDIUM', 'HIGH']);
  view = (await risk(staff.supervisor, id)).body;
  expect(view).toMatchObject({ rating: 'MEDIUM', simplifiedProcedure: false, rateDiscountEligible: false });
  expect(view.measuresInForce.map((m: { kind: string; detail: unknown }) => [m.kind, m.detail]).sort()).toEqual([
    ['CLOSE_MONITORING', { everyMonths: policy.risk.closeMonitoringEveryMonths }],
    ['STRICTER_CONDITIONS', { aboveRiskClass: 2, extraGuarantee: true, approvalBy: ['SUPERVISOR', 'RISK_OFFICER'] }],
  ]);
  // Every HIGH measure lifted by the MEDIUM assessment (the HIGH stricter conditions too: their terms changed).
  const highMeasures = view.measureHistory.filter((m: { rating: string }) => m.rating === 'HIGH');
  expect(kinds(highMeasures)).toEqual(['INVESTIGATION', 'PRODUCT_RESTRICTION', 'STRICTER_CONDITIONS']);
  expect(highMeasures.every((m: { liftedByAssessmentId: string }) => m.liftedByAssessmentId === medium.assessmentId)).toBe(true);
  expect(view.ratingChanges.map((c: { from: string | null; to: string }) => `${c.from ?? 'none'}→${c.to}`)).toEqual(['HIGH→MEDIUM', 'LOW→HIGH', 'none→LOW']);
  expect(await db.customer.findUniqueOrThrow({ where: { id }, select: { simplifiedProcedure: true, rateDiscountEligible: true } })).toEqual({ simplifiedProcedure: false, rateDiscountEligible: false });
});

test('§3.1 another relationship manager is told the customer does not exist (404), and nothing is recorded for them; any other role reads; each read recorded as customer.read', async () => {
  const id = enterpriseId;
  const reads = () => db.auditLog.findMany({ where: { customerId: id, action: 'customer.read', entity: 'RiskAssessment' }, orderBy: { id: 'asc' } });
  const before = (await reads()).length;
  const other = await risk(staff.rmB, id);
  expect(other.status).toBe(404);
  expect(JSON.stringify(other.body)).not.toContain('"rating"');
  expect(await reads()).toHaveLength(before);

  for (const who of [staff.cs, staff.risk, staff.admin]) expect((await risk(who, id)).status).toBe(200);
  expect((await risk(staff.rmB, 'cus_doesnotexist')).status).toBe(404);
  expect((await call('GET', `/customers/${id}/risk`)).status).toBe(401);

  const after = await reads();
  expect(after.slice(before).map((a) => [a.actorStaffId, a.entityId, typeof a.requestId])).toEqual([
    [staff.cs.id, id, 'string'],
    [staff.risk.id, id, 'string'],
    [staff.admin.id, id, 'string'],
  ]);
});

/** A HIGH individual and what `followRiskRating` opens for it: the investigation and plan tasks for the risk officer, and the plan's reminder. */
async function highRiskCustomer(): Promise<{ id: string; investigationTaskId: string; planTaskId: string; reminderKey: string }> {
  const id = await seedCustomer('INDIVIDUAL');
  await profile(id, {
    annualIncomeUsd: 60_000,
    debtsUsd: 90_000,
    employmentType: 'SELF_EMPLOYED',
    employmentSince: '2024-01-01',
    incomeVariability: 0.4,
    creditBureau: { score: 540, delinquencies: 5, defaults: 1, reportedOn: '2026-11-15' },
  });
  const assessed = await assess(id, 'test:initial', 'INITIAL', hoursAgo(1));
  expect(assessed.rating).toBe('HIGH');
  return { id, investigationTaskId: taskId.riskInvestigation(id, assessed.assessmentId!), planTaskId: taskId.mitigationPlan(id, assessed.assessmentId!), reminderKey: `risk-plan:${id}:${assessed.assessmentId}` };
}

async function openInvestigation(c: Awaited<ReturnType<typeof highRiskCustomer>>): Promise<void> {
  const dueAt = new Date(Date.now() + 14 * 86_400_000);
  const common = { customerId: c.id, assigneeStaffId: staff.risk.id, team: 'RISK_OFFICER', dueAt, overdueAt: new Date(dueAt.getTime() + 2 * 86_400_000), workflowId: customerWorkflowId(c.id), policyVersion: policy.version };
  await db.task.create({ data: { ...common, id: c.investigationTaskId, kind: 'RISK_INVESTIGATION', subject: `Investigate the cause of customer ${c.id}'s rating HIGH (§6.2)` } });
  await db.task.create({ data: { ...common, id: c.planTaskId, kind: 'MITIGATION_PLAN', subject: `Mitigation plan for customer ${c.id} rated HIGH (§6.2)` } });
  await db.reminder.create({
    data: {
      key: c.reminderKey,
      staffId: staff.risk.id,
      escalationStaffId: staff.supervisor.id,
      subject: `Mitigation plan for customer ${c.id} rated HIGH due (§6.2)`,
      dueAt,
      escalatesAt: common.overdueAt,
      policyVersion: policy.version,
      workflowId: `${customerWorkflowId(c.id)}/${c.reminderKey}`,
      taskId: c.planTaskId,
    },
  });
}

test('§6.2 HIGH: the cause analysis and the mitigation plan — 403 for a relationship manager, 400 naming the field, 409 with nothing open; each closes its task with the outcome, audited; the plan answers its reminder', async () => {
  const c = await highRiskCustomer();
  const investigation = (as: ApiStaff, body: unknown) => call('POST', `/customers/${c.id}/risk/investigation`, { as, body });
  const plan = (as: ApiStaff, body: unknown) => call('POST', `/customers/${c.id}/risk/mitigation-plan`, { as, body });
  const cause = { causeAnalysis: 'Self-employed income fell in 2026; a default on a car loan in October' };
  const thePlan = { actions: ['MORE_COLLATERAL', 'REDUCED_LIMITS'], description: 'Pledge the savings account; card limit down to USD 2,000' };
  const written = async () => JSON.stringify([await db.task.findMany({ where: { customerId: c.id }, orderBy: { id: 'asc' } }), await db.reminder.findMany({ where: { taskId: c.planTaskId } }), await db.auditLog.count({ where: { action: { startsWith: 'risk.' }, customerId: c.id } })]);

  // Nothing open yet: 409, saying what the route is for.
  const none = await investigation(staff.risk, cause);
  expect([none.status, none.body.message]).toEqual([409, `customer ${c.id} has no open RISK_INVESTIGATION task (§6.2: one is opened when the rating becomes HIGH or D)`]);
  expect((await plan(staff.supervisor, thePlan)).status).toBe(409);

  await openInvestigation(c);
  const opened = (await risk(staff.risk, c.id)).body;
  expect(opened.investigation.tasks.map((t: { id: string; kind: string; status: string; assigneeStaffId: string }) => [t.kind, t.id, t.status, t.assigneeStaffId]).sort()).toEqual([
    ['MITIGATION_PLAN', c.planTaskId, 'OPEN', staff.risk.id],
    ['RISK_INVESTIGATION', c.investigationTaskId, 'OPEN', staff.risk.id],
  ]);

  const before = await written();
  // Who: RISK_OFFICER and SUPERVISOR only, the relationship manager included.
  for (const res of [await investigation(staff.rmA, cause), await plan(staff.rmA, thePlan), await plan(staff.cs, thePlan)]) {
    expect([res.status, res.body.error]).toEqual([403, 'forbidden']);
  }
  // Bad input: 400 naming the field, value and reason.
  const short = await investigation(staff.risk, { causeAnalysis: '  unclear ' });
  expect([short.status, short.body.issues]).toEqual([400, [{ field: 'causeAnalysis', value: '  unclear ', reason: 'at least 10 characters' }]]);
  const missing = await investigation(staff.risk, {});
  expect([missing.status, missing.body.issues.map((i: { field: string }) => i.field)]).toEqual([400, ['causeAnalysis']]);
  const empty = await plan(staff.risk, { ...thePlan, actions: [] });
  expect([empty.status, empty.body.issues]).toEqual([400, [{ field: 'actions', value: [], reason: 'at least one action' }]]);
  const unknown = await plan(staff.risk, { ...thePlan, actions: ['MORE_COLLATERAL', 'PRAY'] });
  expect(unknown.status).toBe(400);
  expect(unknown.body.issues).toEqual([{ field: 'actions.1', value: 'PRAY', reason: expect.stringMatching(/^one of MORE_COLLATERAL, CHANGED_COOPERATION_MODEL, /) }]);
  const twice = await plan(staff.risk, { ...thePlan, actions: ['MORE_COLLATERAL', 'MORE_COLLATERAL'] });
  expect([twice.status, twice.body.issues?.[0]?.field]).toEqual([400, 'actions']);
  const extra = await plan(staff.risk, { ...thePlan, owner: 'me' });
  expect([extra.status, extra.body.issues]).toEqual([400, [{ field: 'owner', reason: 'unknown field' }]]);
  // The relationship manager of another customer's scope does not apply to a risk officer; an unknown customer is 404.
  expect((await call('POST', '/customers/cus_doesnotexist/risk/investigation', { as: staff.risk, body: cause })).status).toBe(404);
  expect(await written()).toBe(before);

  // The cause analysis: the investigation task DONE with what was found; the audit record holds no free text.
  const found = await investigation(staff.risk, cause);
  expect([found.status, found.body?.message]).toEqual([200, undefined]);
  expect(found.body).toMatchObject({ id: c.investigationTaskId, kind: 'RISK_INVESTIGATION', status: 'DONE', closedByStaffId: staff.risk.id, outcome: { ...cause, recordedByStaffId: staff.risk.id } });
  expect((await db.task.findUniqueOrThrow({ where: { id: c.planTaskId } })).status).toBe('OPEN');
  const again = await investigation(staff.risk, cause);
  expect(again.status).toBe(409);
  expect(again.body.message).toContain(`open: ${c.planTaskId}`);

  // The plan, by a supervisor: the plan task DONE, its reminder (not yet due) cancelled.
  const recorded = await plan(staff.supervisor, thePlan);
  expect([recorded.status, recorded.body?.message]).toEqual([200, undefined]);
  expect(recorded.body).toMatchObject({ id: c.planTaskId, kind: 'MITIGATION_PLAN', status: 'DONE', closedByStaffId: staff.supervisor.id, outcome: { ...thePlan, recordedByStaffId: staff.supervisor.id } });
  const reminder = await db.reminder.findUniqueOrThrow({ where: { key: c.reminderKey } });
  expect(reminder).toMatchObject({ status: 'CANCELLED', acknowledgedByStaffId: staff.supervisor.id });
  expect(reminder.cancelledAt).toBeInstanceOf(Date);
  expect((await plan(staff.supervisor, thePlan)).status).toBe(409);

  const audit = await db.auditLog.findMany({ where: { customerId: c.id, action: { in: ['risk.investigation.findings', 'risk.mitigation_plan.record'] } }, orderBy: { id: 'asc' } });
  expect(audit.map((a) => [a.action, a.actorStaffId, a.entity, a.entityId, a.changes])).toEqual([
    ['risk.investigation.findings', staff.risk.id, 'Task', c.investigationTaskId, { status: { before: 'OPEN', after: 'DONE' }, causeAnalysis: { before: null, after: 'recorded' } }],
    ['risk.mitigation_plan.record', staff.supervisor.id, 'Task', c.planTaskId, { status: { before: 'OPEN', after: 'DONE' }, actions: { before: null, after: thePlan.actions } }],
  ]);
  expect(JSON.stringify(audit.map((a) => a.changes))).not.toContain('car loan');

  // Nothing open any more.
  expect((await risk(staff.risk, c.id)).body.investigation).toBeNull();
});

// ───────────────────────────────────────── the CLI ─────────────────────────────────────────

/** `ccm …` on this file's database, the development key ring, Temporal's dev server (a task queue of its own per run). */
const ccm = ccmRunner({ taskQueue: () => `risk-api-cli-${randomUUID().slice(0, 8)}`, env: { DATA_ENCRYPTION_KEYS: '', DATA_ENCRYPTION_KEY_ID: '', BLIND_INDEX_KEY: '' } });

test('ccm risk show: the rating, the measures in force, each rating change with its reason, the measures lifted, the latest reasons, the open investigation; --json as the API; another manager: does not exist', async () => {
  // LOW, then HIGH on a default, its investigation opened.
  const id = await seedCustomer('INDIVIDUAL');
  await profile(id, { annualIncomeUsd: 120_000, debtsUsd: 20_000, employmentType: 'PERMANENT', employmentSince: '2012-04-01', incomeVariability: 0.05, creditBureau: { score: 780, delinquencies: 0, defaults: 0, reportedOn: '2026-11-01' } });
  const low = await assess(id, 'test:initial', 'INITIAL', hoursAgo(2));
  await profile(id, { creditBureau: { score: 600, delinquencies: 0, defaults: 1, reportedOn: '2026-11-20' } });
  const high = await assess(id, 'test:default', 'INPUT_CHANGE', hoursAgo(1));
  expect([low.rating, high.rating]).toEqual(['LOW', 'HIGH']);
  const c = { id, investigationTaskId: taskId.riskInvestigation(id, high.assessmentId!), planTaskId: taskId.mitigationPlan(id, high.assessmentId!), reminderKey: `risk-plan:${id}:${high.assessmentId}` };
  await openInvestigation(c);
  const view = (await risk(staff.rmA, id)).body;
  const [toHigh, toLow] = view.ratingChanges;
  const lowTerms = view.measureHistory.find((m: { kind: string }) => m.kind === 'PREFERENTIAL_TERMS');
  const task = (kind: string) => view.investigation.tasks.find((t: { kind: string }) => t.kind === kind);

  const shown = await ccm(['--as', staff.rmA.id, 'risk', 'show', id]);
  expect([shown.code, shown.stderr.replace(/^\[ccm\] using the DEVELOPMENT key ring.*\n/m, '')]).toEqual([0, '']);
  expect(shown.stdout).toBe(
    [
      `${id} (INDIVIDUAL): rating HIGH since ${view.assessedAt}, policy ${policy.version}`,
      'preferential terms: simplified procedure no, rate discount no',
      `measures in force (§6.2): ${view.measuresInForce.map((m: { kind: string; detail: unknown }) => `${m.kind} ${JSON.stringify(m.detail)}`).join('; ')}`,
      'rating changes, newest first:',
      `  ${toHigh.at}  LOW → HIGH  INPUT_CHANGE  policy ${policy.version}  (defaults 1 is at or above 1 (+60 points))`,
      `  ${toLow.at}  none → LOW  INITIAL  policy ${policy.version}${toLow.reasons[0] ? `  (${toLow.reasons[0]})` : ''}`,
      'measures lifted, newest first:',
      `  ${toHigh.at}  PREFERENTIAL_TERMS {"simplifiedProcedure":true,"rateDiscountEligible":true} (LOW, in force since ${lowTerms.appliedAt})`,
      ...high.reasons.map((r) => `  reason: ${r}`),
      ...['MITIGATION_PLAN', 'RISK_INVESTIGATION'].map((kind) => `open ${kind} task ${task(kind).id}, due ${task(kind).dueAt}, ${staff.risk.id}`),
      '',
    ].join('\n'),
  );
  // In the policy's order of measures.
  expect(view.measuresInForce.map((m: { kind: string }) => m.kind)).toEqual(['STRICTER_CONDITIONS', 'PRODUCT_RESTRICTION', 'INVESTIGATION']);
  expect(high.reasons[0]).toBe('defaults 1 is at or above 1 (+60 points)');

  const json = await ccm(['--as', staff.rmA.id, '--json', 'risk', 'show', id]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual(view);

  const other = await ccm(['--as', staff.rmB.id, 'risk', 'show', id]);
  expect([other.code, other.stdout, other.stderr.replace(/^\[ccm\].*\n/gm, '')]).toEqual([1, '', `ccm: customer ${id} does not exist\n`]);
  // The reads recorded under who made them (the refused one not).
  expect(await db.auditLog.count({ where: { customerId: id, action: 'customer.read', entity: 'RiskAssessment', actorStaffId: staff.rmA.id } })).toBe(3);
  expect(await db.auditLog.count({ where: { customerId: id, action: 'customer.read', actorStaffId: staff.rmB.id } })).toBe(0);
});

test('ccm risk plan and investigation: a relationship manager is refused, bad input names the option, the plan closes its task and cancels its reminder (the lifecycle that cannot be told reported on stderr), then the cause analysis', async () => {
  const c = await highRiskCustomer();
  await openInvestigation(c);
  const description = 'Pledge the savings account; monthly statements';

  const rm = await ccm(['--as', staff.rmA.id, 'risk', 'plan', c.id, '--action', 'MORE_COLLATERAL', '--description', description]);
  expect([rm.code, rm.stderr.replace(/^\[ccm\].*\n/gm, '')]).toEqual([1, `ccm: requires one of the roles RISK_OFFICER, SUPERVISOR; staff member ${staff.rmA.id} has RELATIONSHIP_MANAGER\n`]);
  const bad = await ccm(['--as', staff.risk.id, 'risk', 'plan', c.id, '--action', 'PRAY', '--description', 'short']);
  expect([bad.code, bad.stderr.replace(/^\[ccm\].*\n/gm, '')]).toEqual([
    1,
    'ccm: --action: one of MORE_COLLATERAL, CHANGED_COOPERATION_MODEL, REDUCED_LIMITS, CLOSER_MONITORING, EXIT_RELATIONSHIP (got "PRAY"); --description: at least 10 characters (got "short")\n',
  ]);
  const cause = await ccm(['--as', staff.risk.id, 'risk', 'investigation', c.id, '--cause', 'unclear']);
  expect([cause.code, cause.stderr.replace(/^\[ccm\].*\n/gm, '')]).toEqual([1, 'ccm: --cause: at least 10 characters (got "unclear")\n']);
  expect((await db.task.findUniqueOrThrow({ where: { id: c.planTaskId } })).status).toBe('OPEN');

  const done = await ccm(['--as', staff.risk.id, 'risk', 'plan', c.id, '--action', 'MORE_COLLATERAL', '--action', 'CHANGED_COOPERATION_MODEL', '--description', description]);
  expect(done.code).toBe(0);
  expect(done.stdout).toBe(`${c.id}: mitigation plan (MORE_COLLATERAL, CHANGED_COOPERATION_MODEL) recorded by ${staff.risk.id} (task ${c.planTaskId} DONE)\n`);
  // No lifecycle runs for this customer: best effort, said on stderr; the plan stays recorded.
  expect(done.stderr).toMatch(new RegExp(`mitigation plan ${c.planTaskId} recorded but customer ${c.id}'s lifecycle was not told`));
  expect(await db.task.findUniqueOrThrow({ where: { id: c.planTaskId } })).toMatchObject({
    status: 'DONE',
    closedByStaffId: staff.risk.id,
    outcome: { actions: ['MORE_COLLATERAL', 'CHANGED_COOPERATION_MODEL'], description, recordedByStaffId: staff.risk.id },
  });
  expect((await db.reminder.findUniqueOrThrow({ where: { key: c.reminderKey } })).status).toBe('CANCELLED');
  expect(await db.auditLog.count({ where: { customerId: c.id, action: 'risk.mitigation_plan.record', actorStaffId: staff.risk.id } })).toBe(1);

  const again = await ccm(['--as', staff.risk.id, 'risk', 'plan', c.id, '--action', 'MORE_COLLATERAL', '--description', description]);
  expect([again.code, again.stderr.replace(/^\[ccm\].*\n/gm, '')]).toEqual([
    1,
    `ccm: customer ${c.id} has no open MITIGATION_PLAN task (§6.2: one is opened when the rating becomes HIGH or D); open: ${c.investigationTaskId}\n`,
  ]);

  // The cause analysis, by a supervisor.
  const found = await ccm(['--as', staff.supervisor.id, 'risk', 'investigation', c.id, '--cause', 'Income fell when the main client left; one default in October']);
  expect([found.code, found.stdout]).toEqual([0, `${c.id}: cause analysis recorded by ${staff.supervisor.id} (task ${c.investigationTaskId} DONE)\n`]);
  expect(await db.task.count({ where: { customerId: c.id, status: 'OPEN' } })).toBe(0);
});
