/**
 * `ccm products …` end to end: the real CLI (`node bin/ccm.js …`, a child process) against this file's
 * PostgreSQL database — the same use cases as the API (src/products/), so the same §6.2 terms,
 * refusals and audit records. Ratings are set directly on the customer. Clause ids: ../shared/policy.md.
 *   ccm products open    — LOW opens at once with the preferential terms; MEDIUM class 3 without a
 *                          guarantee is refused naming --guarantee (exit 1, nothing written), with it
 *                          waits for approval; HIGH class 3 refused with the §6.2 reason;
 *   ccm products approve — the requester refused (maker-checker), a RISK_OFFICER → OPEN;
 *   ccm products list, close.
 */
import type { Db } from '../../src/db/client';
import { ccmRunner, staffMembers } from '../support/cli';
import { testDb, unique } from '../support/fixtures';

let db: Db;
const SUP = unique('sup-pc');
const RISK = unique('risk-pc');
const RM = unique('rm-pc');
const ccm = ccmRunner();

async function customer(riskRating: string): Promise<string> {
  const id = unique('cus');
  await db.customer.create({
    data: { id, type: 'INDIVIDUAL', status: 'APPROVED', displayName: 'Ada Lovelace', contactPreferences: {}, channel: 'BRANCH', createdByStaffId: RM, relationshipManagerId: RM, riskRating },
  });
  return id;
}

beforeAll(async () => {
  db = testDb();
  await staffMembers(db, { [SUP]: ['SUPERVISOR'], [RISK]: ['RISK_OFFICER'], [RM]: ['RELATIONSHIP_MANAGER'] });
});

afterAll(async () => {
  await db?.$disconnect();
});

test('ccm products open|approve|list|close: the §6.2 terms, refusals with their reason, maker-checker', async () => {
  const low = await customer('LOW');
  const opened = await ccm(['--as', RM, '--json', 'products', 'open', low, '--product', 'credit_line', '--amount', '12000']);
  expect([opened.code, opened.stderr]).toEqual([0, '']);
  expect(JSON.parse(opened.stdout)).toMatchObject({ productCode: 'CREDIT_LINE', status: 'OPEN', simplifiedProcedure: true, rateDiscountEligible: true, amountUsd: '12000' });

  const medium = await customer('MEDIUM');
  const refused = await ccm(['--as', SUP, 'products', 'open', medium, '--product', 'PERSONAL_LOAN']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/^ccm: refused \(--guarantee\): required: §6\.2 rating MEDIUM: risk class 3 is above 2: needs an extra guarantee/);
  expect(await db.customerProduct.count({ where: { customerId: medium } })).toBe(0);

  const pending = await ccm(['--as', SUP, '--json', 'products', 'open', medium, '--product', 'PERSONAL_LOAN', '--guarantee', 'COLL-9']);
  expect(pending.code).toBe(0);
  const product = JSON.parse(pending.stdout) as { id: string; status: string };
  expect(product.status).toBe('PENDING_APPROVAL');

  const own = await ccm(['--as', SUP, 'products', 'approve', medium, product.id]);
  expect([own.code, own.stderr]).toEqual([1, expect.stringMatching(/maker-checker/)]);
  const approved = await ccm(['--as', RISK, 'products', 'approve', medium, product.id]);
  expect([approved.code, approved.stderr]).toEqual([0, '']);
  expect(approved.stdout).toMatch(new RegExp(`^${product.id}  PERSONAL_LOAN \\(class 3\\)  OPEN .*approved by ${RISK}`));

  const high = await customer('HIGH');
  const restricted = await ccm(['--as', SUP, 'products', 'open', high, '--product', 'MORTGAGE', '--guarantee', 'COLL-1']);
  expect([restricted.code, restricted.stderr]).toEqual([1, 'ccm: refused (--product): §6.2 rating HIGH: products of risk class 3 (MORTGAGE) may not be opened\n']);

  const list = await ccm(['--as', RM, 'products', 'list', medium]);
  expect([list.code, list.stdout.trim().split('\n')]).toEqual([0, [expect.stringContaining('PERSONAL_LOAN (class 3)  OPEN')]]);
  const closed = await ccm(['--as', RM, 'products', 'close', medium, product.id, '--reason', 'repaid']);
  expect([closed.code, closed.stdout]).toEqual([0, expect.stringContaining('CLOSED')]);
  expect((await db.auditLog.findMany({ where: { entityId: product.id }, orderBy: { id: 'asc' } })).map((a) => [a.action, a.actorStaffId])).toEqual([
    ['product.open', SUP],
    ['product.approve', RISK],
    ['product.close', RM],
  ]);
});
