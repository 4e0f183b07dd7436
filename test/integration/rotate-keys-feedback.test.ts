/**
 * §3.1 key rotation (src/security/rotate-keys.ts) of the §5.2 feedback columns, on this file's own
 * PostgreSQL database (test/support/own-database.ts: rotation rewrites every row it finds):
 * FeedbackCase contact details, summary and description, FeedbackEvent bodies (append-only: only
 * the body may be re-encrypted) and SurveyResponse comments. Rows are written under an old key, the
 * rotation runs with a new current key; every value must end under the new key with the same text,
 * a second run must find nothing, every batch must be audited without values, and a value that does
 * not verify must be reported and left exactly as it was.
 */
import { randomBytes } from 'node:crypto';
import { createDb, type Db } from '../../src/db/client';
import { surveyCommentAad } from '../../src/feedback/answer-survey';
import { feedbackAad, type CaseField } from '../../src/feedback/encrypted-fields';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import type { Actor } from '../../src/security/auth';
import { decryptField, encryptField, keyIdOf } from '../../src/security/crypto';
import { createKeyRing, type KeyRing } from '../../src/security/keyring';
import { rotateKeys, type RotationResult } from '../../src/security/rotate-keys';
import { createStaff } from '../support/fixtures';

// Key ids that differ only by `-` vs `_`: a LIKE 'v1.fb_2025.%' selection would take values under
// fb-2025 for current ones and never rotate them; rotation must compare the prefix exactly.
const OLD = 'fb-2025';
const NEW = 'fb_2025';
const keys = { [OLD]: randomBytes(32), [NEW]: randomBytes(32), gone: randomBytes(32) };
const blindIndexKey = randomBytes(32);
const ringOf = (ids: (keyof typeof keys)[], currentKeyId: keyof typeof keys): KeyRing =>
  createKeyRing({ keys: new Map(ids.map((id) => [id, keys[id]] as const)), currentKeyId, blindIndexKey });
/** What the writers used before the rotation: the old key current. */
const oldRing = ringOf([OLD, NEW], OLD);
/** The rotation's ring: the new key current, the old one still there to decrypt. */
const rotationRing = ringOf([OLD, NEW], NEW);
/** After the rotation the old key can go: every value must decrypt without it. */
const newOnly = ringOf([NEW], NEW);
/** A key the rotation's ring does not hold (UNKNOWN_KEY_ID). */
const goneRing = ringOf(['gone'], 'gone');

const DEPT = 'CARDS';
let db: Db;
let admin: Actor;

const caseNoOf = (n: number) => `FB-2026-${String(n).padStart(6, '0')}`;

interface CaseTexts {
  contactName?: string;
  contactEmail?: string;
  contactPhone?: string;
  summary: string;
  description?: string;
}
const CASE_FIELDS: CaseField[] = ['contactName', 'contactEmail', 'contactPhone', 'summary', 'description'];

/** A case as register-feedback writes it: every set text encrypted with its column's AAD. */
async function writeCase(caseNo: string, texts: CaseTexts, ring = oldRing) {
  const enc = (field: CaseField) => (texts[field] === undefined ? null : encryptField(ring, texts[field], feedbackAad.caseField(field, caseNo)));
  await db.feedbackCase.create({
    data: {
      caseNo,
      channel: 'ONLINE',
      category: 'SERVICE',
      severity: 'LOW',
      complexity: 'SIMPLE',
      customerType: 'INDIVIDUAL',
      contactNameCiphertext: enc('contactName'),
      contactEmailCiphertext: enc('contactEmail'),
      contactPhoneCiphertext: enc('contactPhone'),
      summaryCiphertext: enc('summary')!,
      descriptionCiphertext: enc('description'),
      departmentCode: DEPT,
      routingRuleId: 'default',
      registeredAt: new Date(),
      workflowId: `feedback-${caseNo}`,
      policyVersion: DEFAULT_POLICY.version,
    },
  });
}

/** A timeline event as src/feedback/cases.ts writes it: a body only with an idempotency key, which its AAD names. */
async function writeEvent(caseNo: string, kind: 'REGISTERED' | 'RESPONSE' | 'NOTE', body?: string, ring = oldRing) {
  const idempotencyKey = body === undefined ? null : `${caseNo}:${kind}:${randomBytes(6).toString('hex')}`;
  return db.feedbackEvent.create({
    data: {
      caseNo,
      kind,
      at: new Date(),
      internal: kind === 'NOTE',
      idempotencyKey,
      bodyCiphertext: body === undefined ? null : encryptField(ring, body, feedbackAad.eventBody(caseNo, idempotencyKey!)),
      data: kind === 'REGISTERED' ? { departmentCode: DEPT } : undefined,
    },
  });
}

/** A survey answer as answer-survey writes it. */
async function writeSurvey(caseNo: string, round: number, comment?: string, ring = oldRing) {
  await db.surveyResponse.create({
    data: { caseNo, round, score: 4, answeredAt: new Date(), commentCiphertext: comment === undefined ? null : encryptField(ring, comment, surveyCommentAad(caseNo, round)) },
  });
}

const snapshot = async () => ({
  cases: await db.feedbackCase.findMany({ orderBy: { caseNo: 'asc' } }),
  events: await db.feedbackEvent.findMany({ orderBy: { id: 'asc' } }),
  surveys: await db.surveyResponse.findMany({ orderBy: [{ caseNo: 'asc' }, { round: 'asc' }] }),
});
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/** Every stored feedback value decrypted with `ring`, by column and row. */
function plaintexts(s: Snapshot, ring: KeyRing): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of s.cases) {
    for (const field of CASE_FIELDS) {
      const token = c[`${field}Ciphertext`];
      if (token !== null) out[`${c.caseNo}.${field}`] = decryptField(ring, token, feedbackAad.caseField(field, c.caseNo));
    }
  }
  for (const e of s.events) if (e.bodyCiphertext) out[`event ${e.id}`] = decryptField(ring, e.bodyCiphertext, feedbackAad.eventBody(e.caseNo, e.idempotencyKey!));
  for (const r of s.surveys) if (r.commentCiphertext) out[`${r.caseNo}:${r.round}`] = decryptField(ring, r.commentCiphertext, surveyCommentAad(r.caseNo, r.round));
  return out;
}

/** Every stored feedback token, by column and row. */
function tokens(s: Snapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of s.cases) for (const field of CASE_FIELDS) if (c[`${field}Ciphertext`] !== null) out[`${c.caseNo}.${field}`] = c[`${field}Ciphertext`]!;
  for (const e of s.events) if (e.bodyCiphertext) out[`event ${e.id}`] = e.bodyCiphertext;
  for (const r of s.surveys) if (r.commentCiphertext) out[`${r.caseNo}:${r.round}`] = r.commentCiphertext;
  return out;
}

const rotationAudits = () => db.auditLog.findMany({ where: { action: 'keys.rotate' }, orderBy: { id: 'asc' } });
const zero = { reEncrypted: 0, changedConcurrently: 0 };
const nothingDone = (result: RotationResult) => ({
  identityNumbers: result.identityNumbers,
  datesOfBirth: result.datesOfBirth,
  creditRecords: result.creditRecords,
  creditBureaus: result.creditBureaus,
  feedbackContacts: result.feedbackContacts,
  feedbackTexts: result.feedbackTexts,
  feedbackEventBodies: result.feedbackEventBodies,
  surveyComments: result.surveyComments,
  batches: result.batches,
});
const NOTHING = { identityNumbers: zero, datesOfBirth: zero, creditRecords: zero, creditBureaus: zero, feedbackContacts: zero, feedbackTexts: zero, feedbackEventBodies: zero, surveyComments: zero, batches: 0 };

beforeAll(async () => {
  db = createDb({ url: process.env.DATABASE_URL!, max: 4 });
  const head = await createStaff(db, 'Hedda Head', ['SUPERVISOR']);
  await db.department.create({ data: { code: DEPT, name: 'Cards', headStaffId: head.id } });
  const adm = await createStaff(db, 'Rita Rotate', ['ADMIN']);
  admin = { staffId: adm.id, roles: ['ADMIN'] };
});
afterAll(() => db?.$disconnect());

test('every feedback value moves from the old key to the new one with the same text, in audited batches; a second run finds nothing', async () => {
  // Five cases: two from people who are not customers (contact details), descriptions on three.
  await writeCase(caseNoOf(1), { contactName: 'Zoë Ångström', contactEmail: 'zoe@example.com', contactPhone: '+44 20 7946 0000', summary: 'Card declined abroad', description: 'Declined in Lisbon twice; fee charged anyway' });
  await writeCase(caseNoOf(2), { summary: 'Branch queue' });
  await writeCase(caseNoOf(3), { contactName: 'Pat Prospect', contactEmail: 'pat@example.org', summary: 'Mortgage call-back', description: 'Nobody called back' });
  await writeCase(caseNoOf(4), { summary: 'App crash', description: 'On login, Android 14' });
  await writeCase(caseNoOf(5), { summary: 'Statement wrong' });
  // Timelines: events without a body (nothing to rotate) between ones with.
  for (let n = 1; n <= 5; n++) await writeEvent(caseNoOf(n), 'REGISTERED');
  await writeEvent(caseNoOf(1), 'RESPONSE', 'We refunded the fee.');
  await writeEvent(caseNoOf(1), 'NOTE', 'Customer called twice — internal');
  await writeEvent(caseNoOf(3), 'RESPONSE', 'Call booked for Monday');
  await writeEvent(caseNoOf(4), 'NOTE', 'Reproduced on 14.2');
  await writeEvent(caseNoOf(5), 'RESPONSE', 'Corrected statement attached');
  // Surveys: two rounds on case 1 (reopened), one without a comment.
  await writeSurvey(caseNoOf(1), 1, 'Slow, but fixed');
  await writeSurvey(caseNoOf(1), 2, 'Better the second time');
  await writeSurvey(caseNoOf(3), 1);
  await writeSurvey(caseNoOf(4), 1, 'ok 👍');

  const before = await snapshot();
  expect(new Set(Object.values(tokens(before)).map(keyIdOf))).toEqual(new Set([OLD]));
  const texts = plaintexts(before, oldRing);
  expect(Object.keys(texts)).toHaveLength(21); // 5 contact values, 5 summaries, 3 descriptions, 5 bodies, 3 comments
  const auditsBefore = (await rotationAudits()).length;
  const batches: string[] = [];

  const result = await rotateKeys({ db, ring: rotationRing }, admin, { batchSize: 2, onBatch: ({ table, rows }) => batches.push(`${table}:${rows}`) });

  expect(result).toEqual({
    currentKeyId: NEW,
    identityNumbers: zero,
    datesOfBirth: zero,
    creditRecords: zero,
    creditBureaus: zero,
    feedbackContacts: { reEncrypted: 5, changedConcurrently: 0 },
    feedbackTexts: { reEncrypted: 8, changedConcurrently: 0 },
    feedbackEventBodies: { reEncrypted: 5, changedConcurrently: 0 },
    surveyComments: { reEncrypted: 3, changedConcurrently: 0 },
    failures: [],
    batches: 3 + 3 + 2,
  });
  expect(batches).toEqual(['FeedbackCase:2', 'FeedbackCase:2', 'FeedbackCase:1', 'FeedbackEvent:2', 'FeedbackEvent:2', 'FeedbackEvent:1', 'SurveyResponse:2', 'SurveyResponse:1']);

  // Every value under the new key, the same text, readable without the old key.
  const after = await snapshot();
  expect(new Set(Object.values(tokens(after)).map(keyIdOf))).toEqual(new Set([NEW]));
  expect(plaintexts(after, newOnly)).toEqual(texts);
  // Nothing else changed: the events (append-only) differ in their bodies only; empty columns stay empty.
  const withoutBody = ({ bodyCiphertext: _b, ...rest }: Snapshot['events'][number]) => rest;
  expect(after.events.map(withoutBody)).toEqual(before.events.map(withoutBody));
  expect(after.events.filter((e) => e.bodyCiphertext === null).map((e) => e.id)).toEqual(before.events.filter((e) => e.bodyCiphertext === null).map((e) => e.id));
  const rest = ({ contactNameCiphertext: _1, contactEmailCiphertext: _2, contactPhoneCiphertext: _3, summaryCiphertext: _4, descriptionCiphertext: _5, updatedAt: _6, ...r }: Snapshot['cases'][number]) => r;
  expect(after.cases.map(rest)).toEqual(before.cases.map(rest));
  expect(after.surveys.map((s) => ({ ...s, commentCiphertext: s.commentCiphertext === null }))).toEqual(before.surveys.map((s) => ({ ...s, commentCiphertext: s.commentCiphertext === null })));

  // One audit record per batch: the table, the key range, the key ids, the columns; never a value.
  const audits = (await rotationAudits()).slice(auditsBefore);
  expect(audits.map((a) => [a.entity, a.entityId, a.actorStaffId])).toEqual([
    ['FeedbackCase', `${caseNoOf(1)}..${caseNoOf(2)}`, admin.staffId],
    ['FeedbackCase', `${caseNoOf(3)}..${caseNoOf(4)}`, admin.staffId],
    ['FeedbackCase', `${caseNoOf(5)}..${caseNoOf(5)}`, admin.staffId],
    ['FeedbackEvent', `${after.events[5]!.id}..${after.events[6]!.id}`, admin.staffId],
    ['FeedbackEvent', `${after.events[7]!.id}..${after.events[8]!.id}`, admin.staffId],
    ['FeedbackEvent', `${after.events[9]!.id}..${after.events[9]!.id}`, admin.staffId],
    ['SurveyResponse', `${caseNoOf(1)}:1..${caseNoOf(1)}:2`, admin.staffId],
    ['SurveyResponse', `${caseNoOf(4)}:1..${caseNoOf(4)}:1`, admin.staffId],
  ]);
  expect(audits[0]!.changes).toEqual({
    keyId: { before: [OLD], after: NEW },
    contactEmailCiphertext: 'changed',
    contactNameCiphertext: 'changed',
    contactPhoneCiphertext: 'changed',
    descriptionCiphertext: 'changed',
    summaryCiphertext: 'changed',
    rows: { before: null, after: 2 },
  });
  expect(audits[3]!.changes).toEqual({ keyId: { before: [OLD], after: NEW }, bodyCiphertext: 'changed', rows: { before: null, after: 2 } });
  expect(audits[7]!.changes).toEqual({ keyId: { before: [OLD], after: NEW }, commentCiphertext: 'changed', rows: { before: null, after: 1 } });
  const recorded = JSON.stringify(audits.map((a) => [a.entityId, a.changes]));
  for (const value of [...Object.values(texts), ...Object.values(tokens(before)), ...Object.values(tokens(after))]) expect(recorded).not.toContain(value);

  // Idempotent: nothing left to do, nothing written, no audit record.
  const again = await rotateKeys({ db, ring: rotationRing }, admin, { batchSize: 2 });
  expect({ ...nothingDone(again), failures: again.failures }).toEqual({ ...NOTHING, failures: [] });
  expect(tokens(await snapshot())).toEqual(tokens(after));
  expect(await rotationAudits()).toHaveLength(auditsBefore + audits.length);
});

test('a value that does not verify is reported with its reason and left exactly as it was; the row’s other values still move; every run says so again', async () => {
  const bad = caseNoOf(20);
  const other = caseNoOf(21);
  // A description copied from another case (AAD names the other case), the rest genuine.
  await writeCase(bad, { contactEmail: 'moved@example.com', summary: 'Copied row' });
  await writeCase(other, { summary: 'Donor', description: 'Original description' });
  const donor = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: other } });
  await db.feedbackCase.update({ where: { caseNo: bad }, data: { descriptionCiphertext: donor.descriptionCiphertext } });
  // A body under a key the ring no longer holds; a body tampered with; a body without an idempotency key (no AAD).
  const unknownKey = await writeEvent(bad, 'NOTE', 'under a retired key', goneRing);
  const tampered = await writeEvent(bad, 'RESPONSE', 'tampered with');
  const flipped = tampered.bodyCiphertext!.slice(0, -2) + (tampered.bodyCiphertext!.endsWith('AA') ? 'BA' : 'AA');
  // Written before the trigger would allow it: a rotation-style update of the body only.
  await db.feedbackEvent.update({ where: { id: tampered.id }, data: { bodyCiphertext: flipped } });
  const keyless = await db.feedbackEvent.create({ data: { caseNo: bad, kind: 'NOTE', at: new Date(), bodyCiphertext: encryptField(oldRing, 'no key', `FeedbackEvent.body:${bad}:`) } });
  const good = await writeEvent(bad, 'RESPONSE', 'genuine');
  // A comment from round 2 stored as round 1's.
  await writeSurvey(bad, 2, 'round two');
  const round2 = await db.surveyResponse.findUniqueOrThrow({ where: { caseNo_round: { caseNo: bad, round: 2 } } });
  await writeSurvey(bad, 1);
  await db.surveyResponse.update({ where: { caseNo_round: { caseNo: bad, round: 1 } }, data: { commentCiphertext: round2.commentCiphertext } });
  const before = tokens(await snapshot());

  const result = await rotateKeys({ db, ring: rotationRing }, admin, { batchSize: 10 });

  const expectedFailures = [
    { column: 'FeedbackCase.description', row: bad, reason: expect.stringMatching(/^AUTHENTICATION_FAILED: /) },
    { column: 'FeedbackEvent.body', row: String(unknownKey.id), reason: expect.stringMatching(/^UNKNOWN_KEY_ID: .*gone/) },
    { column: 'FeedbackEvent.body', row: String(tampered.id), reason: expect.stringMatching(/^(AUTHENTICATION_FAILED|MALFORMED_TOKEN): /) },
    { column: 'FeedbackEvent.body', row: String(keyless.id), reason: expect.stringMatching(/^NO_IDEMPOTENCY_KEY: /) },
    { column: 'SurveyResponse.comment', row: `${bad}:1`, reason: expect.stringMatching(/^AUTHENTICATION_FAILED: /) },
  ];
  expect(result.failures).toEqual(expectedFailures);
  // The genuine values moved: the bad case's e-mail and summary, the donor's summary and description, one body, round 2's comment.
  expect(nothingDone(result)).toEqual({
    ...NOTHING,
    feedbackContacts: { reEncrypted: 1, changedConcurrently: 0 },
    feedbackTexts: { reEncrypted: 3, changedConcurrently: 0 },
    feedbackEventBodies: { reEncrypted: 1, changedConcurrently: 0 },
    surveyComments: { reEncrypted: 1, changedConcurrently: 0 },
    batches: 3,
  });
  const after = tokens(await snapshot());
  for (const key of [`${bad}.description`, `event ${unknownKey.id}`, `event ${tampered.id}`, `event ${keyless.id}`, `${bad}:1`]) expect(after[key]).toBe(before[key]);
  for (const key of [`${bad}.contactEmail`, `${bad}.summary`, `${other}.summary`, `${other}.description`, `event ${good.id}`, `${bad}:2`]) {
    expect(keyIdOf(after[key]!)).toBe(NEW);
    expect(after[key]).not.toBe(before[key]);
  }
  const afterRows = await snapshot();
  expect(decryptField(newOnly, afterRows.cases.find((c) => c.caseNo === bad)!.contactEmailCiphertext!, feedbackAad.caseField('contactEmail', bad))).toBe('moved@example.com');
  expect(decryptField(newOnly, afterRows.events.find((e) => e.id === good.id)!.bodyCiphertext!, feedbackAad.eventBody(bad, good.idempotencyKey!))).toBe('genuine');

  // Never laundered: the next run reports the same values again, and changes nothing.
  const again = await rotateKeys({ db, ring: rotationRing }, admin, { batchSize: 10 });
  expect(again.failures).toEqual(expectedFailures);
  expect(nothingDone(again)).toEqual(NOTHING);
  expect(tokens(await snapshot())).toEqual(after);
});

test('a case changed by someone else between the read and the write is left alone and counted; the next run moves it', async () => {
  const edited = caseNoOf(30);
  await writeCase(edited, { contactName: 'Ed Edit', summary: 'Before the edit', description: 'first words' });
  const aadDescription = feedbackAad.caseField('description', edited);
  // A writer (still on the old key) changes the description after the rotation has read the batch.
  let interfered = false;
  const racing = new Proxy(db, {
    get(target, prop) {
      if (prop === '$transaction' && !interfered) {
        return async (...args: Parameters<Db['$transaction']>) => {
          interfered = true;
          await db.feedbackCase.update({ where: { caseNo: edited }, data: { descriptionCiphertext: encryptField(oldRing, 'second words', aadDescription) } });
          return (db.$transaction as (...a: unknown[]) => unknown)(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });

  const result = await rotateKeys({ db: racing, ring: rotationRing }, admin, { batchSize: 10 });

  expect(interfered).toBe(true);
  expect(result.failures.filter((f) => f.row === edited)).toEqual([]); // (the previous test's bad values are still reported)
  expect(result.feedbackContacts).toEqual({ reEncrypted: 0, changedConcurrently: 1 });
  expect(result.feedbackTexts).toEqual({ reEncrypted: 0, changedConcurrently: 2 });
  const row = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: edited } });
  expect(decryptField(oldRing, row.descriptionCiphertext!, aadDescription)).toBe('second words'); // the writer's change stands
  expect([row.contactNameCiphertext, row.summaryCiphertext, row.descriptionCiphertext].map((t) => keyIdOf(t!))).toEqual([OLD, OLD, OLD]);

  const next = await rotateKeys({ db, ring: rotationRing }, admin, { batchSize: 10 });
  expect(next.feedbackContacts).toEqual({ reEncrypted: 1, changedConcurrently: 0 });
  expect(next.feedbackTexts).toEqual({ reEncrypted: 2, changedConcurrently: 0 });
  const moved = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: edited } });
  expect(decryptField(newOnly, moved.descriptionCiphertext!, aadDescription)).toBe('second words');
  expect(decryptField(newOnly, moved.summaryCiphertext, feedbackAad.caseField('summary', edited))).toBe('Before the edit');
});

test('ADMIN only: anyone else is refused before anything is read or written', async () => {
  const clerk = await createStaff(db, 'Cora Clerk', ['CUSTOMER_SERVICE']);
  await writeCase(caseNoOf(40), { summary: 'Still old' });
  await expect(rotateKeys({ db, ring: rotationRing }, { staffId: clerk.id, roles: ['CUSTOMER_SERVICE'] }, { batchSize: 10 })).rejects.toThrow(/ADMIN/);
  expect(keyIdOf((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: caseNoOf(40) } })).summaryCiphertext)).toBe(OLD);
});
