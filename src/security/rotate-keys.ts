/**
 * Use case (§3.1 "customer data is protected in storage … (encryption)"): key rotation. After a new
 * data key is added to DATA_ENCRYPTION_KEYS and made current (DATA_ENCRYPTION_KEY_ID) in every
 * process, this moves every encrypted column still under an older key to the current one:
 *   IdentityDocument.numberCiphertext (and its keyId)   AAD IdentityDocument.number:<customerId>
 *   IndividualProfile.dateOfBirthCiphertext            AAD IndividualProfile.dateOfBirth:<customerId>
 *   IndividualProfile.creditRecordCiphertext (if set)  AAD IndividualProfile.creditRecord:<customerId>
 *   IndividualProfile.creditBureauCiphertext (if set)  AAD IndividualProfile.creditBureau:<customerId> (§6.1 figures)
 *   FeedbackCase.contactName/contactEmail/contactPhone/summary/descriptionCiphertext (where set)
 *                                                      AAD FeedbackCase.<field>:<caseNo>
 *   FeedbackEvent.bodyCiphertext (where set)           AAD FeedbackEvent.body:<caseNo>:<idempotencyKey>
 *   SurveyResponse.commentCiphertext (where set)       AAD SurveyResponse.comment:<caseNo>:<round>
 *
 * Batches of `batchSize` rows (keyset pagination on each table's key), each in one transaction with
 * its audit record (action keys.rotate: the table, the key range, the key ids before and after, the
 * columns changed; never a value). Every value is decrypted first (reEncrypt), so a value that does
 * not verify is reported, never laundered: it is left as it is (a feedback row's other values are
 * still moved). A row changed by someone else between read and write is left alone (conditional
 * update on every ciphertext read) and counted; running again picks it up. Idempotent: a second run
 * finds nothing to do.
 *
 * FeedbackEvent is append-only (trigger feedback_event_is_append_only in the feedback_departments
 * migration): the one update it allows is re-encrypting bodyCiphertext, and that is the only column
 * written here.
 *
 * Temporal payloads are not touched: histories cannot be rewritten, so an old key stays in the ring
 * (able to decrypt) until the workflows it encrypted are past retention.
 */
import { writeAudit } from '../audit/audit-log';
import type { Db, DbTx } from '../db/client';
import { aad } from '../customers/encrypted-fields';
import { surveyCommentAad } from '../feedback/answer-survey';
import { feedbackAad, type CaseField } from '../feedback/encrypted-fields';
import { requireRole, type Actor } from './auth';
import { DecryptionError, keyIdOf, reEncrypt, TOKEN_VERSION } from './crypto';
import type { KeyRing } from './keyring';

/** AAD of each rotated column: the same functions that encrypt them (create-customer.ts). */
export const ROTATED_AAD = aad;
/** AAD of the feedback columns: the same functions their writers use (src/feedback/). */
export const ROTATED_FEEDBACK_AAD = { caseField: feedbackAad.caseField, eventBody: feedbackAad.eventBody, surveyComment: surveyCommentAad };

export interface ColumnCount {
  /** Values now under the current key. */
  reEncrypted: number;
  /** Values changed by someone else during the run (left for the next run). */
  changedConcurrently: number;
}

export type RotatedTable = 'IdentityDocument' | 'IndividualProfile' | 'FeedbackCase' | 'FeedbackEvent' | 'SurveyResponse';
export type RotatedColumn =
  | 'IdentityDocument.number'
  | 'IndividualProfile.dateOfBirth'
  | 'IndividualProfile.creditRecord'
  | 'IndividualProfile.creditBureau'
  | `FeedbackCase.${CaseField}`
  | 'FeedbackEvent.body'
  | 'SurveyResponse.comment';

export interface RotationFailure {
  column: RotatedColumn;
  /** The row's key: a customer id, a case number, a FeedbackEvent id, or `<caseNo>:<round>` of a survey answer. */
  row: string;
  /** The customer columns' rows: the customer id (as row). */
  customerId?: string;
  /** DecryptionError reason (UNKNOWN_KEY_ID, AUTHENTICATION_FAILED, …) and message; never a value. */
  reason: string;
}

export interface RotationResult {
  currentKeyId: string;
  identityNumbers: ColumnCount;
  datesOfBirth: ColumnCount;
  creditRecords: ColumnCount;
  /** §6.1 the credit bureau figures (IndividualProfile.creditBureauCiphertext). */
  creditBureaus: ColumnCount;
  /** FeedbackCase contact name, e-mail and phone (a non-customer's). */
  feedbackContacts: ColumnCount;
  /** FeedbackCase summary and description. */
  feedbackTexts: ColumnCount;
  /** FeedbackEvent bodies (responses, notes, resolutions). */
  feedbackEventBodies: ColumnCount;
  /** SurveyResponse comments. */
  surveyComments: ColumnCount;
  failures: RotationFailure[];
  batches: number;
}

export interface RotationOptions {
  batchSize: number;
  /** Called after each committed batch. */
  onBatch?: (progress: { table: RotatedTable; rows: number; result: RotationResult }) => void;
}

const BATCH_TX = { maxWait: 10_000, timeout: 120_000 };

export async function rotateKeys(deps: { db: Db; ring: KeyRing }, actor: Actor, options: RotationOptions): Promise<RotationResult> {
  requireRole(actor, 'ADMIN');
  const { db, ring } = deps;
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const current = ring.currentKeyId;
  const currentPrefix = `${TOKEN_VERSION}.${current}.`;
  const result: RotationResult = {
    currentKeyId: current,
    identityNumbers: { reEncrypted: 0, changedConcurrently: 0 },
    datesOfBirth: { reEncrypted: 0, changedConcurrently: 0 },
    creditRecords: { reEncrypted: 0, changedConcurrently: 0 },
    creditBureaus: { reEncrypted: 0, changedConcurrently: 0 },
    feedbackContacts: { reEncrypted: 0, changedConcurrently: 0 },
    feedbackTexts: { reEncrypted: 0, changedConcurrently: 0 },
    feedbackEventBodies: { reEncrypted: 0, changedConcurrently: 0 },
    surveyComments: { reEncrypted: 0, changedConcurrently: 0 },
    failures: [],
    batches: 0,
  };
  /** The token under the current key, or undefined after recording why it cannot be. */
  const rotate = (column: RotationFailure['column'], customerId: string, token: string, aadText: string): string | undefined => {
    try {
      return reEncrypt(ring, token, aadText);
    } catch (err) {
      if (!(err instanceof DecryptionError)) throw err;
      result.failures.push({ column, row: customerId, customerId, reason: `${err.reason}: ${err.message}` });
      return undefined;
    }
  };
  const oldKeyIds = (tokens: string[]) => [...new Set(tokens.map((t) => safeKeyId(t)))].sort();

  // Selection by exact prefix comparison (starts_with), not LIKE: a key id may contain `_`, which
  // Prisma's startsWith passes to LIKE unescaped, so `k_2` would match values under `kX2` and leave them.
  // 1. Identity numbers (keyId column kept in step with the token).
  for (let cursor = ''; ; ) {
    const docs = await db.$queryRaw<{ customerId: string; numberCiphertext: string }[]>`
      SELECT "customerId", "numberCiphertext" FROM "IdentityDocument"
      WHERE "customerId" > ${cursor} AND ("keyId" <> ${current} OR NOT starts_with("numberCiphertext", ${currentPrefix}))
      ORDER BY "customerId" LIMIT ${batchSize}`;
    if (!docs.length) break;
    cursor = docs.at(-1)!.customerId;
    const updates = docs.flatMap((d) => {
      const token = rotate('IdentityDocument.number', d.customerId, d.numberCiphertext, ROTATED_AAD.identityNumber(d.customerId));
      return token ? [{ ...d, token }] : [];
    });
    if (!updates.length) continue;
    const counted = await db.$transaction(async (tx) => {
      let done = 0;
      for (const u of updates) {
        const { count } = await tx.identityDocument.updateMany({
          where: { customerId: u.customerId, numberCiphertext: u.numberCiphertext },
          data: { numberCiphertext: u.token, keyId: current },
        });
        done += count;
      }
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'keys.rotate',
        entity: 'IdentityDocument',
        entityId: `${updates[0]!.customerId}..${updates.at(-1)!.customerId}`,
        changes: { keyId: { before: oldKeyIds(updates.map((u) => u.numberCiphertext)), after: current }, numberCiphertext: 'changed', rows: { before: null, after: done } },
      });
      return done;
    }, BATCH_TX);
    result.identityNumbers.reEncrypted += counted;
    result.identityNumbers.changedConcurrently += updates.length - counted;
    result.batches++;
    options.onBatch?.({ table: 'IdentityDocument', rows: updates.length, result });
  }

  // 2. Individual profiles: date of birth, and the credit record and the §6.1 credit bureau figures where there are.
  for (let cursor = ''; ; ) {
    const profiles = await db.$queryRaw<{ customerId: string; dateOfBirthCiphertext: string; creditRecordCiphertext: string | null; creditBureauCiphertext: string | null }[]>`
      SELECT "customerId", "dateOfBirthCiphertext", "creditRecordCiphertext", "creditBureauCiphertext" FROM "IndividualProfile"
      WHERE "customerId" > ${cursor}
        AND (NOT starts_with("dateOfBirthCiphertext", ${currentPrefix}) OR NOT starts_with("creditRecordCiphertext", ${currentPrefix})
          OR NOT starts_with("creditBureauCiphertext", ${currentPrefix}))
      ORDER BY "customerId" LIMIT ${batchSize}`;
    if (!profiles.length) break;
    cursor = profiles.at(-1)!.customerId;
    const updates = profiles.flatMap((p) => {
      const dob = rotate('IndividualProfile.dateOfBirth', p.customerId, p.dateOfBirthCiphertext, ROTATED_AAD.dateOfBirth(p.customerId));
      const credit =
        p.creditRecordCiphertext === null
          ? null
          : rotate('IndividualProfile.creditRecord', p.customerId, p.creditRecordCiphertext, ROTATED_AAD.creditRecord(p.customerId));
      const bureau =
        p.creditBureauCiphertext === null
          ? null
          : rotate('IndividualProfile.creditBureau', p.customerId, p.creditBureauCiphertext, ROTATED_AAD.creditBureau(p.customerId));
      if (dob === undefined || credit === undefined || bureau === undefined) return []; // one column failed: leave the row as it is
      return [{ ...p, dob, credit, bureau }];
    });
    if (!updates.length) continue;
    const counted = await db.$transaction(async (tx) => {
      let dobs = 0;
      let credits = 0;
      let bureaus = 0;
      let concurrent = 0;
      for (const u of updates) {
        const { count } = await tx.individualProfile.updateMany({
          where: { customerId: u.customerId, dateOfBirthCiphertext: u.dateOfBirthCiphertext, creditRecordCiphertext: u.creditRecordCiphertext, creditBureauCiphertext: u.creditBureauCiphertext },
          data: { dateOfBirthCiphertext: u.dob, creditRecordCiphertext: u.credit, creditBureauCiphertext: u.bureau },
        });
        if (!count) {
          concurrent++;
          continue;
        }
        if (u.dob !== u.dateOfBirthCiphertext) dobs++;
        if (u.credit !== u.creditRecordCiphertext) credits++;
        if (u.bureau !== u.creditBureauCiphertext) bureaus++;
      }
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'keys.rotate',
        entity: 'IndividualProfile',
        entityId: `${updates[0]!.customerId}..${updates.at(-1)!.customerId}`,
        changes: {
          keyId: {
            before: oldKeyIds(updates.flatMap((u) => [u.dateOfBirthCiphertext, ...[u.creditRecordCiphertext, u.creditBureauCiphertext].filter((t): t is string => t !== null)])),
            after: current,
          },
          dateOfBirthCiphertext: 'changed',
          ...(credits ? { creditRecordCiphertext: 'changed' as const } : {}),
          ...(bureaus ? { creditBureauCiphertext: 'changed' as const } : {}),
          rows: { before: null, after: dobs },
        },
      });
      return { dobs, credits, bureaus, concurrent };
    }, BATCH_TX);
    result.datesOfBirth.reEncrypted += counted.dobs;
    result.creditRecords.reEncrypted += counted.credits;
    result.creditBureaus.reEncrypted += counted.bureaus;
    result.datesOfBirth.changedConcurrently += counted.concurrent;
    result.batches++;
    options.onBatch?.({ table: 'IndividualProfile', rows: updates.length, result });
  }

  const feedback: FeedbackRotation = { db, ring, actor, current, result, onBatch: options.onBatch };

  // 3. Feedback cases: a non-customer's contact details, the summary and the description.
  const contacts: CaseField[] = ['contactName', 'contactEmail', 'contactPhone'];
  const texts: CaseField[] = ['summary', 'description'];
  for (let cursor = ''; ; ) {
    const cases = await db.$queryRaw<CaseRow[]>`
      SELECT "caseNo", "contactNameCiphertext", "contactEmailCiphertext", "contactPhoneCiphertext", "summaryCiphertext", "descriptionCiphertext"
      FROM "FeedbackCase"
      WHERE "caseNo" > ${cursor}
        AND (NOT starts_with("contactNameCiphertext", ${currentPrefix}) OR NOT starts_with("contactEmailCiphertext", ${currentPrefix})
          OR NOT starts_with("contactPhoneCiphertext", ${currentPrefix}) OR NOT starts_with("summaryCiphertext", ${currentPrefix})
          OR NOT starts_with("descriptionCiphertext", ${currentPrefix}))
      ORDER BY "caseNo" LIMIT ${batchSize}`;
    if (!cases.length) break;
    cursor = cases.at(-1)!.caseNo;
    await rotateBatch(feedback, {
      table: 'FeedbackCase',
      rows: cases.map((c) => ({
        key: c.caseNo,
        values: [...contacts, ...texts].map((field) => ({
          column: `FeedbackCase.${field}` as const,
          dbColumn: `${field}Ciphertext`,
          token: c[`${field}Ciphertext`],
          aad: ROTATED_FEEDBACK_AAD.caseField(field, c.caseNo),
          count: contacts.includes(field) ? result.feedbackContacts : result.feedbackTexts,
        })),
        // Every ciphertext as read: a case changed meanwhile (a new description, say) is left for the next run.
        update: async (tx, data) =>
          (
            await tx.feedbackCase.updateMany({
              where: {
                caseNo: c.caseNo,
                contactNameCiphertext: c.contactNameCiphertext,
                contactEmailCiphertext: c.contactEmailCiphertext,
                contactPhoneCiphertext: c.contactPhoneCiphertext,
                summaryCiphertext: c.summaryCiphertext,
                descriptionCiphertext: c.descriptionCiphertext,
              },
              data,
            })
          ).count,
      })),
    });
  }

  // 4. The case timelines' bodies. Only bodyCiphertext is written: the trigger refuses any other change.
  for (let cursor = 0n; ; ) {
    const events = await db.$queryRaw<{ id: bigint; caseNo: string; idempotencyKey: string | null; bodyCiphertext: string }[]>`
      SELECT "id", "caseNo", "idempotencyKey", "bodyCiphertext" FROM "FeedbackEvent"
      WHERE "id" > ${cursor} AND NOT starts_with("bodyCiphertext", ${currentPrefix})
      ORDER BY "id" LIMIT ${batchSize}`;
    if (!events.length) break;
    cursor = events.at(-1)!.id;
    await rotateBatch(feedback, {
      table: 'FeedbackEvent',
      rows: events.map((e) => ({
        key: String(e.id),
        values: [
          {
            column: 'FeedbackEvent.body' as const,
            dbColumn: 'bodyCiphertext',
            token: e.bodyCiphertext,
            // Bodies are written with an idempotency key only (src/feedback/cases.ts), which their AAD names.
            aad: e.idempotencyKey === null ? { missing: 'NO_IDEMPOTENCY_KEY: a body without an idempotency key has no AAD to verify it with' } : ROTATED_FEEDBACK_AAD.eventBody(e.caseNo, e.idempotencyKey),
            count: result.feedbackEventBodies,
          },
        ],
        update: async (tx, data) =>
          (await tx.feedbackEvent.updateMany({ where: { id: e.id, bodyCiphertext: e.bodyCiphertext }, data: { bodyCiphertext: data.bodyCiphertext! } })).count,
      })),
    });
  }

  // 5. Survey comments, keyed by (caseNo, round).
  for (let cursor = { caseNo: '', round: 0 }; ; ) {
    const answers = await db.$queryRaw<{ caseNo: string; round: number; commentCiphertext: string }[]>`
      SELECT "caseNo", "round", "commentCiphertext" FROM "SurveyResponse"
      WHERE ("caseNo", "round") > (${cursor.caseNo}::text, ${cursor.round}::int) AND NOT starts_with("commentCiphertext", ${currentPrefix})
      ORDER BY "caseNo", "round" LIMIT ${batchSize}`;
    if (!answers.length) break;
    const last = answers.at(-1)!;
    cursor = { caseNo: last.caseNo, round: last.round };
    await rotateBatch(feedback, {
      table: 'SurveyResponse',
      rows: answers.map((a) => ({
        key: `${a.caseNo}:${a.round}`,
        values: [
          {
            column: 'SurveyResponse.comment' as const,
            dbColumn: 'commentCiphertext',
            token: a.commentCiphertext,
            aad: ROTATED_FEEDBACK_AAD.surveyComment(a.caseNo, a.round),
            count: result.surveyComments,
          },
        ],
        update: async (tx, data) =>
          (
            await tx.surveyResponse.updateMany({
              where: { caseNo: a.caseNo, round: a.round, commentCiphertext: a.commentCiphertext },
              data: { commentCiphertext: data.commentCiphertext! },
            })
          ).count,
      })),
    });
  }
  return result;
}

type CaseRow = { caseNo: string; summaryCiphertext: string } & Record<`${Exclude<CaseField, 'summary'>}Ciphertext`, string | null>;

interface FeedbackRotation {
  db: Db;
  ring: KeyRing;
  actor: Actor;
  current: string;
  result: RotationResult;
  onBatch: RotationOptions['onBatch'];
}

interface RotatedValue {
  column: RotatedColumn;
  dbColumn: string;
  /** The stored token, or null where the column is empty. */
  token: string | null;
  /** The AAD it was encrypted with, or why there is none (a failure). */
  aad: string | { missing: string };
  /** The result's counter for this column. */
  count: ColumnCount;
}

interface RotatedRow {
  key: string;
  values: RotatedValue[];
  /** Writes `data` (new tokens by column) if the row still holds every value as read; the rows written (0 or 1). */
  update: (tx: DbTx, data: Record<string, string>) => Promise<number>;
}

/**
 * One batch of feedback rows: each value re-encrypted (or its failure recorded, the value left as it
 * is), then one transaction with a conditional update per row and the batch's audit record.
 */
async function rotateBatch(f: FeedbackRotation, batch: { table: RotatedTable; rows: RotatedRow[] }): Promise<void> {
  const planned = batch.rows.flatMap((row) => {
    const changes = row.values.flatMap((v) => {
      if (v.token === null) return [];
      if (typeof v.aad !== 'string') {
        f.result.failures.push({ column: v.column, row: row.key, reason: v.aad.missing });
        return [];
      }
      try {
        const token = reEncrypt(f.ring, v.token, v.aad);
        return token === v.token ? [] : [{ value: v, token }];
      } catch (err) {
        if (!(err instanceof DecryptionError)) throw err;
        f.result.failures.push({ column: v.column, row: row.key, reason: `${err.reason}: ${err.message}` });
        return [];
      }
    });
    return changes.length ? [{ row, changes }] : [];
  });
  if (!planned.length) return;
  const written = await f.db.$transaction(async (tx) => {
    const done: typeof planned = [];
    for (const p of planned) {
      const count = await p.row.update(tx, Object.fromEntries(p.changes.map((c) => [c.value.dbColumn, c.token])));
      if (count) done.push(p);
    }
    const changedColumns = [...new Set(done.flatMap((p) => p.changes.map((c) => c.value.dbColumn)))].sort();
    await writeAudit(tx, {
      actorStaffId: f.actor.staffId,
      action: 'keys.rotate',
      entity: batch.table,
      entityId: `${planned[0]!.row.key}..${planned.at(-1)!.row.key}`,
      changes: {
        keyId: { before: [...new Set(planned.flatMap((p) => p.changes.map((c) => safeKeyId(c.value.token!))))].sort(), after: f.current },
        ...Object.fromEntries(changedColumns.map((column) => [column, 'changed' as const])),
        rows: { before: null, after: done.length },
      },
    });
    return new Set(done);
  }, BATCH_TX);
  for (const p of planned) {
    for (const c of p.changes) {
      if (written.has(p)) c.value.count.reEncrypted++;
      else c.value.count.changedConcurrently++;
    }
  }
  f.result.batches++;
  f.onBatch?.({ table: batch.table, rows: planned.length, result: f.result });
}

function safeKeyId(token: string): string {
  try {
    return keyIdOf(token);
  } catch {
    return '?';
  }
}
