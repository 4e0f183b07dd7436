/**
 * §3.1 "every access to and change of customer data is recorded" — and a record cannot be changed or
 * removed unseen (issue 13, tamper evidence). Every AuditLog record carries its place in one chain
 * (`seq` 1, 2, …), the hash of the record before it (`prevHash`, 64 zeros for the first) and its own
 * `hash`: SHA-256 over a canonical JSON array of its content and prevHash (`canonicalAuditRecord`).
 *
 * The database makes the chain as records are inserted (trigger "AuditLog_chain", migration
 * audit_chain: one advisory lock, so any number of API and worker processes make one chain, whatever
 * path they write by); this module computes the same hash independently and proves the chain:
 * `verifyAuditChain` (`ccm audit verify`) names the first broken link and why —
 *  - content changed: the record's hash is not the hash of what it says now (an UPDATE of any field);
 *  - previous hash mismatch: its prevHash is not the hash of the record before it, or records are
 *    missing between the two (a DELETE, or a record put in);
 *  - not sealed: a record without a place in the chain (inserted with the trigger disabled).
 * A deletion of the newest records leaves a shorter valid chain: keep the head it prints (seq and
 * hash) somewhere else and compare (`--expect-head`).
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/client';

/** The prevHash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);
/** The first element of every canonical record: a new layout gets a new version. */
export const CHAIN_VERSION = 'ccm.audit.v1';
/** Records read per query while verifying. */
export const VERIFY_PAGE_SIZE = 5000;

/** What a record's hash covers, as stored (ids and seq as decimal text; `changes` as PostgreSQL's jsonb text). */
export interface ChainedRecordContent {
  seq: bigint;
  prevHash: string;
  id: bigint;
  at: Date;
  actorStaffId: string | null;
  action: string;
  entity: string;
  entityId: string;
  customerId: string | null;
  /** `changes::text`: the jsonb's normal form (keys ordered, no duplicates), or null. */
  changesText: string | null;
  requestId: string | null;
  idempotencyKey: string | null;
}

/**
 * The canonical text of a record: a JSON array of strings and nulls in a fixed field order (never an
 * object, so no key order to agree on), no whitespace. The trigger builds the same text in SQL.
 */
export function canonicalAuditRecord(r: ChainedRecordContent): string {
  return JSON.stringify([
    CHAIN_VERSION,
    r.seq.toString(),
    r.prevHash,
    r.id.toString(),
    r.at.toISOString(),
    r.actorStaffId,
    r.action,
    r.entity,
    r.entityId,
    r.customerId,
    r.changesText,
    r.requestId,
    r.idempotencyKey,
  ]);
}

/** SHA-256 (hex) of the canonical text (UTF-8). */
export const auditRecordHash = (r: ChainedRecordContent): string => createHash('sha256').update(canonicalAuditRecord(r), 'utf8').digest('hex');

export type BrokenLinkReason = 'content changed' | 'previous hash mismatch' | 'not sealed';

export interface BrokenLink {
  id: string;
  seq: string | null;
  reason: BrokenLinkReason;
  /** What exactly does not hold, in words. */
  detail: string;
}

export type ChainVerdict =
  | { ok: true; count: number; head: { seq: string; hash: string } | null }
  | { ok: false; count: number; broken: BrokenLink };

interface StoredRecord extends Omit<ChainedRecordContent, 'seq' | 'prevHash'> {
  seq: bigint;
  prevHash: string | null;
  hash: string | null;
}

/**
 * Walks the chain in seq order and checks each link: its own hash (content changed), its seq and
 * prevHash against the record before it (previous hash mismatch). `count`: the records checked
 * (up to the broken one). Records outside the chain are reported (not sealed) before any walk.
 * `expectHead`: a head seen earlier (e.g. printed by an earlier verify): the chain must still
 * contain it at that seq — a shortened chain is found this way.
 */
export async function verifyAuditChain(db: Db, opts: { pageSize?: number; expectHead?: { seq: bigint; hash: string } } = {}): Promise<ChainVerdict> {
  const pageSize = opts.pageSize ?? VERIFY_PAGE_SIZE;
  const [unsealed] = await db.$queryRaw<{ id: bigint }[]>`SELECT id FROM "AuditLog" WHERE seq IS NULL OR hash IS NULL OR "prevHash" IS NULL ORDER BY id LIMIT 1`;
  if (unsealed) {
    return { ok: false, count: 0, broken: { id: unsealed.id.toString(), seq: null, reason: 'not sealed', detail: 'the record has no place in the chain (written with the chain trigger disabled?)' } };
  }
  let count = 0;
  let previous: { seq: bigint; hash: string; id: bigint } | null = null;
  let expectedHeadSeen = opts.expectHead === undefined;
  for (;;) {
    const after: bigint = previous?.seq ?? 0n;
    const rows: StoredRecord[] = await db.$queryRaw<StoredRecord[]>`
      SELECT id, seq, "prevHash", hash, at, "actorStaffId", action, entity, "entityId", "customerId",
             changes::text AS "changesText", "requestId", "idempotencyKey"
        FROM "AuditLog" WHERE seq > ${after} ORDER BY seq LIMIT ${pageSize}`;
    for (const row of rows) {
      const broken = checkLink(row, previous);
      if (broken) return { ok: false, count, broken };
      count += 1;
      if (opts.expectHead && row.seq === opts.expectHead.seq) {
        if (row.hash !== opts.expectHead.hash) {
          return { ok: false, count, broken: { id: row.id.toString(), seq: row.seq.toString(), reason: 'content changed', detail: `the record at seq ${row.seq} is not the head seen before (hash ${opts.expectHead.hash.slice(0, 12)}…): the chain from there was rewritten` } };
        }
        expectedHeadSeen = true;
      }
      previous = { seq: row.seq, hash: row.hash!, id: row.id };
    }
    if (rows.length < pageSize) break;
  }
  if (!expectedHeadSeen && opts.expectHead) {
    const at = previous ? `it ends at seq ${previous.seq} (record ${previous.id})` : 'it is empty';
    return { ok: false, count, broken: { id: previous?.id.toString() ?? '-', seq: previous?.seq.toString() ?? null, reason: 'previous hash mismatch', detail: `the chain no longer reaches the head seen before (seq ${opts.expectHead.seq}); ${at}: newest records deleted` } };
  }
  return { ok: true, count, head: previous ? { seq: previous.seq.toString(), hash: previous.hash } : null };
}

/** The first thing wrong with `row` as the successor of `previous` (null: the first record), or null. */
export function checkLink(row: StoredRecord, previous: { seq: bigint; hash: string; id: bigint } | null): BrokenLink | null {
  const id = row.id.toString();
  const seq = row.seq.toString();
  const recomputed = auditRecordHash({ ...row, prevHash: row.prevHash ?? '' });
  if (recomputed !== row.hash) {
    return { id, seq, reason: 'content changed', detail: 'the record no longer has the content its hash was made from' };
  }
  const expectedSeq = (previous?.seq ?? 0n) + 1n;
  const expectedPrev = previous?.hash ?? GENESIS_HASH;
  if (row.seq !== expectedSeq) {
    const last = row.seq - 1n;
    const gap =
      row.seq < expectedSeq ? `seq ${row.seq} follows seq ${previous?.seq ?? 0n}` : last === expectedSeq ? `the record at seq ${expectedSeq} is missing (deleted)` : `the records at seq ${expectedSeq}–${last} are missing (deleted)`;
    return { id, seq, reason: 'previous hash mismatch', detail: `${gap}; the record before it in the chain is ${previous ? `record ${previous.id}` : 'none'}` };
  }
  if (row.prevHash !== expectedPrev) {
    return { id, seq, reason: 'previous hash mismatch', detail: previous ? `its prevHash is not the hash of record ${previous.id} (seq ${previous.seq}), the record before it` : 'the first record must link to the genesis hash (64 zeros)' };
  }
  return null;
}
