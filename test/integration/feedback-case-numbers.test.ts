/**
 * §5.2 the feedback tables on this file's PostgreSQL database: case numbers per year under
 * concurrency (src/feedback/case-numbers.ts), and the rules the database itself holds — a survey
 * answered once per round with a score 1–5, an append-only case timeline, an escalation level 0–2.
 */
import { createDb, type Db } from '../../src/db/client';
import { nextCaseSequence } from '../../src/feedback/case-numbers';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { encryptField, reEncrypt } from '../../src/security/crypto';
import { createKeyRing, developmentKeyRing } from '../../src/security/keyring';
import { createStaff } from '../support/fixtures';

const ring = developmentKeyRing();
let db: Db;
const DEPT = 'CARDS';

/** Formatting is the case-number rules' (src/domain/case-number.ts); the test only needs unique strings. */
const caseNoOf = (year: number, n: number) => `FB-${year}-${String(n).padStart(6, '0')}`;

/** What a registration writes in its transaction: the number, then the case. */
async function register(year: number, opts: { failAfterNumber?: boolean } = {}): Promise<string> {
  return db.$transaction(
    async (tx) => {
      const caseNo = caseNoOf(year, await nextCaseSequence(tx, year));
      await tx.feedbackCase.create({
        data: {
          caseNo,
          channel: 'ONLINE',
          category: 'SERVICE',
          severity: 'LOW',
          complexity: 'SIMPLE',
          customerType: 'INDIVIDUAL',
          summaryCiphertext: encryptField(ring, 'Slow branch service', `FeedbackCase.summary:${caseNo}`),
          departmentCode: DEPT,
          routingRuleId: 'default',
          registeredAt: new Date(),
          workflowId: `feedback-${caseNo}`,
          policyVersion: DEFAULT_POLICY.version,
        },
      });
      if (opts.failAfterNumber) throw new Error('registration failed after taking its number');
      return caseNo;
    },
    { maxWait: 60_000, timeout: 60_000 },
  );
}

beforeAll(async () => {
  db = createDb({ url: process.env.DATABASE_URL!, max: 20 });
  const head = await createStaff(db, 'Hedda Head', ['SUPERVISOR']);
  await db.department.create({ data: { code: DEPT, name: 'Cards', headStaffId: head.id } });
});
afterAll(() => db?.$disconnect());

describe('case numbers (FB-<year>-<n>)', () => {
  test('50 registrations at once get 50 distinct numbers, 1–50 without a gap', async () => {
    const caseNos = await Promise.all(Array.from({ length: 50 }, () => register(2026)));
    expect(new Set(caseNos).size).toBe(50);
    expect([...caseNos].sort()).toEqual(Array.from({ length: 50 }, (_, i) => caseNoOf(2026, i + 1)));
    expect(await db.caseNumberCounter.findUnique({ where: { year: 2026 } })).toEqual({ year: 2026, next: 51 });
  });

  test('a registration that rolls back gives its number back; taken outside a transaction a number stays taken (a gap, tolerated)', async () => {
    await expect(register(2030, { failAfterNumber: true })).rejects.toThrow('registration failed after taking its number');
    expect(await register(2030)).toBe(caseNoOf(2030, 1));
    expect(await nextCaseSequence(db, 2030)).toBe(2); // committed at once
    expect(await register(2030)).toBe(caseNoOf(2030, 3));
  });

  test('each year counts from 1, and the first registrations of a new year racing to create its counter all succeed', async () => {
    const [a, b, c] = await Promise.all([register(2031), register(2031), register(2032)]);
    expect([a, b].sort()).toEqual([caseNoOf(2031, 1), caseNoOf(2031, 2)]);
    expect(c).toBe(caseNoOf(2032, 1));
  });

  test('a year outside 2000–9999 is refused before the database is asked', async () => {
    await expect(nextCaseSequence(db, 26)).rejects.toThrow('case-number year must be a whole number 2000–9999, got 26');
    await expect(nextCaseSequence(db, 2026.5)).rejects.toThrow(RangeError);
  });
});

describe('rules the database holds', () => {
  let caseNo: string;
  beforeAll(async () => {
    caseNo = await register(2040);
  });

  test('§5.2 satisfaction: one answer per survey round (a used link cannot answer again), score 1–5', async () => {
    const answer = (round: number, score: number) => db.surveyResponse.create({ data: { caseNo, round, score, answeredAt: new Date() } });
    await answer(1, 2);
    await expect(answer(1, 5)).rejects.toThrow(/Unique constraint/);
    await expect(answer(2, 6)).rejects.toThrow(/score 6 is not 1–5/);
    await expect(answer(2, 0)).rejects.toThrow(/score 0 is not 1–5/);
    await expect(answer(0, 3)).rejects.toThrow(/round 0 is below 1/);
    await answer(2, 5); // the reopened case's second survey
    expect(await db.surveyResponse.findMany({ where: { caseNo }, orderBy: { round: 'asc' }, select: { round: true, score: true } })).toEqual([
      { round: 1, score: 2 },
      { round: 2, score: 5 },
    ]);
  });

  test('the case timeline is append-only: no event is changed or deleted — except a key rotation re-encrypting a body', async () => {
    const aad = `FeedbackEvent.body:${caseNo}:note-1`;
    const event = await db.feedbackEvent.create({
      data: { caseNo, kind: 'NOTE', actorStaffId: null, at: new Date(), internal: true, bodyCiphertext: encryptField(ring, 'Customer called twice', aad), idempotencyKey: 'note-1' },
    });
    await expect(db.feedbackEvent.update({ where: { id: event.id }, data: { internal: false } })).rejects.toThrow(/append-only: UPDATE/);
    await expect(db.feedbackEvent.delete({ where: { id: event.id } })).rejects.toThrow(/append-only: DELETE/);
    await expect(db.$executeRawUnsafe('TRUNCATE "FeedbackEvent"')).rejects.toThrow(/append-only: TRUNCATE/);
    await expect(db.feedbackEvent.create({ data: { caseNo, kind: 'NOTE', at: new Date(), idempotencyKey: 'note-1' } })).rejects.toThrow(/Unique constraint/);

    const rotated = createKeyRing({ keys: new Map([...ring.keyIds.map((id) => [id, ring.key(id)!] as const), ['k2027', Buffer.alloc(32, 7)]]), currentKeyId: 'k2027', blindIndexKey: Buffer.alloc(32, 9) });
    const body = reEncrypt(rotated, event.bodyCiphertext!, aad);
    await db.feedbackEvent.update({ where: { id: event.id }, data: { bodyCiphertext: body } });
    expect((await db.feedbackEvent.findUniqueOrThrow({ where: { id: event.id } })).bodyCiphertext).toMatch(/^v1\.k2027\./);
  });

  test('escalation level 0 (none), 1 (department head) or 2 (executive on duty); reopen count not negative', async () => {
    await db.feedbackCase.update({ where: { caseNo }, data: { escalationLevel: 2 } });
    await expect(db.feedbackCase.update({ where: { caseNo }, data: { escalationLevel: 3 } })).rejects.toThrow(/escalationLevel 3 is not 0, 1 or 2/);
    await expect(db.feedbackCase.update({ where: { caseNo }, data: { reopenCount: -1 } })).rejects.toThrow(/reopenCount -1 is negative/);
  });
});
