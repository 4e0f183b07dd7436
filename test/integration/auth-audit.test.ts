/**
 * §3.1 on the real database: API keys (only their hash stored; revoked and inactive refused; roles
 * checked) and the audit log (written in the change's transaction; append-only; no sensitive values).
 */
import type { Db } from '../../src/db/client';
import { authenticate, AuthenticationError, ForbiddenError, hashApiKey, issueApiKey, requireRole, revokeApiKey } from '../../src/security/auth';
import { diffFields, writeAudit } from '../../src/audit/audit-log';
import { createStaff, testDb, unique } from '../support/fixtures';

let db: Db;
beforeAll(() => {
  db = testDb();
});
afterAll(() => db.$disconnect());

const now = new Date('2026-11-28T12:00:00Z');

describe('API keys (§3.1: no anonymous access, access by role)', () => {
  test('an issued key authenticates its staff member with their roles; only its hash is stored', async () => {
    const staff = await createStaff(db, 'Ann Auditor', ['SUPERVISOR']);
    const { id, key } = await issueApiKey(db, staff.id, 'laptop');
    expect(key).toMatch(/^ccm_[A-Za-z0-9_-]{43}$/);
    expect(await authenticate(db, `Bearer ${key}`, now)).toEqual({ staffId: staff.id, roles: ['SUPERVISOR'] });
    const row = await db.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row.keyHash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.lastUsedAt).toEqual(now);
  });

  test.each([
    [undefined, 'missing Authorization header (Bearer API key)'],
    ['Basic abc', 'Authorization must be "Bearer ccm_…"'],
    ['Bearer ccm_not-a-real-key', 'unknown API key'],
  ])('%s → refused: %s', async (header, message) => {
    await expect(authenticate(db, header, now)).rejects.toThrow(new AuthenticationError(message));
  });

  test('a revoked key and the key of an inactive staff member are refused', async () => {
    const staff = await createStaff(db, 'Rae Revoked');
    const first = await issueApiKey(db, staff.id, 'old');
    await revokeApiKey(db, first.id, now);
    await expect(authenticate(db, `Bearer ${first.key}`, now)).rejects.toThrow(`API key ${first.id} was revoked at ${now.toISOString()}: ask an ADMIN for a new key`);
    const second = await issueApiKey(db, staff.id, 'new');
    await db.staffMember.update({ where: { id: staff.id }, data: { active: false } });
    await expect(authenticate(db, `Bearer ${second.key}`, now)).rejects.toThrow('inactive');
  });

  test('requireRole names the roles needed and held', () => {
    expect(() => requireRole({ staffId: 's1', roles: ['AUDITOR'] }, 'AUDITOR', 'ADMIN')).not.toThrow();
    expect(() => requireRole({ staffId: 's1', roles: ['CUSTOMER_SERVICE'] }, 'AUDITOR')).toThrow(
      new ForbiddenError('requires one of the roles AUDITOR; staff member s1 has CUSTOMER_SERVICE'),
    );
  });
});

describe('audit log (§3.1: every change recorded)', () => {
  test('the record commits with the change, and rolls back with it', async () => {
    const entityId = unique('ent');
    await db.$transaction(async (tx) => writeAudit(tx, { actorStaffId: null, action: 'customer.update', entity: 'Customer', entityId }));
    await expect(
      db.$transaction(async (tx) => {
        await writeAudit(tx, { actorStaffId: null, action: 'customer.update', entity: 'Customer', entityId });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await db.auditLog.count({ where: { entityId } })).toBe(1);
  });

  test('it is append-only: UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    const entityId = unique('ent');
    await db.$transaction(async (tx) => writeAudit(tx, { actorStaffId: null, action: 'customer.read', entity: 'Customer', entityId }));
    await expect(db.auditLog.updateMany({ where: { entityId }, data: { action: 'y' } })).rejects.toThrow(/append-only: UPDATE/);
    await expect(db.auditLog.deleteMany({ where: { entityId } })).rejects.toThrow(/append-only: DELETE/);
    await expect(db.$executeRawUnsafe('TRUNCATE "AuditLog"')).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await db.auditLog.count({ where: { entityId, action: 'customer.read' } })).toBe(1);
  });

  test('diffFields records before/after of changed fields, and only "changed" for sensitive ones', () => {
    expect(
      diffFields({ email: 'a@x.test', phone: '+12025550100', identityNumber: '123456789' }, { email: 'b@x.test', phone: '+12025550100', identityNumber: '987654321' }, ['identityNumber']),
    ).toEqual({ email: { before: 'a@x.test', after: 'b@x.test' }, identityNumber: 'changed' });
    expect(diffFields(null, { email: 'a@x.test' })).toEqual({ email: { before: null, after: 'a@x.test' } });
  });
});
