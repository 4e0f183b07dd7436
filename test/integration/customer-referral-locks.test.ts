/**
 * §2.3 (a referral names an existing customer) against §6 (a re-assessment holds the customer's row
 * FOR UPDATE, then writes its audit records, src/risk/assess-customers.ts): POST /customers naming a
 * referrer that is being re-assessed waits for the re-assessment and succeeds. Before the lock order
 * in src/customers/create-customer.ts, the new customer's audit record took the audit chain's lock
 * first and its referral's foreign key then waited for the referrer's row, while the re-assessment
 * waited for the chain's lock: PostgreSQL's deadlock detector aborted one of them — a 500, seen once
 * in an integration run (staff-assessment-api.test.ts, "referrals are recorded at first contact").
 */
import pg from 'pg';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { apiCaller, individualBody, staffWithKey, until, type ApiStaff } from '../support/api';
import { startApiStack, type ApiStack } from '../support/stack';

const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-22' });
let stack: ApiStack;
let cs: ApiStaff;
const call = apiCaller(() => stack.baseUrl);

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: 'care@bank.test' });
  cs = await staffWithKey(stack.db, 'ref-cs', ['CUSTOMER_SERVICE']);
});

afterAll(async () => {
  await stack?.stop();
});

test('§2.3 × §6: a customer referred by one whose row a re-assessment holds is created once the re-assessment commits — no deadlock, no 500', async () => {
  const referrer = await call('POST', '/customers', { as: cs, body: individualBody() });
  expect(referrer.status).toBe(201);
  const referrerId = referrer.body.id as string;

  // The re-assessment's transaction, as assessCustomers runs it: the customer's row first …
  const assessment = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'referral-lock-test' });
  await assessment.connect();
  try {
    await assessment.query('BEGIN');
    await assessment.query('SELECT 1 FROM "Customer" WHERE "id" = $1 FOR UPDATE', [referrerId]);

    const referred = call('POST', '/customers', { as: cs, body: individualBody({ referredByCustomerId: referrerId }) });
    // … the API's statement now waits for that row …
    await until('the POST waiting for the referrer row', async () => {
      const waiting = await stack.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "Customer"%'`;
      return waiting[0]!.n > 0;
    });
    // … and the re-assessment writes its audit record (the chain's lock) and commits.
    await assessment.query(`INSERT INTO "AuditLog" ("action", "entity", "entityId", "customerId") VALUES ('risk.assess', 'Customer', $1, $1)`, [referrerId]);
    await assessment.query('COMMIT');

    const res = await referred;
    expect([res.status, res.body?.error, res.body?.message]).toEqual([201, undefined, undefined]);
    const stored = await stack.db.customer.findUnique({ where: { id: res.body.id as string }, select: { referredByCustomerId: true } });
    expect(stored).toEqual({ referredByCustomerId: referrerId });
    expect(await stack.db.auditLog.count({ where: { action: 'customer.create', entityId: res.body.id as string } })).toBe(1);
  } finally {
    await assessment.end();
  }
});
