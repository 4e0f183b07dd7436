/**
 * §6.1 risk inputs, their write side, end to end on real parts: HTTP → use cases → PostgreSQL, the
 * customers' lifecycles (`customer-<id>`, started by onboarding at approval) on the Temporal dev
 * server with a worker running the real activities. Clause ids: ../shared/policy.md.
 *   §6.1 enterprise financial risk: POST/GET /customers/:id/financials — recorded with its audit
 *        record, refused (roles, scope, an individual, bad input with field/value/reason, a period on
 *        file) with nothing written, listed newest first with every read recorded;
 *   §6.1 individual risk inputs in the deeper profile: the credit bureau figures encrypted at rest,
 *        masked in the view, revealed only to RISK_OFFICER and AUDITOR (recorded), never in an audit
 *        record nor in an error; employment, income variability, an enterprise's founding date;
 *   §6 "re-assessed … at once when its inputs change": each change signals the lifecycle, which
 *        records the re-assessment as due (risk.reassessment_due naming the inputs);
 *   §3.1 who may do what.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { calendarDateIn } from '../../src/domain/business-calendar';
import { aad } from '../../src/customers/encrypted-fields';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { decryptField, keyIdOf } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import { apiCaller, approvedCustomer, financialStatementBody, mediumEnterpriseBody, staffWithKeys, until, vipBody, type ApiStaff, type ApprovedCustomer } from '../support/api';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';

const MAIL_FROM = 'care@bank.test';
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-95' });
const ring = developmentKeyRing();
const TZ = policy.onboarding.timeZone;

let stack: ApiStack;
let db: Db;
let baseUrl: string;
let temporal: Client;

const staff = {} as Record<'cs' | 'auditor' | 'supervisor' | 'risk' | 'rmA' | 'rmB', ApiStaff>;
const call = apiCaller(() => baseUrl);
const approved = (body: unknown) => approvedCustomer({ call, db, temporal }, body, { maker: staff.cs, checker: staff.auditor });
/** A VIP individual (a dedicated relationship manager, §4.1). */
const vip = () => vipBody({ firstName: 'Rhea', lastName: 'Risk' });

const rmOf = (c: ApprovedCustomer) => (c.managerId === staff.rmA.id ? staff.rmA : staff.rmB);
const otherRmOf = (c: ApprovedCustomer) => (c.managerId === staff.rmA.id ? staff.rmB : staff.rmA);
const versionOf = async (id: string) => (await db.customer.findUniqueOrThrow({ where: { id } })).version;
const today = () => calendarDateIn(new Date(), TZ);
const tomorrow = () => calendarDateIn(new Date(Date.now() + 86_400_000), TZ);

/** What a refused request must not touch: statements, change records, the customer and its profiles. */
/**
 * What a refused request must leave as it was. The customer's lifecycle works in the background on
 * earlier tests' changes (§6: re-assessment due, then the assessment with its rating): its records
 * and the rating fields it keeps are left out, so only what the request itself could write is compared.
 */
async function stateOf(customerId: string) {
  const [statements, audit, customer] = await Promise.all([
    db.financialStatement.findMany({ where: { customerId }, orderBy: { id: 'asc' } }),
    db.auditLog.count({ where: { action: { notIn: ['customer.read', 'customer.list', 'risk.reassessment_due', 'risk.rating.change'] } } }),
    db.customer.findUniqueOrThrow({
      where: { id: customerId },
      include: { individualProfile: true, enterpriseProfile: true },
      omit: { riskRating: true, riskAssessmentId: true, riskAssessedAt: true, riskPolicyVersion: true, simplifiedProcedure: true, rateDiscountEligible: true },
    }),
  ]);
  return JSON.stringify({ statements, audit, customer });
}

/** The lifecycle's record of a due §6 re-assessment after a change of `inputs` by `staffId` (signalled after the commit). */
const reassessmentDue = (customerId: string, staffId: string, inputs: string[]) =>
  until(`risk.reassessment_due for ${inputs.join(', ')}`, async () => {
    const rows = await db.auditLog.findMany({ where: { customerId, action: 'risk.reassessment_due', actorStaffId: staffId }, orderBy: { id: 'asc' } });
    return rows.find((r) => JSON.stringify((r.changes as any)?.riskInputs?.after) === JSON.stringify(inputs));
  });

const statement = financialStatementBody;

let enterprise: ApprovedCustomer;
let person: ApprovedCustomer;
let pendingEnterpriseId: string;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring });
  ({ db, temporal, baseUrl } = stack);
  await staffWithKeys(db, staff, { cs: ['CUSTOMER_SERVICE'], auditor: ['AUDITOR'], supervisor: ['SUPERVISOR'], risk: ['RISK_OFFICER'], rmA: ['RELATIONSHIP_MANAGER'], rmB: ['RELATIONSHIP_MANAGER'] });
  [enterprise, person] = await Promise.all([approved(mediumEnterpriseBody()), approved(vip())]);
  const pending = await call('POST', '/customers', { as: staff.cs, body: mediumEnterpriseBody() });
  expect(pending.status).toBe(201);
  pendingEnterpriseId = pending.body.id;
});

afterAll(async () => {
  await stack?.stop();
});

describe('§6.1 financial statements: POST /customers/:id/financials', () => {
  test('§3.1 CUSTOMER_SERVICE and AUDITOR 403, another manager 404, no key 401, an unknown customer 404; an individual 409 with the reason; nothing written', async () => {
    const before = await stateOf(enterprise.id);
    const body = statement('2025-12-31');
    const cs = await call('POST', `/customers/${enterprise.id}/financials`, { as: staff.cs, body });
    expect([cs.status, cs.body.error]).toEqual([403, 'forbidden']);
    expect((await call('POST', `/customers/${enterprise.id}/financials`, { as: staff.auditor, body })).status).toBe(403);
    const other = await call('POST', `/customers/${enterprise.id}/financials`, { as: otherRmOf(enterprise), body });
    expect([other.status, other.body.message]).toEqual([404, `customer ${enterprise.id} does not exist`]);
    expect((await call('POST', `/customers/${enterprise.id}/financials`, { body })).status).toBe(401);
    expect((await call('POST', '/customers/cus_nobody/financials', { as: staff.risk, body })).status).toBe(404);

    const individual = await call('POST', `/customers/${person.id}/financials`, { as: staff.risk, body });
    expect(individual.status).toBe(409);
    expect(individual.body).toEqual({
      error: 'conflict',
      message: `customer ${person.id} is an individual: financial statements are recorded for enterprise customers (§6.1 financial risk); an individual's risk inputs are in its profile`,
    });
    expect(await db.financialStatement.count({ where: { customerId: person.id } })).toBe(0);
    expect(await stateOf(enterprise.id)).toBe(before);
  });

  test('bad input → 400 naming each field, its value and the reason (current assets above total assets, a period not yet ended, an unknown field); nothing written', async () => {
    const before = await stateOf(enterprise.id);
    const rm = rmOf(enterprise);
    const inconsistent = await call('POST', `/customers/${enterprise.id}/financials`, { as: rm, body: { ...statement('2025-12-31'), currentAssetsUsd: 15_000_000.01 } });
    expect(inconsistent.status).toBe(400);
    expect(inconsistent.body.issues).toEqual([
      { field: 'currentAssetsUsd', value: 15_000_000.01, reason: 'must not exceed totalAssetsUsd (15000000): current assets are part of total assets' },
    ]);

    const future = await call('POST', `/customers/${enterprise.id}/financials`, { as: rm, body: statement(tomorrow()) });
    expect(future.status).toBe(400);
    expect(future.body.issues).toEqual([{ field: 'periodEnd', value: tomorrow(), reason: `must not be in the future (today is ${today()})` }]);

    const several = await call('POST', `/customers/${enterprise.id}/financials`, {
      as: rm,
      body: { ...statement('2025-12-31'), totalAssetsUsd: 0, revenueUsd: -1, largestCustomerShare: 42, auditor: 'KPMG' },
    });
    expect(several.status).toBe(400);
    expect(several.body.issues).toEqual(
      expect.arrayContaining([
        { field: 'auditor', reason: 'unknown field' },
        { field: 'revenueUsd', value: -1, reason: 'must not be negative' },
        { field: 'totalAssetsUsd', value: 0, reason: 'must be more than 0 (leverage is liabilities ÷ assets)' },
        { field: 'largestCustomerShare', value: 42, reason: 'a share of revenue from 0 to 1 (0.35 = 35 %)' },
      ]),
    );
    expect(await stateOf(enterprise.id)).toBe(before);
  });

  test('the manager records a period: 201 with what was stored, the row and its audit record; the lifecycle is told and records the §6 re-assessment as due', async () => {
    const rm = rmOf(enterprise);
    const res = await call('POST', `/customers/${enterprise.id}/financials`, { as: rm, body: statement('2025-12-31') });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      id: expect.any(String),
      customerId: enterprise.id,
      periodEnd: '2025-12-31',
      revenueUsd: '21400000',
      netIncomeUsd: '-120000.5',
      ebitUsd: '350000',
      interestExpenseUsd: '410000',
      totalAssetsUsd: '15000000',
      totalLiabilitiesUsd: '9750000',
      currentAssetsUsd: '4100000',
      currentLiabilitiesUsd: '3900000',
      largestCustomerShare: '0.42',
      recordedByStaffId: rm.id,
      recordedAt: expect.any(String),
    });
    const row = await db.financialStatement.findUniqueOrThrow({ where: { id: res.body.id } });
    expect([row.periodEnd.toISOString(), row.netIncomeUsd.toFixed(2), row.largestCustomerShare?.toFixed(4), row.recordedByStaffId]).toEqual([
      '2025-12-31T00:00:00.000Z',
      '-120000.50',
      '0.4200',
      rm.id,
    ]);

    const audit = await db.auditLog.findMany({ where: { customerId: enterprise.id, action: 'risk.financials.record' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorStaffId: rm.id, entity: 'FinancialStatement', entityId: row.id, requestId: expect.any(String) });
    expect(audit[0]!.changes).toEqual({
      periodEnd: { before: null, after: '2025-12-31' },
      revenueUsd: { before: null, after: '21400000' },
      netIncomeUsd: { before: null, after: '-120000.5' },
      ebitUsd: { before: null, after: '350000' },
      interestExpenseUsd: { before: null, after: '410000' },
      totalAssetsUsd: { before: null, after: '15000000' },
      totalLiabilitiesUsd: { before: null, after: '9750000' },
      currentAssetsUsd: { before: null, after: '4100000' },
      currentLiabilitiesUsd: { before: null, after: '3900000' },
      largestCustomerShare: { before: null, after: '0.42' },
    });

    // §6: customerChanged (field names only) → the lifecycle records the re-assessment as due.
    await reassessmentDue(enterprise.id, rm.id, ['financialStatements']);
  });

  test('one set per period: the same period again → 409 naming it, with the set on file; nothing written. Another period by a RISK_OFFICER → 201; an Idempotency-Key retry replays it', async () => {
    const before = await stateOf(enterprise.id);
    const again = await call('POST', `/customers/${enterprise.id}/financials`, { as: staff.risk, body: { ...statement('2025-12-31'), revenueUsd: 1 } });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(
      new RegExp(`^financial statements for the period ending 2025-12-31 are on file for customer ${enterprise.id} already \\(recorded \\S+ by ${rmOf(enterprise).id}\\): one set per period \\(§6\\.1\\)$`),
    );
    expect(again.body.existing).toMatchObject({ periodEnd: '2025-12-31', revenueUsd: '21400000', recordedByStaffId: rmOf(enterprise).id });
    expect(await stateOf(enterprise.id)).toBe(before);

    const key = unique('fin');
    const body = { ...statement('2024-12-31'), revenueUsd: 19_800_000, largestCustomerShare: undefined };
    const first = await call('POST', `/customers/${enterprise.id}/financials`, { as: staff.risk, body, headers: { 'idempotency-key': key } });
    expect([first.status, first.body.periodEnd, first.body.largestCustomerShare, first.body.recordedByStaffId]).toEqual([201, '2024-12-31', null, staff.risk.id]);
    const replay = await call('POST', `/customers/${enterprise.id}/financials`, { as: staff.risk, body, headers: { 'idempotency-key': key } });
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body]).toEqual([201, 'true', first.body]);
    expect(await db.financialStatement.count({ where: { customerId: enterprise.id } })).toBe(2);
    await reassessmentDue(enterprise.id, staff.risk.id, ['financialStatements']);
  });

  test('a customer still in review: recorded, no lifecycle to tell (SUPERVISOR)', async () => {
    const res = await call('POST', `/customers/${pendingEnterpriseId}/financials`, { as: staff.supervisor, body: statement('2025-06-30') });
    expect([res.status, res.body.customerId]).toEqual([201, pendingEnterpriseId]);
    expect(await db.auditLog.count({ where: { customerId: pendingEnterpriseId, action: 'risk.financials.record', actorStaffId: staff.supervisor.id } })).toBe(1);
  });
});

describe('§6.1 financial statements: GET /customers/:id/financials', () => {
  test('newest period first, for any role in scope (another manager 404); each read recorded; keyset pages', async () => {
    const reads = () => db.auditLog.count({ where: { customerId: enterprise.id, action: 'customer.read', entity: 'FinancialStatement' } });
    const readsBefore = await reads();
    const list = await call('GET', `/customers/${enterprise.id}/financials`, { as: staff.cs });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ customerId: enterprise.id, pageSize: 20, nextCursor: null });
    expect(list.body.items.map((s: any) => s.periodEnd)).toEqual(['2025-12-31', '2024-12-31']);
    expect((await call('GET', `/customers/${enterprise.id}/financials`, { as: rmOf(enterprise) })).body.items).toEqual(list.body.items);
    expect((await call('GET', `/customers/${enterprise.id}/financials`, { as: otherRmOf(enterprise) })).status).toBe(404);

    const first = await call('GET', `/customers/${enterprise.id}/financials?pageSize=1`, { as: staff.auditor });
    expect(first.body.items.map((s: any) => s.periodEnd)).toEqual(['2025-12-31']);
    const second = await call('GET', `/customers/${enterprise.id}/financials?pageSize=1&cursor=${first.body.nextCursor}`, { as: staff.auditor });
    expect([second.body.items.map((s: any) => s.periodEnd), second.body.nextCursor]).toEqual([['2024-12-31'], null]);
    expect(await reads()).toBe(readsBefore + 4);

    expect((await call('GET', `/customers/${person.id}/financials`, { as: staff.risk })).body.items).toEqual([]);
    const bad = await call('GET', `/customers/${enterprise.id}/financials?pageSize=0`, { as: staff.risk });
    expect([bad.status, bad.body.issues[0].field]).toEqual([400, 'pageSize']);
  });
});

describe('§6.1 individual risk inputs in the deeper profile (POST /customers/:id/profile)', () => {
  const bureau = { score: 688, delinquencies: 2, defaults: 0, reportedOn: '2026-10-01' };

  test('credit bureau figures stored encrypted (raw SQL shows ciphertext), masked in the view, recorded only as "changed"; employment and income variability shown and audited; the lifecycle records the re-assessment as due', async () => {
    const res = await call('POST', `/customers/${person.id}/profile`, {
      as: staff.cs,
      body: { creditBureau: bureau, employmentType: 'SELF_EMPLOYED', employmentSince: '2019-04-01', incomeVariability: 0.35, version: await versionOf(person.id) },
    });
    expect(res.status).toBe(200);
    expect(res.body.individual).toEqual({
      firstName: 'Rhea',
      lastName: 'Risk',
      totalAssetsUsd: '250000',
      creditBureau: '•••••',
      employmentType: 'SELF_EMPLOYED',
      employmentSince: '2019-04-01',
      incomeVariability: '0.35',
    });
    expect(res.text).not.toContain('688');

    const [raw] = await db.$queryRaw<{ creditBureauCiphertext: string }[]>`SELECT "creditBureauCiphertext" FROM "IndividualProfile" WHERE "customerId" = ${person.id}`;
    expect(raw!.creditBureauCiphertext).not.toMatch(/688|score|2026-10-01/);
    expect(keyIdOf(raw!.creditBureauCiphertext)).toBe(ring.currentKeyId);
    expect(JSON.parse(decryptField(ring, raw!.creditBureauCiphertext, aad.creditBureau(person.id)))).toEqual(bureau);
    expect(() => decryptField(ring, raw!.creditBureauCiphertext, aad.creditRecord(person.id))).toThrow(); // bound to its column

    const [update] = await db.auditLog.findMany({ where: { customerId: person.id, action: 'customer.profile.update' } });
    expect(update!.changes).toEqual({
      creditBureau: 'changed',
      employmentType: { before: null, after: 'SELF_EMPLOYED' },
      employmentSince: { before: null, after: '2019-04-01' },
      incomeVariability: { before: null, after: '0.35' },
    });
    const everyRecord = JSON.stringify(await db.auditLog.findMany({ where: { customerId: person.id }, select: { action: true, entity: true, changes: true } }));
    expect(everyRecord).not.toMatch(/688|2026-10-01/);

    await reassessmentDue(person.id, staff.cs.id, ['creditBureau', 'employmentSince', 'employmentType', 'incomeVariability']);
  });

  test('§3.1 ?reveal=creditBureau: RISK_OFFICER and AUDITOR see the figures (recorded customer.credit_bureau.read); CUSTOMER_SERVICE and the manager 403, not recorded; without reveal masked', async () => {
    const revealed = () => db.auditLog.findMany({ where: { customerId: person.id, action: 'customer.credit_bureau.read' }, orderBy: { id: 'asc' } });
    for (const who of [staff.risk, staff.auditor]) {
      const res = await call('GET', `/customers/${person.id}?reveal=creditBureau`, { as: who });
      expect([res.status, res.body.individual.creditBureau, res.body.identity.number]).toEqual([200, bureau, expect.stringMatching(/^•••••/)]);
    }
    expect((await revealed()).map((a) => [a.actorStaffId, a.entity])).toEqual([
      [staff.risk.id, 'IndividualProfile'],
      [staff.auditor.id, 'IndividualProfile'],
    ]);
    for (const who of [staff.cs, rmOf(person)]) {
      const refused = await call('GET', `/customers/${person.id}?reveal=creditBureau`, { as: who });
      expect([refused.status, refused.text.includes('688')]).toEqual([403, false]);
    }
    expect(await revealed()).toHaveLength(2);
    expect((await call('GET', `/customers/${person.id}`, { as: staff.risk })).body.individual.creditBureau).toBe('•••••');
    const unknown = await call('GET', `/customers/${person.id}?reveal=income`, { as: staff.risk });
    expect([unknown.status, unknown.body.issues[0].reason]).toEqual([400, 'the fields that can be revealed are identity and creditBureau']);
    // An enterprise has no bureau figures: the reveal shows the customer as it is.
    expect((await call('GET', `/customers/${enterprise.id}?reveal=creditBureau`, { as: staff.risk })).body.enterprise).toBeDefined();
  });

  test('bad input → 400, the bureau figures never echoed (an out-of-range score, a report from the future); a future employment start named with its value; nothing written', async () => {
    const before = await stateOf(person.id);
    const version = await versionOf(person.id);
    const score = await call('POST', `/customers/${person.id}/profile`, { as: staff.cs, body: { creditBureau: { ...bureau, score: 912 }, version } });
    expect([score.status, score.body.issues]).toEqual([400, [{ field: 'creditBureau.score', reason: 'a credit score is 300–850' }]]);
    expect(score.text).not.toContain('912');
    const future = await call('POST', `/customers/${person.id}/profile`, {
      as: staff.cs,
      body: { creditBureau: { ...bureau, reportedOn: tomorrow() }, employmentSince: tomorrow(), version },
    });
    expect(future.status).toBe(400);
    expect(future.body.issues).toEqual([
      { field: 'creditBureau.reportedOn', reason: `must not be in the future (today is ${today()})` },
      { field: 'employmentSince', value: tomorrow(), reason: `must not be in the future (today is ${today()})` },
    ]);
    const employment = await call('POST', `/customers/${person.id}/profile`, { as: staff.cs, body: { employmentType: 'GIG', incomeVariability: 11, version } });
    expect(employment.body.issues).toEqual([
      { field: 'employmentType', value: 'GIG', reason: 'one of PERMANENT, FIXED_TERM, SELF_EMPLOYED, RETIRED, STUDENT, UNEMPLOYED' },
      { field: 'incomeVariability', value: 11, reason: 'at most 10' },
    ]);
    expect(await stateOf(person.id)).toBe(before);
  });

  test('cleared with null: the ciphertext is gone, the view shows null, the change recorded as "changed"', async () => {
    const res = await call('POST', `/customers/${person.id}/profile`, { as: staff.cs, body: { creditBureau: null, version: await versionOf(person.id) } });
    expect([res.status, res.body.individual.creditBureau]).toEqual([200, null]);
    expect((await db.individualProfile.findUniqueOrThrow({ where: { customerId: person.id } })).creditBureauCiphertext).toBeNull();
    const updates = await db.auditLog.findMany({ where: { customerId: person.id, action: 'customer.profile.update' }, orderBy: { id: 'asc' } });
    expect(updates.at(-1)!.changes).toEqual({ creditBureau: 'changed' });
  });

  test('§6.1 an enterprise’s founding date: shown, audited before/after, a re-assessment due; a future date refused', async () => {
    const rm = rmOf(enterprise);
    const future = await call('POST', `/customers/${enterprise.id}/profile`, { as: rm, body: { establishedOn: tomorrow(), version: await versionOf(enterprise.id) } });
    expect([future.status, future.body.issues]).toEqual([400, [{ field: 'establishedOn', value: tomorrow(), reason: `must not be in the future (today is ${today()})` }]]);

    const res = await call('POST', `/customers/${enterprise.id}/profile`, { as: rm, body: { establishedOn: '1998-06-15', version: await versionOf(enterprise.id) } });
    expect([res.status, res.body.enterprise.establishedOn]).toEqual([200, '1998-06-15']);
    const stored = await db.enterpriseProfile.findUniqueOrThrow({ where: { customerId: enterprise.id } });
    expect(stored.establishedOn?.toISOString()).toBe('1998-06-15T00:00:00.000Z');
    const updates = await db.auditLog.findMany({ where: { customerId: enterprise.id, action: 'customer.profile.update' }, orderBy: { id: 'asc' } });
    expect(updates.at(-1)!.changes).toEqual({ establishedOn: { before: null, after: '1998-06-15' } });
    await reassessmentDue(enterprise.id, rm.id, ['establishedOn']);
  });
});

test('the OpenAPI document lists the financial statement routes with the §6.1 body', async () => {
  const docs = await call('GET', '/docs/json');
  expect(Object.keys(docs.body.paths['/customers/{id}/financials']).sort()).toEqual(['get', 'post']);
  const body = docs.body.paths['/customers/{id}/financials'].post.requestBody.content['application/json'].schema;
  expect(body.required.sort()).toEqual(
    ['currentAssetsUsd', 'currentLiabilitiesUsd', 'ebitUsd', 'interestExpenseUsd', 'netIncomeUsd', 'periodEnd', 'revenueUsd', 'totalAssetsUsd', 'totalLiabilitiesUsd'].sort(),
  );
});
