/**
 * §3.1 tamper evidence of the audit log (issue 13), on the real database: records written at the same
 * time by several processes' connections, through every path (writeAudit in a change's transaction,
 * the group commit of reads, a raw multi-row INSERT, rolled-back transactions) make one valid chain;
 * a record changed in SQL is found and named ("content changed"), a deleted record is found at the
 * record after it ("previous hash mismatch"), a record slipped in with the triggers off is "not
 * sealed"; and `ccm audit verify` says so with exit code 1 (0 and the count when the chain holds).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { writeAudit, type AuditEntry } from '../../src/audit/audit-log';
import { verifyAuditChain } from '../../src/audit/chain';
import { AuditGroupCommit, insertAuditRecords, recordReads } from '../../src/audit/group-commit';
import { createDb, type Db } from '../../src/db/client';
import { PROJECT_ROOT } from '../../src/temporal/binaries';
import { createStaff, testDb, unique } from '../support/fixtures';

const url = () => process.env.DATABASE_URL!;
let db: Db;
let sql: pg.Pool;
beforeAll(() => {
  db = testDb();
  sql = new pg.Pool({ connectionString: url(), max: 4 });
});
afterAll(async () => {
  await sql.end();
  await db.$disconnect();
});

const entry = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({ actorStaffId: null, action: 'customer.read', entity: 'Customer', entityId: `cus_chain_${i}`, customerId: `cus_chain_${i}`, ...over });

/** Runs `sqlText` with the triggers off (superuser: session_replication_role), as a tamperer with database access would. */
async function tamper(sqlText: string, params: unknown[] = []): Promise<void> {
  const c = await sql.connect();
  try {
    await c.query('SET session_replication_role = replica');
    await c.query(sqlText, params);
  } finally {
    await c.query('RESET session_replication_role');
    c.release();
  }
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ccm(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'ccm.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: url(), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('§3.1 one hash chain of every audit record', () => {
  // First in the file: the table is still small here. A connection plans the trigger's read of the
  // chain's head once and keeps that plan; planned on a small, freshly analysed table it was a
  // sequential scan and a sort, kept as the table grew (migration audit_chain_head_by_index).
  test("the trigger reads the chain's head by the seq index even when its connection first ran on a small, freshly analysed table", async () => {
    await sql.query('VACUUM ANALYZE "AuditLog"');
    const c = new pg.Client({ connectionString: url() });
    const plans: string[] = [];
    c.on('notice', (n) => plans.push(String(n.message)));
    await c.connect();
    try {
      // auto_explain sends every statement's plan, the trigger's own included, to this client.
      await c.query(`SET client_min_messages = log; LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on`);
      await c.query(`INSERT INTO "AuditLog" ("actorStaffId", action, entity, "entityId") VALUES (NULL, 'customer.read', 'Customer', 'cus_plan_1')`);
    } finally {
      await c.end();
    }
    const head = plans.filter((p) => p.includes('ORDER BY seq DESC LIMIT 1'));
    expect(head.length).toBeGreaterThan(0);
    for (const plan of head) {
      expect(plan).toContain('Index Scan Backward using "AuditLog_seq_key"');
      expect(plan).not.toContain('Seq Scan');
    }
  });

  test('four processes writing at once, by every path, rollbacks among them, make one valid chain', async () => {
    const before = await db.auditLog.count();
    // Each "process" has its own client and pool (its own connections), as API and worker processes do.
    const clients = Array.from({ length: 4 }, () => createDb({ url: url(), max: 4 }));
    try {
      const perClient = 30;
      await Promise.all(
        clients.map(async (client, p) => {
          const group = new AuditGroupCommit(client);
          // As many in flight as the client has connections (a process's pool), the groups gathering meanwhile.
          let next = 0;
          const write = async (i: number) => {
              const n = p * 1000 + i;
              switch (i % 5) {
                case 0: // a change and its record in one transaction
                  await client.$transaction(async (tx) => writeAudit(tx, entry(n, { action: 'customer.update', changes: { email: { before: 'a@x.test', after: `b${n}@x.test` } } })));
                  break;
                case 1: // group commit of reads (one INSERT for several requests)
                  await group.record([entry(n), entry(n + 500)]);
                  break;
                case 2: // the shared committer of the client
                  await recordReads(client, [entry(n, { action: 'customer.list', requestId: `req-${n}` })]);
                  break;
                case 3: // a transaction that writes a record and then fails: it leaves no trace in the chain
                  await client
                    .$transaction(async (tx) => {
                      await writeAudit(tx, entry(n, { action: 'customer.update', changes: { phone: 'changed' } }));
                      throw new Error('the change failed');
                    })
                    .catch(() => undefined);
                  break;
                default: // a plain multi-row INSERT
                  await insertAuditRecords(client, [entry(n), entry(n + 1), entry(n + 2)]);
              }
          };
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              while (next < perClient) await write(next++);
            }),
          );
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
    // per client and 30 writes: 6 × (1 + 2 + 1 + 0 + 3) records
    const written = 4 * 6 * 7;
    expect(await db.auditLog.count()).toBe(before + written);
    const verdict = await verifyAuditChain(db, { pageSize: 50 }); // several pages
    expect(verdict).toMatchObject({ ok: true, count: before + written });
    const [{ max, n }] = (await db.$queryRaw<{ max: bigint; n: bigint }[]>`SELECT max(seq) AS max, count(DISTINCT seq) AS n FROM "AuditLog"`) as [{ max: bigint; n: bigint }];
    expect([Number(max), Number(n)]).toEqual([before + written, before + written]); // 1 … n, no gaps, no duplicates
    // The trigger computes the hash inline (migration audit_chain_inline_hash); audit_log_hash(r) is its reference.
    const [{ differing }] = (await db.$queryRaw<{ differing: bigint }[]>`SELECT count(*) AS differing FROM "AuditLog" l WHERE l.hash IS DISTINCT FROM audit_log_hash(l)`) as [{ differing: bigint }];
    expect(Number(differing)).toBe(0);
  });

  test('a writer cannot choose its place or hash: the database sets them', async () => {
    const staff = await createStaff(db, 'Fay Forger', ['ADMIN']);
    await sql.query(`INSERT INTO "AuditLog" ("actorStaffId", action, entity, "entityId", seq, "prevHash", hash) VALUES ($1, 'customer.read', 'Customer', 'cus_forged', 1, $2, $2)`, [staff.id, 'f'.repeat(64)]);
    const row = await db.auditLog.findFirstOrThrow({ where: { entityId: 'cus_forged' } });
    expect(row.hash).not.toBe('f'.repeat(64));
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  test('an UPDATE of one record in SQL is found and named: content changed; ccm audit verify exits 1 naming it', async () => {
    const entityId = unique('cus');
    await db.$transaction((tx) => writeAudit(tx, entry(0, { entityId, action: 'customer.update', changes: { email: { before: 'a@x.test', after: 'b@x.test' } } })));
    await insertAuditRecords(db, [entry(1), entry(2)]); // records after it
    const target = await db.auditLog.findFirstOrThrow({ where: { entityId } });
    const auditor = await createStaff(db, 'Avery Auditor', ['AUDITOR']);

    await tamper(`UPDATE "AuditLog" SET changes = '{"email": {"before": "a@x.test", "after": "evil@x.test"}}' WHERE id = $1`, [target.id]);
    const verdict = await verifyAuditChain(db);
    expect(verdict).toMatchObject({ ok: false, broken: { id: target.id.toString(), seq: target.seq!.toString(), reason: 'content changed' } });
    const cli = await ccm(['audit', 'verify', '--as', auditor.id]);
    expect([cli.code, cli.stdout.trim()]).toEqual([
      1,
      expect.stringMatching(new RegExp(`^audit chain BROKEN at record ${target.id} \\(seq ${target.seq}\\): content changed — the record no longer has the content its hash was made from; \\d+ records before it verified$`)),
    ]);

    // Put back exactly as it was: the chain holds again, and verify says so with the count.
    await tamper(`UPDATE "AuditLog" SET changes = '{"email": {"before": "a@x.test", "after": "b@x.test"}}' WHERE id = $1`, [target.id]);
    const count = await db.auditLog.count();
    const ok = await ccm(['audit', 'verify', '--as', auditor.id]);
    expect([ok.code, ok.stdout.trim()]).toEqual([0, expect.stringMatching(new RegExp(`^audit chain OK: ${count} records; head seq ${count} hash [0-9a-f]{64}$`))]);
  });

  test('a deleted record is found at the record after it: previous hash mismatch, naming the missing seq', async () => {
    await insertAuditRecords(db, [entry(10), entry(11), entry(12)]);
    const rows = await db.auditLog.findMany({ orderBy: { seq: 'desc' }, take: 3 });
    const [after, deleted, before] = rows as [(typeof rows)[number], (typeof rows)[number], (typeof rows)[number]];
    const raw = (await sql.query(`SELECT * FROM "AuditLog" WHERE id = $1`, [deleted.id])).rows[0] as Record<string, unknown>;

    await tamper(`DELETE FROM "AuditLog" WHERE id = $1`, [deleted.id]);
    expect(await verifyAuditChain(db)).toEqual({
      ok: false,
      count: Number(before.seq),
      broken: {
        id: after.id.toString(),
        seq: after.seq!.toString(),
        reason: 'previous hash mismatch',
        detail: `the record at seq ${deleted.seq} is missing (deleted); the record before it in the chain is record ${before.id}`,
      },
    });

    // Restored with its own values, the chain holds again.
    const cols = Object.keys(raw);
    await tamper(`INSERT INTO "AuditLog" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => raw[c]));
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  test('the newest records deleted: found with the head printed before (--expect-head)', async () => {
    await insertAuditRecords(db, [entry(20), entry(21)]);
    const ok = await verifyAuditChain(db);
    if (!ok.ok || !ok.head) throw new Error('expected an intact chain');
    const head = { seq: BigInt(ok.head.seq), hash: ok.head.hash };
    expect(await verifyAuditChain(db, { expectHead: head })).toMatchObject({ ok: true });
    const last = await db.auditLog.findFirstOrThrow({ orderBy: { seq: 'desc' } });
    const raw = (await sql.query(`SELECT * FROM "AuditLog" WHERE id = $1`, [last.id])).rows[0] as Record<string, unknown>;
    await tamper(`DELETE FROM "AuditLog" WHERE id = $1`, [last.id]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true }); // on its own a shorter chain is valid…
    expect(await verifyAuditChain(db, { expectHead: head })).toMatchObject({ ok: false, broken: { reason: 'previous hash mismatch', detail: expect.stringContaining('newest records deleted') } });
    const cols = Object.keys(raw);
    await tamper(`INSERT INTO "AuditLog" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => raw[c]));
  });

  test('a record slipped in with the triggers off is not sealed', async () => {
    await tamper(`INSERT INTO "AuditLog" ("actorStaffId", action, entity, "entityId") VALUES (NULL, 'customer.read', 'Customer', 'cus_slipped')`);
    const row = await db.auditLog.findFirstOrThrow({ where: { entityId: 'cus_slipped' } });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, broken: { id: row.id.toString(), seq: null, reason: 'not sealed' } });
    await tamper(`DELETE FROM "AuditLog" WHERE id = $1`, [row.id]);
  });

  test('verify is for the roles that read the audit log (§3.1)', async () => {
    const rm = await createStaff(db, 'Remy Manager', ['RELATIONSHIP_MANAGER']);
    const cli = await ccm(['audit', 'verify', '--as', rm.id]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('requires one of the roles AUDITOR, SUPERVISOR, ADMIN');
  });
});
