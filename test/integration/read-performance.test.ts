/**
 * Issue 12 made the reads cheap; these prove they still say and record the same (§3.1), on the real
 * database (how fast they are is `npm run bench:api`, never a test):
 * - GET /customers' `total` from the trigger-kept CustomerCountDelta equals a count of the rows, for
 *   every filter, after inserts, changes, deletes and a fold; a RELATIONSHIP_MANAGER's total counts
 *   their own customers (managed or assigned);
 * - the group commit of reads: every read's record is committed when the read answers, concurrent
 *   reads share commits, and a group that cannot be written fails its reads (no record, no data);
 * - an API key's lastUsedAt is written on first use and then at most once a minute.
 */
import pg from 'pg';
import { AuditGroupCommit, auditGroupCommit } from '../../src/audit/group-commit';
import { foldCustomerCounts } from '../../src/customers/customer-rows';
import { getCustomer } from '../../src/customers/get-customer';
import { listCustomers } from '../../src/customers/list-customers';
import type { Db } from '../../src/db/client';
import { authenticate, issueApiKey, LAST_USED_RESOLUTION_MS } from '../../src/security/auth';
import { developmentKeyRing } from '../../src/security/keyring';
import { createStaff, testDb, unique } from '../support/fixtures';

let db: Db;
let sql: pg.Pool;
beforeAll(() => {
  db = testDb();
  sql = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 2 });
});
afterAll(async () => {
  await sql.end();
  await db.$disconnect();
});

const ring = developmentKeyRing();

/** `n` customers by one bulk INSERT (the triggers see one statement), their ids. */
async function insertCustomers(n: number, o: { prefix: string; createdBy: string; type?: 'INDIVIDUAL' | 'ENTERPRISE'; segment?: string | null; managerOf?: (i: number) => string | null }): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `cus_${o.prefix}_${i}`);
  await sql.query(
    `INSERT INTO "Customer" (id, type, status, "displayName", "contactPreferences", channel, "createdByStaffId", segment, "serviceTier", "relationshipManagerId", version, "createdAt", "updatedAt")
     SELECT x.id, $2::"CustomerType", 'PENDING_REVIEW', 'Count ' || x.id, '{}'::jsonb, 'BRANCH', $3, $4, $4, x.rm, 1, now() - x.n * interval '1 ms', now()
       FROM unnest($1::text[], $5::text[]) WITH ORDINALITY AS x(id, rm, n)`,
    [ids, o.type ?? 'INDIVIDUAL', o.createdBy, o.segment ?? null, ids.map((_, i) => o.managerOf?.(i) ?? null)],
  );
  return ids;
}

async function countOf(where: string, params: unknown[] = []): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Customer" WHERE ${where}`, params);
  return rows[0]!.n;
}

describe('issue 12: GET /customers total from CustomerCountDelta', () => {
  test('equals a count of the rows for every filter, after inserts, changes, deletes and a fold', async () => {
    const cs = await createStaff(db, 'Cass Service', ['CUSTOMER_SERVICE']);
    const actor = { staffId: cs.id, roles: cs.roles };
    const p = unique('cnt').replace('-', '_');
    const individuals = await insertCustomers(30, { prefix: `${p}_i`, createdBy: cs.id, segment: 'VIP' });
    const enterprises = await insertCustomers(12, { prefix: `${p}_e`, createdBy: cs.id, type: 'ENTERPRISE', segment: 'MEDIUM' });
    await sql.query(`UPDATE "Customer" SET status = 'APPROVED', "serviceTier" = 'REGULAR' WHERE id = ANY($1)`, [individuals.slice(0, 10)]);
    await sql.query(`UPDATE "Customer" SET "displayName" = 'renamed' WHERE id = ANY($1)`, [individuals.slice(0, 5)]); // no counted column: no delta
    await sql.query(`DELETE FROM "Customer" WHERE id = ANY($1)`, [enterprises.slice(0, 3)]);

    const check = async () => {
      const cases: [Record<string, string>, string, unknown[]][] = [
        [{}, 'TRUE', []],
        [{ type: 'ENTERPRISE' }, `type = 'ENTERPRISE'`, []],
        [{ status: 'APPROVED' }, `status = 'APPROVED'`, []],
        [{ segment: 'VIP', status: 'PENDING_REVIEW' }, `segment = 'VIP' AND status = 'PENDING_REVIEW'`, []],
        [{ serviceTier: 'REGULAR', type: 'INDIVIDUAL' }, `"serviceTier" = 'REGULAR' AND type = 'INDIVIDUAL'`, []],
        [{ segment: 'MEDIUM' }, `segment = 'MEDIUM'`, []],
      ];
      for (const [query, where, params] of cases) {
        const page = await listCustomers(db, actor, { ...query, pageSize: '1' });
        expect([query, page.total]).toEqual([query, await countOf(where, params)]);
      }
    };
    await check();
    expect(await countOf(`segment = 'MEDIUM'`)).toBe(9);
    await foldCustomerCounts(db);
    const { rows } = await sql.query<{ keys: number; rows: number }>(`SELECT count(DISTINCT (type, segment, "serviceTier", status))::int AS keys, count(*)::int AS rows FROM "CustomerCountDelta"`);
    expect(rows[0]!.rows).toBe(rows[0]!.keys); // one row per key after a fold
    await check();
  });

  test("a RELATIONSHIP_MANAGER's total counts their own customers: managed or assigned", async () => {
    const cs = await createStaff(db, 'Cora Service', ['CUSTOMER_SERVICE']);
    const rm = await createStaff(db, 'Rob Manager', ['RELATIONSHIP_MANAGER']);
    const p = unique('rm').replace('-', '_');
    const ids = await insertCustomers(6, { prefix: p, createdBy: cs.id, managerOf: (i) => (i < 2 ? rm.id : null) });
    await sql.query(`INSERT INTO "RelationshipAssignment" (id, "customerId", "staffId", role) VALUES (gen_random_uuid(), $1, $2, 'TEAM_MEMBER'), (gen_random_uuid(), $3, $2, 'TEAM_MEMBER')`, [ids[4], rm.id, ids[5]]);
    await sql.query(`UPDATE "RelationshipAssignment" SET "endedAt" = now() WHERE "customerId" = $1`, [ids[5]]);
    const page = await listCustomers(db, { staffId: rm.id, roles: ['RELATIONSHIP_MANAGER'] }, {});
    expect([page.total, page.items.map((c) => c.id).sort()]).toEqual([3, [ids[0], ids[1], ids[4]].sort()]);
  });
});

describe('issue 12: the group commit of reads (§3.1 no record, no data)', () => {
  test('every read answers only with its records committed; concurrent reads share commits', async () => {
    const cs = await createStaff(db, 'Gil Service', ['CUSTOMER_SERVICE']);
    const actor = { staffId: cs.id, roles: cs.roles };
    const ids = await insertCustomers(20, { prefix: unique('grp').replace('-', '_'), createdBy: cs.id });
    const committer = auditGroupCommit(db);
    const groupsBefore = committer.groups;
    const seen = await Promise.all(
      ids.map(async (id, i) => {
        const requestId = `req-grp-${i}-${id}`;
        const view = await getCustomer({ db, ring }, actor, id, {}, { requestId });
        // Read on another connection the moment the read answers: its record is there, committed.
        const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AuditLog" WHERE "requestId" = $1 AND action = 'customer.read' AND "entityId" = $2`, [requestId, id]);
        return [view.id, rows[0]!.n];
      }),
    );
    expect(seen).toEqual(ids.map((id) => [id, 1]));
    expect(committer.groups - groupsBefore).toBeLessThan(ids.length);
  });

  test('a group that cannot be written fails every read waiting in it', async () => {
    let calls = 0;
    const broken = { $executeRaw: () => (calls++ === 0 ? new Promise((_, reject) => setTimeout(() => reject(new Error('database down')), 50)) : Promise.reject(new Error('database down'))) } as unknown as Db;
    const committer = new AuditGroupCommit(broken);
    const entry = (i: number) => ({ actorStaffId: 's', action: 'customer.read' as const, entity: 'Customer', entityId: `c${i}`, customerId: `c${i}` });
    const results = await Promise.allSettled([committer.record([entry(1)]), committer.record([entry(2)]), committer.record([entry(3)])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toBe(2); // the first alone, the two that waited meanwhile together
  });
});

describe('issue 12: API key lastUsedAt at most once a minute', () => {
  test('written on first use, not again within the minute, again after it', async () => {
    const staff = await createStaff(db, 'Lu Used', ['AUDITOR']);
    const { id, key } = await issueApiKey(db, staff.id, 'laptop');
    const t0 = new Date('2026-12-03T10:00:00.000Z');
    const lastUsed = async () => (await db.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt;
    await authenticate(db, `Bearer ${key}`, t0);
    expect(await lastUsed()).toEqual(t0);
    await authenticate(db, `Bearer ${key}`, new Date(t0.getTime() + LAST_USED_RESOLUTION_MS - 1));
    expect(await lastUsed()).toEqual(t0);
    const later = new Date(t0.getTime() + LAST_USED_RESOLUTION_MS);
    await authenticate(db, `Bearer ${key}`, later);
    expect(await lastUsed()).toEqual(later);
  });
});
