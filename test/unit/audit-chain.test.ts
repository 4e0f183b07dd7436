/**
 * §3.1 tamper evidence of the audit log (issue 13): the record hash (src/audit/chain.ts) — canonical
 * JSON with a stable field order, the same text the database trigger hashes — and the link check
 * that `ccm audit verify` applies to each record.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { auditRecordHash, canonicalAuditRecord, checkLink, GENESIS_HASH, type ChainedRecordContent } from '../../src/audit/chain';

const record = (over: Partial<ChainedRecordContent> = {}): ChainedRecordContent => ({
  seq: 1n,
  prevHash: GENESIS_HASH,
  id: 17n,
  at: new Date('2026-12-03T19:52:15.123Z'),
  actorStaffId: 'stf-ann',
  action: 'customer.update',
  entity: 'Customer',
  entityId: 'cus_1',
  customerId: 'cus_1',
  changesText: '{"email": {"after": "b@x.test", "before": "a@x.test"}}',
  requestId: 'req-1',
  idempotencyKey: null,
  ...over,
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the canonical record (what the hash covers)', () => {
  test('a JSON array in a fixed field order: version, seq, prevHash, id, at (UTC, ms), actor, action, entity, entityId, customerId, changes, requestId, idempotencyKey', () => {
    expect(canonicalAuditRecord(record())).toBe(
      `["ccm.audit.v1","1","${GENESIS_HASH}","17","2026-12-03T19:52:15.123Z","stf-ann","customer.update","Customer","cus_1","cus_1",` +
        `"{\\"email\\": {\\"after\\": \\"b@x.test\\", \\"before\\": \\"a@x.test\\"}}","req-1",null]`,
    );
  });

  test('the hash is SHA-256 (hex) of that text, in UTF-8', () => {
    const r = record({ actorStaffId: 'stf-Zoë', changesText: null });
    expect(auditRecordHash(r)).toBe(sha256(canonicalAuditRecord(r)));
    expect(auditRecordHash(r)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('stable: the same content gives the same hash however the object was built (key order of the input does not matter)', () => {
    const a = record();
    const reversed = Object.fromEntries(Object.entries(a).reverse()) as unknown as ChainedRecordContent;
    expect(auditRecordHash(reversed)).toBe(auditRecordHash(a));
  });

  test('null and the empty string differ; quotes, backslashes and line breaks are escaped as JSON, not lost', () => {
    expect(auditRecordHash(record({ requestId: null }))).not.toBe(auditRecordHash(record({ requestId: '' })));
    const tricky = record({ entityId: 'a"b\\c\nd\u0001é' });
    expect(canonicalAuditRecord(tricky)).toContain('"a\\"b\\\\c\\nd\\u0001é"');
    expect(JSON.parse(canonicalAuditRecord(tricky))[8]).toBe('a"b\\c\nd\u0001é');
  });

  test('a field value cannot move into its neighbour unseen (an array, not concatenated text)', () => {
    expect(auditRecordHash(record({ entity: 'Customer', entityId: 'x' }))).not.toBe(auditRecordHash(record({ entity: 'Customerx', entityId: '' })));
  });

  test('any change of any field changes the hash', () => {
    const fields = ['seq', 'prevHash', 'id', 'at', 'actorStaffId', 'action', 'entity', 'entityId', 'customerId', 'changesText', 'requestId', 'idempotencyKey'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.string({ minLength: 1, maxLength: 20 }), (field, text) => {
        const base = record();
        const changed: ChainedRecordContent = { ...base };
        if (field === 'seq' || field === 'id') changed[field] = base[field] + BigInt(text.length);
        else if (field === 'at') changed.at = new Date(base.at.getTime() + text.length);
        else changed[field] = `${base[field] ?? ''}${text}`;
        return auditRecordHash(changed) !== auditRecordHash(base);
      }),
    );
  });
});

describe('a link of the chain (checkLink)', () => {
  /** A valid chain of n records, as stored (hash set). */
  const chain = (n: number) => {
    const out: (ChainedRecordContent & { hash: string })[] = [];
    for (let i = 1; i <= n; i++) {
      const r = record({ seq: BigInt(i), id: BigInt(100 + i), prevHash: out[i - 2]?.hash ?? GENESIS_HASH, entityId: `cus_${i}` });
      out.push({ ...r, hash: auditRecordHash(r) });
    }
    return out;
  };
  const prev = (r: { seq: bigint; hash: string; id: bigint } | undefined) => (r ? { seq: r.seq, hash: r.hash, id: r.id } : null);

  test('an intact chain has no broken link', () => {
    const c = chain(4);
    c.forEach((r, i) => expect(checkLink(r, prev(c[i - 1]))).toBeNull());
  });

  test('a record whose content changed is named: content changed', () => {
    const c = chain(3);
    const tampered = { ...c[1]!, action: 'customer.read' };
    expect(checkLink(tampered, prev(c[0]))).toMatchObject({ id: '102', seq: '2', reason: 'content changed' });
  });

  test('a deleted record is found at the record after it: previous hash mismatch, naming the missing seq', () => {
    const c = chain(4);
    expect(checkLink(c[2]!, prev(c[0]))).toEqual({
      id: '103',
      seq: '3',
      reason: 'previous hash mismatch',
      detail: 'the record at seq 2 is missing (deleted); the record before it in the chain is record 101',
    });
  });

  test('a record rewritten with a fresh hash is found at its successor', () => {
    const c = chain(3);
    const rewritten = { ...c[1]!, action: 'customer.read' };
    const resealed = { ...rewritten, hash: auditRecordHash(rewritten) };
    expect(checkLink(resealed, prev(c[0]))).toBeNull();
    expect(checkLink(c[2]!, prev(resealed))).toMatchObject({ id: '103', reason: 'previous hash mismatch' });
  });

  test('the first record links to the genesis hash', () => {
    const r = record({ prevHash: 'f'.repeat(64) });
    expect(checkLink({ ...r, hash: auditRecordHash(r) }, null)).toMatchObject({ reason: 'previous hash mismatch', detail: expect.stringContaining('genesis') });
  });
});
