/**
 * §6.2 "measures by rating" as staff meet them when they open a product for a customer, through the
 * API on real parts: HTTP → use cases (src/products/) → this file's PostgreSQL database. No workflow is
 * involved. Ratings are set directly on the customer (as a §6.1 assessment would have set them).
 * Clause ids: ../shared/policy.md.
 *   §6.2 LOW/A: opened at once with the preferential terms (simplified procedure, rate discount);
 *   §6.2 MEDIUM/B–C: above the rating's risk class an extra guarantee (422 naming guaranteeReference
 *        without one) and a second approval (PENDING_APPROVAL; the requester may not approve it, a
 *        RISK_OFFICER may → OPEN); the terms checked again at approval against the rating then;
 *   §6.2 HIGH/D: products of the restricted risk classes refused with the reason, nothing written;
 *   a customer not yet rated: the terms of MEDIUM / C (never silently good);
 *   §3.1 a RELATIONSHIP_MANAGER acts for their own customers only (others 404), every change audited
 *        in the change's transaction, every read recorded; bad input refused with the field named.
 */
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { apiCaller, staffWithKeys, type ApiStaff } from '../support/api';
import { unique } from '../support/fixtures';
import { startApi, type ApiOnly } from '../support/stack';

const policy = DEFAULT_POLICY;
let stack: ApiOnly;
let db: Db;
let baseUrl: string;

const staff = {} as Record<'admin' | 'supervisor' | 'risk' | 'rmA' | 'rmB' | 'cs', ApiStaff>;
const call = apiCaller(() => baseUrl);

/** An APPROVED customer managed by rmA, with `riskRating` set as a §6.1 assessment would have set it. */
async function customer(type: 'INDIVIDUAL' | 'ENTERPRISE', riskRating: string | null, opts: { status?: 'APPROVED' | 'PENDING_REVIEW' | 'CLOSED'; manager?: ApiStaff } = {}): Promise<string> {
  const id = unique('cus');
  await db.customer.create({
    data: {
      id,
      type,
      status: opts.status ?? 'APPROVED',
      displayName: type === 'INDIVIDUAL' ? 'Ada Lovelace' : 'Acme Tools LLC',
      contactPreferences: { email: true, sms: false, phone: false, marketingOptOut: false },
      channel: 'BRANCH',
      createdByStaffId: staff.cs.id,
      relationshipManagerId: (opts.manager ?? staff.rmA).id,
      riskRating,
    },
  });
  return id;
}

/** Everything a refused request must leave as it was. */
async function written() {
  const [products, audit] = await Promise.all([db.customerProduct.findMany({ orderBy: { id: 'asc' } }), db.auditLog.count({ where: { action: { startsWith: 'product.' } } })]);
  return JSON.stringify({ products, audit });
}

const auditOf = (entityId: string) => db.auditLog.findMany({ where: { entityId }, orderBy: { id: 'asc' } });
const open = (as: ApiStaff, customerId: string, body: unknown, headers?: Record<string, string>) =>
  call('POST', `/customers/${customerId}/products`, { as, body, ...(headers ? { headers } : {}) });
const approve = (as: ApiStaff, customerId: string, productId: string) => call('POST', `/customers/${customerId}/products/${productId}/approve`, { as });

beforeAll(async () => {
  stack = await startApi({ policy });
  ({ db, baseUrl } = stack);
  await staffWithKeys(db, staff, { admin: ['ADMIN'], supervisor: ['SUPERVISOR'], risk: ['RISK_OFFICER'], rmA: ['RELATIONSHIP_MANAGER'], rmB: ['RELATIONSHIP_MANAGER'], cs: ['CUSTOMER_SERVICE'] });
});

afterAll(async () => {
  await stack?.stop();
});

test('§6.2 LOW: the relationship manager opens a class-4 credit line at once, with the preferential terms; audited', async () => {
  const id = await customer('INDIVIDUAL', 'LOW');
  const res = await open(staff.rmA, id, { productCode: 'CREDIT_LINE', amountUsd: 25_000.5 });
  expect([res.status, res.body?.message]).toEqual([201, undefined]);
  expect(res.body).toMatchObject({
    customerId: id,
    productCode: 'CREDIT_LINE',
    productName: 'Revolving credit line',
    riskClass: 4,
    status: 'OPEN',
    ratingAtOpening: 'LOW',
    policyVersion: policy.version,
    simplifiedProcedure: true,
    rateDiscountEligible: true,
    approvalBy: [],
    amountUsd: '25000.5',
    requestedByStaffId: staff.rmA.id,
    approvedByStaffId: null,
    terms: { rating: 'LOW', rated: true, conditions: [] },
  });
  expect(res.body.openedAt).toEqual(res.body.requestedAt);
  expect(res.headers.get('location')).toBe(`/customers/${id}/products/${res.body.id}`);
  expect(res.headers.get('cache-control')).toBe('no-store');

  const stored = await db.customerProduct.findUniqueOrThrow({ where: { id: res.body.id } });
  expect(stored).toMatchObject({ status: 'OPEN', simplifiedProcedure: true, rateDiscountEligible: true, riskClass: 4 });
  const audit = await auditOf(res.body.id);
  expect(audit.map((a) => [a.action, a.actorStaffId, a.customerId])).toEqual([['product.open', staff.rmA.id, id]]);
  expect(audit[0]!.changes).toMatchObject({ status: { before: null, after: 'OPEN' }, termsRating: { after: 'LOW' }, simplifiedProcedure: { after: true }, rateDiscountEligible: { after: true } });

  // Enterprise A likewise.
  const ent = await customer('ENTERPRISE', 'A');
  const trade = await open(staff.supervisor, ent, { productCode: 'TRADE_FINANCE' });
  expect(trade.body).toMatchObject({ status: 'OPEN', simplifiedProcedure: true, rateDiscountEligible: true, ratingAtOpening: 'A' });
});

test('§6.2 MEDIUM: a class-3 loan needs a guarantee (422 naming guaranteeReference), then waits for a second approver; the requester may not approve it, a RISK_OFFICER does → OPEN', async () => {
  const id = await customer('INDIVIDUAL', 'MEDIUM');
  const before = await written();
  const refused = await open(staff.supervisor, id, { productCode: 'PERSONAL_LOAN', amountUsd: 10_000 });
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ error: 'refused', message: expect.stringContaining('§6.2 rating MEDIUM: risk class 3 is above 2: needs an extra guarantee') });
  expect(refused.body.issues).toEqual([{ field: 'guaranteeReference', reason: expect.stringContaining('§6.2 rating MEDIUM') }]);
  expect(await written()).toBe(before);

  const pending = await open(staff.supervisor, id, { productCode: 'PERSONAL_LOAN', amountUsd: 10_000, guaranteeReference: 'COLL-2026-0042' });
  expect([pending.status, pending.body?.message]).toEqual([201, undefined]);
  expect(pending.body).toMatchObject({
    status: 'PENDING_APPROVAL',
    approvalBy: ['SUPERVISOR', 'RISK_OFFICER'],
    guaranteeReference: 'COLL-2026-0042',
    simplifiedProcedure: false,
    rateDiscountEligible: false,
    openedAt: null,
    terms: { rating: 'MEDIUM', rated: true, conditions: [expect.stringContaining('needs an extra guarantee and a second approval by SUPERVISOR or RISK_OFFICER')] },
  });
  const productId = pending.body.id as string;

  // Maker-checker: the supervisor who requested it holds an approver role, and still may not.
  const own = await approve(staff.supervisor, id, productId);
  expect(own.status).toBe(403);
  expect(own.body.message).toMatch(/requested this product and cannot also approve it \(maker-checker\)/);
  // Not an approver role at all.
  expect((await approve(staff.rmA, id, productId)).status).toBe(403);
  expect((await db.customerProduct.findUniqueOrThrow({ where: { id: productId } })).status).toBe('PENDING_APPROVAL');

  const approved = await approve(staff.risk, id, productId);
  expect([approved.status, approved.body?.message]).toEqual([200, undefined]);
  expect(approved.body).toMatchObject({ status: 'OPEN', approvedByStaffId: staff.risk.id });
  expect(approved.body.approvedAt).toEqual(approved.body.openedAt);

  const again = await approve(staff.risk, id, productId);
  expect(again.status).toBe(409);
  expect(again.body.message).toMatch(/is OPEN: only a product waiting for its second approval/);

  expect((await auditOf(productId)).map((a) => [a.action, a.actorStaffId])).toEqual([
    ['product.open', staff.supervisor.id],
    ['product.approve', staff.risk.id],
  ]);
});

test('§6.2 the terms are checked again at approval: a rating worsened to HIGH meanwhile refuses it with the reason, nothing written', async () => {
  const id = await customer('INDIVIDUAL', 'MEDIUM');
  const pending = await open(staff.rmA, id, { productCode: 'MORTGAGE', guaranteeReference: 'COLL-7' });
  expect(pending.body.status).toBe('PENDING_APPROVAL');
  await db.customer.update({ where: { id }, data: { riskRating: 'HIGH' } });
  const before = await written();
  const res = await approve(staff.risk, id, pending.body.id);
  expect(res.status).toBe(422);
  expect(res.body.message).toMatch(/^the customer's rating is now HIGH: §6\.2 rating HIGH: products of risk class 3 \(MORTGAGE\) may not be opened/);
  expect(await written()).toBe(before);
});

test('§6.2 HIGH: a class-3 loan is refused with the reason, guarantee or not; nothing written', async () => {
  const id = await customer('INDIVIDUAL', 'HIGH');
  const before = await written();
  const res = await open(staff.supervisor, id, { productCode: 'PERSONAL_LOAN', guaranteeReference: 'COLL-1' });
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({
    error: 'refused',
    message: '§6.2 rating HIGH: products of risk class 3 (PERSONAL_LOAN) may not be opened',
    issues: [{ field: 'productCode', value: 'PERSONAL_LOAN', reason: '§6.2 rating HIGH: products of risk class 3 (PERSONAL_LOAN) may not be opened' }],
  });
  expect(await written()).toBe(before);
  // Class 1 is not restricted.
  expect((await open(staff.supervisor, id, { productCode: 'DEPOSIT_ACCOUNT' })).body).toMatchObject({ status: 'OPEN', simplifiedProcedure: false });
});

test('§6.2 enterprise D: class-3 and class-4 products refused with the reason; nothing written', async () => {
  const id = await customer('ENTERPRISE', 'D');
  const before = await written();
  for (const [code, cls] of [['WORKING_CAPITAL_LOAN', 3], ['PROJECT_FINANCE', 4]] as const) {
    const res = await open(staff.admin, id, { productCode: code, guaranteeReference: 'COLL-ENT' });
    expect([res.status, res.body.message]).toEqual([422, `§6.2 rating D: products of risk class ${cls} (${code}) may not be opened`]);
  }
  // A product not offered to enterprises: 422 naming it.
  const mortgage = await open(staff.admin, id, { productCode: 'MORTGAGE' });
  expect([mortgage.status, mortgage.body.message]).toEqual([422, 'MORTGAGE is not offered to ENTERPRISE customers']);
  expect(await written()).toBe(before);
});

test('a customer not yet rated gets the terms of MEDIUM / C (§6.2): never the preferential terms, never silently good', async () => {
  const id = await customer('INDIVIDUAL', null);
  const loan = await open(staff.rmA, id, { productCode: 'PERSONAL_LOAN' });
  expect(loan.status).toBe(422);
  expect(loan.body.issues[0]).toMatchObject({ field: 'guaranteeReference', reason: expect.stringContaining('not yet rated: the terms of rating MEDIUM apply') });
  const deposit = await open(staff.rmA, id, { productCode: 'DEPOSIT_ACCOUNT' });
  expect(deposit.body).toMatchObject({ status: 'OPEN', ratingAtOpening: null, simplifiedProcedure: false, rateDiscountEligible: false, terms: { rating: 'MEDIUM', rated: false } });

  const ent = await customer('ENTERPRISE', null);
  const trade = await open(staff.rmA, ent, { productCode: 'TRADE_FINANCE', guaranteeReference: 'COLL-E' });
  expect(trade.body).toMatchObject({ status: 'PENDING_APPROVAL', terms: { rating: 'C', rated: false } });
  expect((await auditOf(trade.body.id))[0]!.changes).toMatchObject({ termsRating: { after: 'C (unrated)' } });
});

test('§3.1 a RELATIONSHIP_MANAGER acts only for their own customers: others are 404 (open, list, close); nothing written', async () => {
  const id = await customer('INDIVIDUAL', 'LOW');
  const mine = await open(staff.rmA, id, { productCode: 'DEBIT_CARD' });
  expect(mine.status).toBe(201);
  const before = await written();
  const other = await open(staff.rmB, id, { productCode: 'DEBIT_CARD' });
  expect([other.status, other.body.message]).toEqual([404, `customer ${id} does not exist`]);
  expect((await call('GET', `/customers/${id}/products`, { as: staff.rmB })).status).toBe(404);
  expect((await call('POST', `/customers/${id}/products/${mine.body.id}/close`, { as: staff.rmB, body: { reason: 'test' } })).status).toBe(404);
  // Customer service may read but not open.
  expect((await open(staff.cs, id, { productCode: 'DEBIT_CARD' })).status).toBe(403);
  expect(await written()).toBe(before);

  const list = await call('GET', `/customers/${id}/products`, { as: staff.rmA });
  expect(list.status).toBe(200);
  expect(list.body).toEqual({ customerId: id, items: [expect.objectContaining({ id: mine.body.id, productCode: 'DEBIT_CARD', status: 'OPEN' })] });
  expect((await call('GET', `/customers/${id}/products`, { as: staff.cs })).body.items).toHaveLength(1);
  expect((await call('GET', `/customers/${id}/products?status=CLOSED`, { as: staff.rmA })).body.items).toEqual([]);
  // Each read is recorded.
  expect(await db.auditLog.count({ where: { customerId: id, action: 'customer.read', entity: 'CustomerProduct' } })).toBe(3);
});

test('bad input: 400 naming the field (an unknown productCode lists the catalogue), 409 for a customer not APPROVED; nothing written', async () => {
  const id = await customer('INDIVIDUAL', 'LOW');
  const before = await written();
  const unknown = await open(staff.rmA, id, { productCode: 'GOLD_BARS' });
  expect(unknown.status).toBe(400);
  expect(unknown.body.issues).toEqual([{ field: 'productCode', value: 'GOLD_BARS', reason: expect.stringContaining(`one of ${policy.products.map((p) => p.code).join(', ')}`) }]);
  for (const [body, field] of [
    [{ productCode: 'DEBIT_CARD', amountUsd: -5 }, 'amountUsd'],
    [{ productCode: 'DEBIT_CARD', amountUsd: 10.001 }, 'amountUsd'],
    [{ productCode: 'DEBIT_CARD', guaranteeReference: '  ' }, 'guaranteeReference'],
    [{ productCode: 'debit card' }, 'productCode'],
    [{ productCode: 'DEBIT_CARD', colour: 'blue' }, 'colour'],
    [{}, 'productCode'],
  ] as const) {
    const res = await open(staff.rmA, id, body);
    expect([res.status, res.body.issues?.map((i: { field: string }) => i.field)]).toEqual([400, [field]]);
  }
  expect((await approve(staff.risk, id, 'not-a-uuid')).body.issues).toEqual([expect.objectContaining({ field: 'productId' })]);
  expect((await approve(staff.risk, id, '00000000-0000-4000-8000-000000000000')).status).toBe(404);

  const pendingReview = await customer('INDIVIDUAL', 'LOW', { status: 'PENDING_REVIEW' });
  const notApproved = await open(staff.rmA, pendingReview, { productCode: 'DEBIT_CARD' });
  expect([notApproved.status, notApproved.body.message]).toEqual([409, `customer ${pendingReview} is PENDING_REVIEW: only an APPROVED customer can open a product (§6.2)`]);
  expect(await written()).toBe(before);
});

test('close: an OPEN product or a pending request is CLOSED with the reason audited; again 409', async () => {
  const id = await customer('INDIVIDUAL', 'MEDIUM');
  const pending = await open(staff.rmA, id, { productCode: 'CREDIT_LINE', guaranteeReference: 'COLL-3' });
  const closed = await call('POST', `/customers/${id}/products/${pending.body.id}/close`, { as: staff.rmA, body: { reason: 'the customer withdrew the request' } });
  expect([closed.status, closed.body.status]).toEqual([200, 'CLOSED']);
  expect(closed.body.closedAt).not.toBeNull();
  const again = await call('POST', `/customers/${id}/products/${pending.body.id}/close`, { as: staff.rmA, body: { reason: 'again' } });
  expect(again.status).toBe(409);
  expect((await approve(staff.risk, id, pending.body.id)).status).toBe(409);
  const audit = await auditOf(pending.body.id);
  expect(audit.map((a) => a.action)).toEqual(['product.open', 'product.close']);
  expect(audit[1]!.changes).toEqual({ status: { before: 'PENDING_APPROVAL', after: 'CLOSED' }, reason: { before: null, after: 'the customer withdrew the request' } });
  const blank = await call('POST', `/customers/${id}/products/${pending.body.id}/close`, { as: staff.rmA, body: { reason: ' ' } });
  expect([blank.status, blank.body.issues?.[0]?.field]).toEqual([400, 'reason']);
});

test('Idempotency-Key: a retried open gets the first answer, one product', async () => {
  const id = await customer('INDIVIDUAL', 'LOW');
  const key = unique('idem');
  const first = await open(staff.rmA, id, { productCode: 'TERM_DEPOSIT', amountUsd: 5000 }, { 'idempotency-key': key });
  const second = await open(staff.rmA, id, { productCode: 'TERM_DEPOSIT', amountUsd: 5000 }, { 'idempotency-key': key });
  expect([first.status, second.status, second.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
  expect(second.body.id).toBe(first.body.id);
  expect(await db.customerProduct.count({ where: { customerId: id } })).toBe(1);
});

test('OpenAPI documents the product routes', async () => {
  const doc = await call('GET', '/docs/json');
  expect(Object.keys(doc.body.paths)).toEqual(
    expect.arrayContaining(['/customers/{id}/products', '/customers/{id}/products/{productId}/approve', '/customers/{id}/products/{productId}/close']),
  );
  expect(doc.body.paths['/customers/{id}/products'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('guaranteeReference');
});
