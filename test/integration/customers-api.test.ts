/**
 * The customer API end to end on real parts: HTTP (real port) → use cases → PostgreSQL, and the
 * onboarding workflow on the Temporal dev server with a worker running the real activities (payloads
 * encrypted by the codec, both sides). Clause ids: ../shared/policy.md.
 *   §3.1 every request authenticated, access by role and need, identity numbers encrypted and masked,
 *        every access and change recorded;
 *   §2.3 first contact (step 1), deeper profile (step 2), review with maker-checker (step 3);
 *   §3.2 dynamic update with optimistic concurrency; §2.1 / §4 re-classification and service tier.
 */
import { randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { aad } from '../../src/customers/encrypted-fields';
import type { Db } from '../../src/db/client';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { revokeApiKey } from '../../src/security/auth';
import { decryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import type { OnboardingState } from '../../workflows/onboarding';
import { apiCaller, individualBody, mediumEnterpriseBody, staffWithKey, staffWithKeys, type ApiStaff } from '../support/api';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';

const MAIL_FROM = 'care@bank.test';
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.11-98' });
const ring = developmentKeyRing();

let stack: ApiStack;
let db: Db;
let baseUrl: string;
let temporal: Client;

/** One staff member per role (and a maker who is also an AUDITOR, for maker-checker). */
const staff = {} as Record<'admin' | 'cs' | 'auditor' | 'risk' | 'supervisor' | 'rm' | 'makerAuditor', ApiStaff>;
const call = apiCaller(() => baseUrl);

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring, api: { mailbox: { list: async () => [], read: async () => undefined } } });
  ({ db, temporal, baseUrl } = stack);
  await staffWithKeys(db, staff, { admin: ['ADMIN'], cs: ['CUSTOMER_SERVICE'], auditor: ['AUDITOR'], risk: ['RISK_OFFICER'], supervisor: ['SUPERVISOR'], rm: ['RELATIONSHIP_MANAGER'], makerAuditor: ['CUSTOMER_SERVICE', 'AUDITOR'] });
});

afterAll(async () => {
  await stack?.stop();
});

/** A valid SSN ending in `last4` (areas 100–665, never 666 or 9xx; group ≠ 00). */
function ssn(last4 = '6789'): { dashed: string; digits: string } {
  const area = String(randomInt(100, 666));
  const group = String(randomInt(10, 100));
  return { dashed: `${area}-${group}-${last4}`, digits: `${area}${group}${last4}` };
}
/** A valid EIN (prefix 12, Andover) ending in `last4`. */
const ein = (last4 = '6789') => `12-${String(randomInt(100, 1000))}${last4}`;

/** An individual of the REGULAR tier (assets USD 50,000), the SSN ending in 6789. */
const individual = (overrides: Record<string, unknown> = {}) => individualBody({ identity: { kind: 'SSN', number: ssn().dashed }, ...overrides });
/** A MEDIUM enterprise with assets of USD 5,000,000, the EIN ending in 6789. */
const enterprise = (overrides: Record<string, unknown> = {}) => mediumEnterpriseBody({ totalAssetsUsd: 5_000_000, identity: { kind: 'EIN', number: ein() }, ...overrides });

async function create(body: unknown, as: ApiStaff = staff.cs): Promise<any> {
  const res = await call('POST', '/customers', { as, body });
  expect([res.status, res.body?.issues]).toEqual([201, undefined]);
  return res.body;
}

/** Approves through the API as the AUDITOR and waits for the onboarding workflow to finish. */
async function approve(customerId: string): Promise<OnboardingState> {
  const res = await call('POST', `/reviews/${customerId}/decision`, { as: staff.auditor, body: { decision: 'APPROVE' } });
  expect([res.status, res.body?.message]).toEqual([200, undefined]);
  return temporal.workflow.getHandle(`onboarding-${customerId}`).result() as Promise<OnboardingState>;
}

const auditRows = (where: { customerId?: string; action?: string; actorStaffId?: string }) => db.auditLog.findMany({ where, orderBy: { id: 'asc' } });

// ─────────────────────────────── §3.1 authentication and roles ───────────────────────────────

describe('§3.1 every request is authenticated', () => {
  const routes: [string, string, unknown?][] = [
    ['POST', '/staff', { id: 'x', name: 'X', email: 'x@bank.test', roles: ['ADMIN'] }],
    ['GET', '/staff/admin'],
    ['POST', '/reminders', { key: 'k' }],
    ['GET', '/reminders/k'],
    ['POST', '/reminders/k/acknowledge', { staffId: 'x' }],
    ['POST', '/customers', { type: 'INDIVIDUAL' }],
    ['GET', '/customers'],
    ['GET', '/customers/cus_x'],
    ['PATCH', '/customers/cus_x', { email: 'a@b.test', version: 1 }],
    ['POST', '/customers/cus_x/profile', { totalAssetsUsd: 1, version: 1 }],
    ['GET', '/reviews/pending'],
    ['POST', '/reviews/cus_x/decision', { decision: 'APPROVE' }],
    ['GET', '/audit?customerId=cus_x'],
    ['GET', '/mail'],
    ['GET', '/mail/m1'],
    ['GET', '/no-such-route'],
  ];

  test.each([
    ['no Authorization header', null],
    ['an unknown key', 'Bearer ccm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['another scheme', 'Basic YWRtaW46YWRtaW4='],
  ])('§3.1 %s → 401 with a Bearer challenge on every protected route, nothing written', async (_label, authorization) => {
    const customers = await db.customer.count();
    for (const [method, path, body] of routes) {
      const res = await call(method, path, { body, headers: authorization ? { authorization } : {} });
      expect([method, path, res.status, res.headers.get('www-authenticate'), res.body?.error]).toEqual([method, path, 401, 'Bearer', 'unauthenticated']);
      expect(typeof res.body.message).toBe('string');
    }
    expect(await db.customer.count()).toBe(customers);
    expect(await db.staffMember.findUnique({ where: { id: 'x' } })).toBeNull();
    expect(await db.auditLog.count({ where: { actorStaffId: null, action: { startsWith: 'customer.' } } })).toBe(0);
  });

  test('§3.1 the key is checked before the body is read: malformed JSON without a key → 401, not 400', async () => {
    expect((await call('POST', '/customers', { body: '{"type":' })).status).toBe(401);
    expect((await call('POST', '/customers', { as: staff.cs, body: '{"type":' })).status).toBe(400);
  });

  test('§3.1 a revoked key → 401', async () => {
    const s = await staffWithKey(db, 'revoked', ['ADMIN']);
    expect((await call('GET', '/customers', { as: s })).status).toBe(200);
    const row = await db.apiKey.findFirstOrThrow({ where: { staffId: s.id } });
    await revokeApiKey(db, row.id, new Date());
    expect((await call('GET', '/customers', { as: s })).body).toMatchObject({ error: 'unauthenticated', message: expect.stringMatching(new RegExp(`^API key ${row.id} was revoked at .+: ask an ADMIN for a new key$`)) });
  });

  test('GET /health and the OpenAPI document need no key; the document names the customer routes and the bearer scheme', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
    const doc = await call('GET', '/docs/json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/customers', '/customers/{id}', '/customers/{id}/profile', '/reviews/pending', '/reviews/{customerId}/decision', '/audit']),
    );
    expect(doc.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.body.paths['/customers'].post.requestBody.content['application/json'].schema.oneOf).toHaveLength(2);
    expect(Object.keys(doc.body.paths['/customers/{id}'].patch.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['email', 'phone', 'contactPreferences', 'version']),
    );
  });
});

describe('§3.1 no one acts beyond their role', () => {
  test.each([
    ['a CUSTOMER_SERVICE registers staff', 'cs', 'POST', '/staff', { id: 'y', name: 'Y', email: 'y@bank.test', roles: ['ADMIN'] }],
    ['an AUDITOR registers a customer', 'auditor', 'POST', '/customers', { type: 'INDIVIDUAL' }],
    ['a RISK_OFFICER registers a customer', 'risk', 'POST', '/customers', { type: 'INDIVIDUAL' }],
    ['a CUSTOMER_SERVICE reads the review queue', 'cs', 'GET', '/reviews/pending', undefined],
    ['a RELATIONSHIP_MANAGER decides a review', 'rm', 'POST', '/reviews/cus_x/decision', { decision: 'APPROVE' }],
    ['a SUPERVISOR decides a review', 'supervisor', 'POST', '/reviews/cus_x/decision', { decision: 'APPROVE' }],
    ['a CUSTOMER_SERVICE reads the audit log', 'cs', 'GET', '/audit', undefined],
    ['a RELATIONSHIP_MANAGER reads the audit log', 'rm', 'GET', '/audit', undefined],
    ['an AUDITOR updates contact details', 'auditor', 'PATCH', '/customers/cus_x', { email: 'a@b.test', version: 1 }],
    ['a RISK_OFFICER updates a profile', 'risk', 'POST', '/customers/cus_x/profile', { totalAssetsUsd: 1, version: 1 }],
    ['a CUSTOMER_SERVICE reads the mail sink', 'cs', 'GET', '/mail', undefined],
  ] as const)('§3.1 %s → 403', async (_label, who, method, path, body) => {
    const customers = await db.customer.count();
    const res = await call(method, path, { as: staff[who], body });
    expect([res.status, res.body.error]).toEqual([403, 'forbidden']);
    expect(res.body.message).toMatch(/requires one of the roles/);
    expect(await db.staffMember.findUnique({ where: { id: 'y' } })).toBeNull();
    expect(await db.customer.count()).toBe(customers);
  });

  test('§3.1 the roles that may: ADMIN registers staff, SUPERVISOR reads the mail sink, any staff reads a staff member', async () => {
    const id = unique('new');
    const created = await call('POST', '/staff', { as: staff.admin, body: { id, name: 'New Person', email: `${id}@bank.test`, roles: ['AUDITOR'] } });
    expect([created.status, created.body.roles]).toEqual([201, ['AUDITOR']]);
    expect((await call('GET', '/mail', { as: staff.supervisor })).status).toBe(200);
    expect((await call('GET', `/staff/${id}`, { as: staff.rm })).body).toMatchObject({ id, active: true });
  });
});

// ─────────────────────────────── §2.3 step 1: POST /customers ───────────────────────────────

describe('POST /customers (§2.3 step 1)', () => {
  test('§2.3 a valid individual → 201, identity masked, PENDING_REVIEW, onboarding workflow running, creation audited', async () => {
    const body = individual();
    const res = await call('POST', '/customers', { as: staff.cs, body });
    expect(res.status).toBe(201);
    const c = res.body;
    expect(c).toMatchObject({
      type: 'INDIVIDUAL',
      status: 'PENDING_REVIEW',
      displayName: 'Ada Lovelace',
      email: body.email,
      identity: { kind: 'SSN', number: '•••••6789', issuer: null },
      individual: { firstName: 'Ada', lastName: 'Lovelace', totalAssetsUsd: '50000' },
      createdByStaffId: staff.cs.id,
      version: 1,
    });
    expect(c.id).toMatch(/^cus_/);
    expect(res.headers.get('location')).toBe(`/customers/${c.id}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).not.toContain(body.identity.number.replace(/-/g, ''));
    expect(res.text).not.toContain(body.dateOfBirth);
    const described = await temporal.workflow.getHandle(`onboarding-${c.id}`).describe();
    expect([described.status.name, described.taskQueue]).toEqual(['RUNNING', stack.taskQueue]);
    expect((await auditRows({ customerId: c.id, action: 'customer.create' })).map((a) => a.actorStaffId)).toEqual([staff.cs.id]);
    // The 201 body is built from what one INSERT statement wrote: it is what a read shows.
    expect((await call('GET', `/customers/${c.id}`, { as: staff.cs })).body).toEqual(c);
  });

  test('§2.3 a valid enterprise → 201, EIN masked, PENDING_REVIEW, onboarding workflow running', async () => {
    const res = await call('POST', '/customers', { as: staff.rm, body: enterprise() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'ENTERPRISE',
      status: 'PENDING_REVIEW',
      displayName: 'Acme Tools LLC',
      identity: { kind: 'EIN', number: '•••••6789' },
      enterprise: { legalName: 'Acme Tools LLC', naicsCode: '332216', employees: 150, registrationState: 'DE' },
    });
    expect((await temporal.workflow.getHandle(`onboarding-${res.body.id}`).describe()).status.name).toBe('RUNNING');
    expect((await call('GET', `/customers/${res.body.id}`, { as: staff.cs })).body).toEqual(res.body);
  });

  test('§2.3 amounts are stored to the cent as given; the 201 body shows what was stored', async () => {
    const res = await call('POST', '/customers', { as: staff.cs, body: enterprise({ annualRevenueUsd: 1234567.5, totalAssetsUsd: 0 }) });
    expect(res.status).toBe(201);
    expect(res.body.enterprise).toMatchObject({ annualRevenueUsd: '1234567.5', totalAssetsUsd: '0' });
    const stored = await db.enterpriseProfile.findUniqueOrThrow({ where: { customerId: res.body.id } });
    expect([stored.annualRevenueUsd?.toFixed(2), stored.totalAssetsUsd?.toFixed(2)]).toEqual(['1234567.50', '0.00']);
    expect((await call('GET', `/customers/${res.body.id}`, { as: staff.cs })).body).toEqual(res.body);
  });

  test('§2.3/§3.1 invalid values → 400 naming each field; a rejected identity number or date of birth is never echoed', async () => {
    const before = await db.customer.count();
    const badSsn = '666-12-6789';
    const res = await call('POST', '/customers', {
      as: staff.cs,
      body: individual({ identity: { kind: 'SSN', number: badSsn }, dateOfBirth: '2150-13-45', email: 'not-an-address' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    const byField = Object.fromEntries(res.body.issues.map((i: any) => [i.field, i]));
    expect(byField['identity.number']).toEqual({ field: 'identity.number', reason: expect.stringMatching(/666/) });
    expect(byField.dateOfBirth).toEqual({ field: 'dateOfBirth', reason: expect.any(String) });
    expect(byField.email).toMatchObject({ field: 'email', value: 'not-an-address' });
    for (const secret of [badSsn, '666126789', '2150-13-45']) expect(res.text).not.toContain(secret);
    expect(await db.customer.count()).toBe(before);
  });

  test('§2.3 an unknown field → 400 naming it; an enterprise identified by an SSN → 400', async () => {
    const unknown = await call('POST', '/customers', { as: staff.cs, body: individual({ favouriteColour: 'teal' }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues).toContainEqual({ field: 'favouriteColour', reason: 'unknown field' });
    const wrongKind = await call('POST', '/customers', { as: staff.cs, body: enterprise({ identity: { kind: 'SSN', number: ssn().dashed } }) });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.issues.map((i: any) => i.field)).toContain('identity.kind');
  });

  test('§2.3 the same identity number again (written differently) → 409 with the existing customer, masked; nothing new', async () => {
    const number = ssn('4321');
    const first = await create(individual({ identity: { kind: 'SSN', number: number.dashed } }));
    const count = await db.customer.count();
    const again = await call('POST', '/customers', { as: staff.cs, body: individual({ firstName: 'Other', identity: { kind: 'SSN', number: number.digits } }) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'conflict', existing: { id: first.id, displayName: 'Ada Lovelace', identity: { number: '•••••4321' } } });
    expect(again.text).not.toContain(number.digits);
    expect(await db.customer.count()).toBe(count);
  });

  test('§3.1 the identity number and date of birth are stored encrypted: no column of any table holds them in plain text', async () => {
    const number = ssn();
    const dob = '1977-03-29';
    const c = await create(individual({ identity: { kind: 'SSN', number: number.dashed }, dateOfBirth: dob }));
    const doc = await db.identityDocument.findUniqueOrThrow({ where: { customerId: c.id } });
    expect(doc.numberCiphertext).not.toBe(number.digits);
    expect(doc.numberCiphertext).not.toContain(number.digits);
    expect(doc.numberCiphertext).toMatch(/^v1\.dev-not-secret\./);
    expect(decryptField(ring, doc.numberCiphertext, aad.identityNumber(c.id))).toBe(number.digits); // it is that number, encrypted
    expect(doc.last4).toBe('6789');

    const tables: { table_name: string }[] = await db.$queryRawUnsafe(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['Customer', 'IdentityDocument', 'IndividualProfile', 'AuditLog']));
    const hits: string[] = [];
    for (const { table_name } of tables) {
      for (const plain of [number.digits, number.dashed, dob]) {
        // A whole row as text: every column at once.
        const [row] = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table_name}" t WHERE t::text LIKE $1`, `%${plain}%`);
        if (row!.n > 0) hits.push(`${table_name}: ${plain}`);
      }
    }
    expect(hits).toEqual([]);
  });
});

// ─────────────────────────────── §3.1 GET /customers/:id ───────────────────────────────

describe('GET /customers/:id (§3.1 masking, scope, recording)', () => {
  test('§3.1 masked for everyone; ?reveal=identity shows an AUDITOR (or RISK_OFFICER) the number and is recorded; CUSTOMER_SERVICE → 403, not recorded', async () => {
    const number = ssn();
    const c = await create(individual({ identity: { kind: 'SSN', number: number.dashed } }));

    const masked = await call('GET', `/customers/${c.id}`, { as: staff.cs });
    expect(masked.status).toBe(200);
    expect(masked.body.identity.number).toBe('•••••6789');
    expect(masked.headers.get('etag')).toBe('"1"');
    expect(masked.text).not.toContain(number.digits);

    const revealed = await call('GET', `/customers/${c.id}?reveal=identity`, { as: staff.auditor });
    expect(revealed.status).toBe(200);
    expect(revealed.body.identity.number).toBe(number.digits);
    expect((await call('GET', `/customers/${c.id}?reveal=identity`, { as: staff.risk })).body.identity.number).toBe(number.digits);

    const refused = await call('GET', `/customers/${c.id}?reveal=identity`, { as: staff.cs });
    expect([refused.status, refused.body.error]).toEqual([403, 'forbidden']);
    expect(refused.text).not.toContain(number.digits);
    expect((await call('GET', `/customers/${c.id}?reveal=dateOfBirth`, { as: staff.auditor })).status).toBe(400);

    const reads = await auditRows({ customerId: c.id });
    const summary = reads.filter((a) => a.action !== 'customer.create').map((a) => [a.action, a.actorStaffId]);
    expect(summary).toEqual([
      ['customer.read', staff.cs.id],
      ['customer.read', staff.auditor.id],
      ['customer.identity.read', staff.auditor.id],
      ['customer.read', staff.risk.id],
      ['customer.identity.read', staff.risk.id],
    ]);
    expect(reads.every((a) => a.changes === null || !JSON.stringify(a.changes).includes(number.digits))).toBe(true);
  });

  test('§3.1 a RELATIONSHIP_MANAGER sees only the customers they manage or are assigned to; others are 404 like a missing one', async () => {
    const rm = await staffWithKey(db, 'rmscope', ['RELATIONSHIP_MANAGER']);
    const managed = await create(individual());
    const teamMember = await create(enterprise());
    const formerly = await create(individual());
    const stranger = await create(individual());
    await db.customer.update({ where: { id: managed.id }, data: { relationshipManagerId: rm.id } });
    await db.relationshipAssignment.create({ data: { customerId: teamMember.id, staffId: rm.id, role: 'TEAM_MEMBER', expertise: 'RELATIONSHIP_TEAM' } });
    await db.relationshipAssignment.create({ data: { customerId: formerly.id, staffId: rm.id, role: 'RELATIONSHIP_MANAGER', endedAt: new Date() } });

    expect((await call('GET', `/customers/${managed.id}`, { as: rm })).status).toBe(200);
    expect((await call('GET', `/customers/${teamMember.id}`, { as: rm })).status).toBe(200);
    const missing = await call('GET', '/customers/cus_does_not_exist', { as: rm });
    for (const id of [formerly.id, stranger.id]) {
      const res = await call('GET', `/customers/${id}`, { as: rm });
      expect([res.status, res.body.error, res.body.message]).toEqual([404, missing.body.error, `customer ${id} does not exist`]);
    }
    expect((await call('PATCH', `/customers/${stranger.id}`, { as: rm, body: { email: 'x@example.com', version: 1 } })).status).toBe(404);
    expect((await call('PATCH', `/customers/${managed.id}`, { as: rm, body: { email: 'rm-updated@example.com', version: 1 } })).status).toBe(200);

    const listed = await call('GET', '/customers?pageSize=100', { as: rm });
    const ids = listed.body.items.map((i: any) => i.id);
    expect(ids).toEqual(expect.arrayContaining([managed.id, teamMember.id]));
    expect(ids).not.toContain(formerly.id);
    expect(ids).not.toContain(stranger.id);
    // Other roles see every customer.
    expect((await call('GET', `/customers/${stranger.id}`, { as: staff.supervisor })).status).toBe(200);
  });
});

// ─────────────────────────────── GET /customers ───────────────────────────────

describe('GET /customers (filters, pagination)', () => {
  test('filters by manager and type; cursor and page paging with a total; newest first; masked', async () => {
    // A manager column value no other test uses (any staff member can be the referenced row).
    const manager = await staffWithKey(db, 'listmgr', ['SUPERVISOR']);
    const a = await create(individual());
    const b = await create(enterprise());
    const c = await create(individual());
    await db.customer.updateMany({ where: { id: { in: [a.id, b.id, c.id] } }, data: { relationshipManagerId: manager.id } });
    const newestFirst = [c.id, b.id, a.id];

    const first = await call('GET', `/customers?managerId=${manager.id}&pageSize=2`, { as: staff.cs });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 3, pageSize: 2 });
    expect(first.body.items.map((i: any) => i.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call('GET', `/customers?managerId=${manager.id}&pageSize=2&cursor=${first.body.nextCursor}`, { as: staff.cs });
    expect(second.body.items.map((i: any) => i.id)).toEqual(newestFirst.slice(2));
    expect(second.body.nextCursor).toBeNull();
    expect(second.body.total).toBe(3);

    const page2 = await call('GET', `/customers?managerId=${manager.id}&pageSize=2&page=2`, { as: staff.cs });
    expect(page2.body).toMatchObject({ total: 3, page: 2, nextCursor: null });
    expect(page2.body.items.map((i: any) => i.id)).toEqual([a.id]);

    const enterprises = await call('GET', `/customers?managerId=${manager.id}&type=ENTERPRISE`, { as: staff.cs });
    expect([enterprises.body.total, enterprises.body.items.map((i: any) => i.id)]).toEqual([1, [b.id]]);
    expect((await call('GET', `/customers?managerId=${manager.id}&status=APPROVED`, { as: staff.cs })).body.total).toBe(0);
    expect((await call('GET', `/customers?managerId=${manager.id}&status=PENDING_REVIEW&type=INDIVIDUAL`, { as: staff.cs })).body.total).toBe(2);
    expect(first.body.items.every((i: any) => i.identity.number.startsWith('•••••'))).toBe(true);
  });

  test.each([
    ['pageSize=101', 'pageSize'],
    ['pageSize=0', 'pageSize'],
    ['page=1&cursor=abc', 'page'],
    ['cursor=not-a-cursor', 'cursor'],
    ['segment=GOLD', 'segment'],
    ['status=ACTIVE', 'status'],
    ['sort=name', 'sort'],
  ])('?%s → 400 naming %s', async (query, field) => {
    const res = await call('GET', `/customers?${query}`, { as: staff.cs });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: any) => i.field)).toContain(field);
  });
});

// ─────────────────────────────── §3.2 PATCH /customers/:id ───────────────────────────────

describe('PATCH /customers/:id (§3.2 dynamic update)', () => {
  test('§3.2 updated at once with If-Match; a stale version → 409 with the current record; before/after audited in the same change', async () => {
    const c = await create(individual());
    const updated = await call('PATCH', `/customers/${c.id}`, { as: staff.cs, headers: { 'if-match': '"1"' }, body: { email: 'new.address@example.com' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ email: 'new.address@example.com', version: 2 });
    expect(updated.headers.get('etag')).toBe('"2"');

    const stale = await call('PATCH', `/customers/${c.id}`, { as: staff.cs, headers: { 'if-match': '"1"' }, body: { email: 'lost.update@example.com' } });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/version 2, not 1/);
    expect(stale.body.existing).toMatchObject({ id: c.id, email: 'new.address@example.com', version: 2 });
    expect((await db.customer.findUniqueOrThrow({ where: { id: c.id } })).email).toBe('new.address@example.com');

    const viaBody = await call('PATCH', `/customers/${c.id}`, { as: staff.admin, body: { phone: '(213) 373-4253', contactPreferences: { sms: true }, version: 2 } });
    expect(viaBody.status).toBe(200);
    expect(viaBody.body).toMatchObject({ phone: '+12133734253', version: 3, contactPreferences: { email: true, sms: true, phone: true, marketingOptOut: false } });

    const updates = await auditRows({ customerId: c.id, action: 'customer.update' });
    expect(updates.map((u) => [u.actorStaffId, u.changes])).toEqual([
      [staff.cs.id, { email: { before: c.email, after: 'new.address@example.com' } }],
      [staff.admin.id, { phone: { before: null, after: '+12133734253' }, contactPreferences: { before: { email: true, sms: false, phone: true, marketingOptOut: false }, after: { email: true, sms: true, phone: true, marketingOptOut: false } } }],
    ]);
  });

  test.each([
    ['no version', 'version', {}, { email: 'a@example.com' }],
    ['a malformed If-Match', 'If-Match', { 'if-match': 'abc' }, { email: 'a@example.com' }],
    ['an unknown field', 'displayName', {}, { email: 'a@example.com', displayName: 'Mallory', version: 1 }],
    ['a bad phone number', 'phone', {}, { phone: '555-CALL-NOW', version: 1 }],
    ['nothing to update', '(body)', {}, { version: 1 }],
    ['removing the last contact detail', 'email', {}, { email: null, version: 1 }],
  ] as const)('§3.2 %s → 400 naming %s, nothing changed', async (_label, field, headers, body) => {
    const c = await create(individual());
    const res = await call('PATCH', `/customers/${c.id}`, { as: staff.cs, headers, body });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: any) => i.field)).toContain(field);
    expect(await db.customer.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ email: c.email, version: 1 });
    expect(await auditRows({ customerId: c.id, action: 'customer.update' })).toEqual([]);
  });
});

// ─────────────────────────────── §2.3 step 3: reviews ───────────────────────────────

describe('reviews (§2.3 step 3)', () => {
  test('§2.3 maker-checker: the staff member who entered the record cannot decide on it → 409; it stays in the queue', async () => {
    const c = await create(individual(), staff.makerAuditor);
    const res = await call('POST', `/reviews/${c.id}/decision`, { as: staff.makerAuditor, body: { decision: 'APPROVE' } });
    expect(res.status).toBe(409);
    expect(res.body.message).toBe(`maker-checker (§2.3): ${staff.makerAuditor.id} entered this record and cannot review it`);
    expect((await db.customer.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('PENDING_REVIEW');
    const queue = await call('GET', '/reviews/pending?limit=500', { as: staff.auditor });
    expect(queue.status).toBe(200);
    expect(queue.body.reviews).toContainEqual(expect.objectContaining({ customerId: c.id, enteredByStaffId: staff.makerAuditor.id, status: 'PENDING_REVIEW' }));
  });

  test('§2.3/§2.2/§4 an AUDITOR approves → APPROVED, classified MEDIUM with its service tier and a relationship manager; no second decision', async () => {
    const c = await create(enterprise());
    const state = await approve(c.id);
    expect(state).toMatchObject({ status: 'APPROVED', segment: 'MEDIUM', relationshipManagerId: expect.any(String) });

    const view = await call('GET', `/customers/${c.id}`, { as: staff.supervisor });
    expect(view.body).toMatchObject({
      status: 'APPROVED',
      classification: { segment: 'MEDIUM', serviceTier: 'MEDIUM', enterpriseSize: 'MEDIUM', industrySector: '31-33', policyVersion: '2026.11-98' },
      relationshipManagerId: state.relationshipManagerId,
    });
    const manager = await db.staffMember.findUniqueOrThrow({ where: { id: state.relationshipManagerId! } });
    expect(manager.roles).toContain('RELATIONSHIP_MANAGER');

    const again = await call('POST', `/reviews/${c.id}/decision`, { as: staff.auditor, body: { decision: 'REJECT', reason: 'changed my mind' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/APPROVED/);
    const queue = await call('GET', '/reviews/pending?limit=500', { as: staff.admin });
    expect(queue.body.reviews.map((r: any) => r.customerId)).not.toContain(c.id);
  });

  test('§2.3 bad decisions: unknown customer → 404, unknown decision → 400, REJECT without a reason → 409', async () => {
    expect((await call('POST', '/reviews/cus_nope/decision', { as: staff.auditor, body: { decision: 'APPROVE' } })).status).toBe(404);
    const c = await create(individual());
    const bad = await call('POST', `/reviews/${c.id}/decision`, { as: staff.auditor, body: { decision: 'MAYBE' } });
    expect([bad.status, bad.body.issues[0].field]).toEqual([400, 'decision']);
    const noReason = await call('POST', `/reviews/${c.id}/decision`, { as: staff.auditor, body: { decision: 'REJECT' } });
    expect([noReason.status, noReason.body.message]).toEqual([409, 'REJECT needs a reason']);
  });
});

// ─────────────────────────────── §2.3 step 2: profile ───────────────────────────────

describe('POST /customers/:id/profile (§2.3 step 2, re-classification §2.1 §4)', () => {
  test('§2.1/§4 an approved individual whose assets cross USD 100,000 moves REGULAR → VIP at once, with the rule recorded; the credit record is encrypted', async () => {
    const c = await create(individual({ totalAssetsUsd: 50_000 }));
    expect((await approve(c.id)).segment).toBe('REGULAR');
    const read = await call('GET', `/customers/${c.id}`, { as: staff.cs });
    expect(read.body.classification.segment).toBe('REGULAR');
    const etag = read.headers.get('etag')!;

    const credit = 'No missed payments since 2015';
    const res = await call('POST', `/customers/${c.id}/profile`, {
      as: staff.cs,
      headers: { 'if-match': etag },
      body: { totalAssetsUsd: 150_000, incomeSource: 'Salary', savingsGoal: 'House deposit', creditRecord: credit },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      classification: { segment: 'VIP', serviceTier: 'VIP', ageGroup: expect.any(String) },
      individual: { totalAssetsUsd: '150000' },
      segmentChange: { from: 'REGULAR', to: 'VIP', reason: 'total assets 150000 ≥ VIP threshold 100000 and < HIGH_NET_WORTH threshold 1000000' },
    });
    expect(res.text).not.toContain(credit);

    const changes = await db.segmentChange.findMany({ where: { customerId: c.id }, orderBy: { changedAt: 'asc' } });
    expect(changes.map((s) => [s.fromSegment, s.toSegment, s.actorStaffId])).toEqual([
      [null, 'REGULAR', staff.auditor.id],
      ['REGULAR', 'VIP', staff.cs.id],
    ]);
    expect(changes[1]!.reason).toMatch(/≥ VIP threshold 100000/);
    expect(changes[1]!.policyVersion).toBe('2026.11-98');

    // §4: VIP brings a dedicated relationship manager, assigned at once (REGULAR had none).
    const managed = await db.customer.findUniqueOrThrow({ where: { id: c.id }, include: { assignments: true } });
    expect(managed.relationshipManagerId).not.toBeNull();
    expect(managed.assignments).toEqual([expect.objectContaining({ role: 'RELATIONSHIP_MANAGER', staffId: managed.relationshipManagerId, endedAt: null })]);

    const profile = await db.individualProfile.findUniqueOrThrow({ where: { customerId: c.id } });
    expect(profile).toMatchObject({ incomeSource: 'Salary', savingsGoal: 'House deposit' });
    expect(profile.creditRecordCiphertext).not.toContain(credit);
    expect(decryptField(ring, profile.creditRecordCiphertext!, aad.creditRecord(c.id))).toBe(credit);

    const [update] = await auditRows({ customerId: c.id, action: 'customer.profile.update' });
    expect(update!.changes).toEqual({
      totalAssetsUsd: { before: '50000', after: '150000' },
      incomeSource: { before: null, after: 'Salary' },
      savingsGoal: { before: null, after: 'House deposit' },
      creditRecord: 'changed',
    });
    const classify = await auditRows({ customerId: c.id, action: 'customer.classify' });
    expect(classify.map((a) => (a.changes as any).segment)).toEqual([
      { before: null, after: 'REGULAR' },
      { before: 'REGULAR', after: 'VIP' },
    ]);

    // The same version again: someone else's change is not overwritten.
    const stale = await call('POST', `/customers/${c.id}/profile`, { as: staff.cs, headers: { 'if-match': etag }, body: { totalAssetsUsd: 10 } });
    expect(stale.status).toBe(409);
    expect((await db.individualProfile.findUniqueOrThrow({ where: { customerId: c.id } })).totalAssetsUsd?.toString()).toBe('150000');
  });

  test('§2.3 step 2 a customer still in review: the profile is stored, classification waits for approval', async () => {
    const c = await create(enterprise());
    const res = await call('POST', `/customers/${c.id}/profile`, {
      as: staff.cs,
      body: { employees: 2000, operations: 'Tool manufacturing in Ohio', purposeOfFunds: 'New production line', version: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.body.segmentChange).toBeUndefined();
    expect(res.body).toMatchObject({ version: 2, classification: { segment: null }, enterprise: { employees: 2000 } });
    expect(await db.segmentChange.count({ where: { customerId: c.id } })).toBe(0);
    expect(await db.enterpriseProfile.findUniqueOrThrow({ where: { customerId: c.id } })).toMatchObject({ operations: 'Tool manufacturing in Ohio', purposeOfFunds: 'New production line' });
  });

  test.each([
    ['an individual field on an enterprise', 'ENTERPRISE', { incomeSource: 'Salary', version: 1 }, 'incomeSource'],
    ['a NAICS code in no sector', 'ENTERPRISE', { naicsCode: '99', version: 1 }, 'naicsCode'],
    ['negative assets', 'INDIVIDUAL', { totalAssetsUsd: -5, version: 1 }, 'totalAssetsUsd'],
    ['fractions of a cent', 'INDIVIDUAL', { debtsUsd: 10.005, version: 1 }, 'debtsUsd'],
  ])('§2.3 %s → 400 naming the field', async (_label, type, body, field) => {
    const c = await create(type === 'ENTERPRISE' ? enterprise() : individual());
    const res = await call('POST', `/customers/${c.id}/profile`, { as: staff.cs, body });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: any) => i.field)).toContain(field);
    expect((await db.customer.findUniqueOrThrow({ where: { id: c.id } })).version).toBe(1);
  });

  test('§3.1 a rejected credit record is not echoed', async () => {
    const c = await create(individual());
    const secret = `Defaulted\u0007${'x'.repeat(10)}`;
    const res = await call('POST', `/customers/${c.id}/profile`, { as: staff.cs, body: { creditRecord: secret, version: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ field: 'creditRecord', reason: expect.any(String) }]);
    expect(res.text).not.toContain('Defaulted');
  });
});

// ─────────────────────────────── §3.1 GET /audit ───────────────────────────────

describe('GET /audit (§3.1 every access and change recorded)', () => {
  test('§3.1 shows creation, reads and updates, newest first, ids as strings, never the identity number or date of birth', async () => {
    const number = ssn();
    const dob = '1969-07-20';
    const c = await create(individual({ identity: { kind: 'SSN', number: number.dashed }, dateOfBirth: dob }));
    await call('GET', `/customers/${c.id}`, { as: staff.cs });
    await call('GET', `/customers/${c.id}?reveal=identity`, { as: staff.auditor });
    await call('PATCH', `/customers/${c.id}`, { as: staff.cs, body: { email: 'moved@example.com', version: 1 } });

    const res = await call('GET', `/audit?customerId=${c.id}`, { as: staff.auditor });
    expect(res.status).toBe(200);
    const entries: any[] = res.body.entries;
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['customer.create', 'customer.read', 'customer.identity.read', 'customer.update']));
    expect(actions.indexOf('customer.update')).toBeLessThan(actions.indexOf('customer.create')); // newest first
    for (const e of entries) {
      expect(e.id).toMatch(/^\d+$/);
      expect(e.customerId).toBe(c.id);
    }
    const ids = entries.map((e) => BigInt(e.id));
    expect([...ids].sort((x, y) => (x > y ? -1 : 1))).toEqual(ids);
    expect(entries.find((e) => e.action === 'customer.create').changes).toMatchObject({ identityNumber: 'changed', dateOfBirth: 'changed', displayName: { before: null, after: 'Ada Lovelace' } });
    expect(entries.find((e) => e.action === 'customer.update').changes).toEqual({ email: { before: c.email, after: 'moved@example.com' } });
    for (const plain of [number.digits, number.dashed, dob]) expect(res.text).not.toContain(plain);

    // Reading the log of a customer is itself recorded.
    expect((await auditRows({ customerId: c.id, action: 'customer.audit.read' })).map((a) => a.actorStaffId)).toEqual([staff.auditor.id]);
  });

  test('§3.1 paging with limit and before; limit above 500 → 400; SUPERVISOR and ADMIN may read', async () => {
    const c = await create(individual());
    for (let i = 0; i < 3; i++) await call('GET', `/customers/${c.id}`, { as: staff.cs });
    const page1 = await call('GET', `/audit?customerId=${c.id}&limit=2`, { as: staff.supervisor });
    expect(page1.status).toBe(200);
    expect(page1.body.entries).toHaveLength(2);
    expect(page1.body.nextBefore).toBe(page1.body.entries[1].id);
    const page2 = await call('GET', `/audit?customerId=${c.id}&limit=500&before=${page1.body.nextBefore}`, { as: staff.admin });
    expect(page2.body.entries.map((e: any) => e.action)).toEqual(['customer.read', 'customer.create']);
    expect(page2.body.nextBefore).toBeNull();
    const tooMany = await call('GET', `/audit?customerId=${c.id}&limit=501`, { as: staff.auditor });
    expect([tooMany.status, tooMany.body.issues[0].field]).toEqual([400, 'limit']);
  });
});
