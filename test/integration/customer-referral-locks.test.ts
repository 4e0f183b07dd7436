/**
 * Lock order against the audit chain (README "Tamper evidence of the audit log").
 *
 * §2.3 (a referral names an existing customer) against §6 (a re-assessment holds the customer's row
 * FOR UPDATE, then writes its audit records, src/risk/assess-customers.ts): POST /customers naming a
 * referrer that is being re-assessed waits for the re-assessment and succeeds. Before the lock order
 * in src/customers/create-customer.ts, the new customer's audit record took the audit chain's lock
 * first and its referral's foreign key then waited for the referrer's row, while the re-assessment
 * waited for the chain's lock: PostgreSQL's deadlock detector aborted one of them — a 500, seen once
 * in an integration run (staff-assessment-api.test.ts, "referrals are recorded at first contact").
 * §5.2 the suggestion-box batch had the same shape: the first case's audit record, then the next
 * cases' foreign keys on their customers.
 */
import pg from 'pg';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { apiCaller, individualBody, staffWithKey, until, type ApiStaff } from '../support/api';
import { startApiStack, type ApiStack } from '../support/stack';

// Case numbers prefixed FBLOCK: the test files share one Temporal namespace (`feedback-<caseNo>`).
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-22', feedback: { ...DEFAULT_POLICY.feedback, caseNumberPrefix: 'FBLOCK' } });
let stack: ApiStack;
let cs: ApiStaff;
const call = apiCaller(() => stack.baseUrl);

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test' });
  cs = await staffWithKey(stack.db, 'ref-cs', ['CUSTOMER_SERVICE']);
  const head = await staffWithKey(stack.db, 'ref-head', ['SUPERVISOR']);
  await stack.db.department.create({ data: { code: 'CARDS', name: 'Cards', headStaffId: head.id, members: { create: [{ staffId: head.id }] } } });
});

/** A §6 re-assessment's transaction, as assessCustomers runs it: the customer's row FOR UPDATE; `audit()` then writes its record and commits. */
async function reassessmentHolding(customerId: string) {
  const tx = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'lock-order-test' });
  await tx.connect();
  await tx.query('BEGIN');
  await tx.query('SELECT 1 FROM "Customer" WHERE "id" = $1 FOR UPDATE', [customerId]);
  return {
    audit: async () => {
      await tx.query(`INSERT INTO "AuditLog" ("action", "entity", "entityId", "customerId") VALUES ('risk.assess', 'Customer', $1, $1)`, [customerId]);
      await tx.query('COMMIT');
    },
    end: () => tx.end(),
  };
}

/** Until one of the API's statements waits for a lock (the only other sessions on this file's database). */
const apiWaitingOnALock = () =>
  until('the API waiting for a lock', async () => {
    const waiting = await stack.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'lock-order-test' AND wait_event_type = 'Lock'`;
    return waiting[0]!.n > 0;
  });

afterAll(async () => {
  await stack?.stop();
});

test('§2.3 × §6: a customer referred by one whose row a re-assessment holds is created once the re-assessment commits — no deadlock, no 500', async () => {
  const referrer = await call('POST', '/customers', { as: cs, body: individualBody() });
  expect(referrer.status).toBe(201);
  const referrerId = referrer.body.id as string;

  const assessment = await reassessmentHolding(referrerId);
  try {
    const referred = call('POST', '/customers', { as: cs, body: individualBody({ referredByCustomerId: referrerId }) });
    await apiWaitingOnALock();
    await assessment.audit();

    const res = await referred;
    expect([res.status, res.body?.error, res.body?.message]).toEqual([201, undefined, undefined]);
    const stored = await stack.db.customer.findUnique({ where: { id: res.body.id as string }, select: { referredByCustomerId: true } });
    expect(stored).toEqual({ referredByCustomerId: referrerId });
    expect(await stack.db.auditLog.count({ where: { action: 'customer.create', entityId: res.body.id as string } })).toBe(1);
  } finally {
    await assessment.end();
  }
});

test('§5.2 × §6: a suggestion-box batch naming a customer whose row a re-assessment holds is registered once the re-assessment commits — no deadlock, no 500', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const created = await call('POST', '/customers', { as: cs, body: individualBody() });
    expect(created.status).toBe(201);
    ids.push(created.body.id as string);
  }
  const slip = (customerId: string) => ({ customerId, category: 'CARD', severity: 'LOW', complexity: 'SIMPLE', summary: 'Card declined abroad', description: 'Declined twice in Lisbon' });
  const [free, held] = ids.sort() as [string, string];
  const assessment = await reassessmentHolding(held);
  try {
    // The first slip's customer is free, the second's is held: the first case's audit record came before the wait.
    const batch = call('POST', '/feedback/batch', { as: cs, body: { items: [slip(free), slip(held)] } });
    await apiWaitingOnALock();
    await assessment.audit();
    const res = await batch;
    expect([res.status, res.body?.error, res.body?.message, res.body?.registered]).toEqual([201, undefined, undefined, 2]);
    expect(await stack.db.feedbackCase.count({ where: { customerId: { in: ids } } })).toBe(2);
  } finally {
    await assessment.end();
  }
});
