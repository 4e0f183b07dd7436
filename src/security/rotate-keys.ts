/**
 * Use case (§3.1 "customer data is protected in storage … (encryption)"): key rotation. After a new
 * data key is added to DATA_ENCRYPTION_KEYS and made current (DATA_ENCRYPTION_KEY_ID) in every
 * process, this moves every encrypted column still under an older key to the current one:
 *   IdentityDocument.numberCiphertext (and its keyId)   AAD IdentityDocument.number:<customerId>
 *   IndividualProfile.dateOfBirthCiphertext            AAD IndividualProfile.dateOfBirth:<customerId>
 *   IndividualProfile.creditRecordCiphertext (if set)  AAD IndividualProfile.creditRecord:<customerId>
 *
 * Batches of `batchSize` customers, each in one transaction with its audit record. Every value is
 * decrypted first (reEncrypt), so a value that does not verify is reported, never laundered. A row
 * changed by someone else between read and write is left alone (conditional update) and counted;
 * running again picks it up. Idempotent: a second run finds nothing to do.
 *
 * Temporal payloads are not touched: histories cannot be rewritten, so an old key stays in the ring
 * (able to decrypt) until the workflows it encrypted are past retention.
 */
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/client';
import { aad } from '../customers/encrypted-fields';
import { requireRole, type Actor } from './auth';
import { DecryptionError, keyIdOf, reEncrypt, TOKEN_VERSION } from './crypto';
import type { KeyRing } from './keyring';

/** AAD of each rotated column: the same functions that encrypt them (create-customer.ts). */
export const ROTATED_AAD = aad;

export interface ColumnCount {
  /** Values now under the current key. */
  reEncrypted: number;
  /** Values changed by someone else during the run (left for the next run). */
  changedConcurrently: number;
}

export interface RotationFailure {
  column: 'IdentityDocument.number' | 'IndividualProfile.dateOfBirth' | 'IndividualProfile.creditRecord';
  customerId: string;
  /** DecryptionError reason (UNKNOWN_KEY_ID, AUTHENTICATION_FAILED, …) and message; never a value. */
  reason: string;
}

export interface RotationResult {
  currentKeyId: string;
  identityNumbers: ColumnCount;
  datesOfBirth: ColumnCount;
  creditRecords: ColumnCount;
  failures: RotationFailure[];
  batches: number;
}

export interface RotationOptions {
  batchSize: number;
  /** Called after each committed batch. */
  onBatch?: (progress: { table: 'IdentityDocument' | 'IndividualProfile'; rows: number; result: RotationResult }) => void;
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
    failures: [],
    batches: 0,
  };
  /** The token under the current key, or undefined after recording why it cannot be. */
  const rotate = (column: RotationFailure['column'], customerId: string, token: string, aadText: string): string | undefined => {
    try {
      return reEncrypt(ring, token, aadText);
    } catch (err) {
      if (!(err instanceof DecryptionError)) throw err;
      result.failures.push({ column, customerId, reason: `${err.reason}: ${err.message}` });
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

  // 2. Individual profiles: date of birth, and the credit record where there is one.
  for (let cursor = ''; ; ) {
    const profiles = await db.$queryRaw<{ customerId: string; dateOfBirthCiphertext: string; creditRecordCiphertext: string | null }[]>`
      SELECT "customerId", "dateOfBirthCiphertext", "creditRecordCiphertext" FROM "IndividualProfile"
      WHERE "customerId" > ${cursor}
        AND (NOT starts_with("dateOfBirthCiphertext", ${currentPrefix}) OR NOT starts_with("creditRecordCiphertext", ${currentPrefix}))
      ORDER BY "customerId" LIMIT ${batchSize}`;
    if (!profiles.length) break;
    cursor = profiles.at(-1)!.customerId;
    const updates = profiles.flatMap((p) => {
      const dob = rotate('IndividualProfile.dateOfBirth', p.customerId, p.dateOfBirthCiphertext, ROTATED_AAD.dateOfBirth(p.customerId));
      const credit =
        p.creditRecordCiphertext === null
          ? null
          : rotate('IndividualProfile.creditRecord', p.customerId, p.creditRecordCiphertext, ROTATED_AAD.creditRecord(p.customerId));
      if (dob === undefined || credit === undefined) return []; // one column failed: leave the row as it is
      return [{ ...p, dob, credit }];
    });
    if (!updates.length) continue;
    const counted = await db.$transaction(async (tx) => {
      let dobs = 0;
      let credits = 0;
      let concurrent = 0;
      for (const u of updates) {
        const { count } = await tx.individualProfile.updateMany({
          where: { customerId: u.customerId, dateOfBirthCiphertext: u.dateOfBirthCiphertext, creditRecordCiphertext: u.creditRecordCiphertext },
          data: { dateOfBirthCiphertext: u.dob, creditRecordCiphertext: u.credit },
        });
        if (!count) {
          concurrent++;
          continue;
        }
        if (u.dob !== u.dateOfBirthCiphertext) dobs++;
        if (u.credit !== u.creditRecordCiphertext) credits++;
      }
      await writeAudit(tx, {
        actorStaffId: actor.staffId,
        action: 'keys.rotate',
        entity: 'IndividualProfile',
        entityId: `${updates[0]!.customerId}..${updates.at(-1)!.customerId}`,
        changes: {
          keyId: { before: oldKeyIds(updates.flatMap((u) => [u.dateOfBirthCiphertext, ...(u.creditRecordCiphertext ? [u.creditRecordCiphertext] : [])])), after: current },
          dateOfBirthCiphertext: 'changed',
          ...(credits ? { creditRecordCiphertext: 'changed' as const } : {}),
          rows: { before: null, after: dobs },
        },
      });
      return { dobs, credits, concurrent };
    }, BATCH_TX);
    result.datesOfBirth.reEncrypted += counted.dobs;
    result.creditRecords.reEncrypted += counted.credits;
    result.datesOfBirth.changedConcurrently += counted.concurrent;
    result.batches++;
    options.onBatch?.({ table: 'IndividualProfile', rows: updates.length, result });
  }
  return result;
}

function safeKeyId(token: string): string {
  try {
    return keyIdOf(token);
  } catch {
    return '?';
  }
}
