/**
 * §5.2 departments and the executive-on-duty rota through the API, on real parts: HTTP → use cases →
 * this file's PostgreSQL database (no workflow is involved: these are records the feedback process
 * reads). Clause ids: ../shared/policy.md.
 *   §5.2 "routed to the responsible department": departments with a head (the escalation target at the
 *        SLA deadline) and members who handle cases, least-loaded first (open FEEDBACK_CASE tasks);
 *   §5.2 "then to the executive on duty": the rota, who is on duty at an instant, and the fallback;
 *   §3.1 who may do what (ADMIN for departments, ADMIN or SUPERVISOR for members and the rota, anyone
 *        reads), every change audited once, bad input refused with the field named and nothing written.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import type { FeedbackStatus, StaffRole } from '../../src/db/generated/client';
import { leastLoadedHandler } from '../../src/departments/repository';
import { executiveOnDutyAt } from '../../src/departments/rota';
import { DEFAULT_POLICY } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import { apiCaller, staffWithKey, staffWithKeys, type ApiResponse, type ApiStaff } from '../support/api';
import { startApi, type ApiOnly } from '../support/stack';

const ring = developmentKeyRing();
let stack: ApiOnly;
let db: Db;
let baseUrl: string;

type Name = 'admin' | 'sup' | 'sup2' | 'cs' | 'rm' | 'auditor' | 'h1' | 'h2' | 'h3' | 'head' | 'gone';
const staff = {} as Record<Name, ApiStaff>;
const call = apiCaller(() => baseUrl);

/** Everything a refused request must leave as it was. */
async function written() {
  const [departments, members, shifts, audit] = await Promise.all([
    db.department.findMany({ orderBy: { code: 'asc' } }),
    db.departmentMember.findMany({ orderBy: [{ departmentCode: 'asc' }, { staffId: 'asc' }] }),
    db.executiveOnDutyShift.findMany({ orderBy: { startsAt: 'asc' } }),
    db.auditLog.count(),
  ]);
  return JSON.stringify({ departments, members, shifts, audit });
}

const auditOf = (entityId: string) => db.auditLog.findMany({ where: { entityId }, orderBy: { id: 'asc' } });

/** A department code no other test uses. */
const newCode = () => `D_${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

async function department(code = newCode(), head = staff.head): Promise<string> {
  const res = await call('POST', '/departments', { as: staff.admin, body: { code, name: `Department ${code}`, headStaffId: head.id } });
  expect([res.status, res.body?.issues ?? res.body?.message]).toEqual([201, undefined]);
  return code;
}

let caseCounter = 0;
/** A feedback case in `code` with `status` (as the feedback process would have written it). */
async function feedbackCase(code: string, status: FeedbackStatus): Promise<string> {
  const caseNo = `FB-2026-${String(900_000 + caseCounter++).padStart(6, '0')}`;
  await db.feedbackCase.create({
    data: {
      caseNo,
      channel: 'HOTLINE',
      category: 'CARD_FEES',
      severity: 'MEDIUM',
      complexity: 'SIMPLE',
      customerType: 'INDIVIDUAL',
      summaryCiphertext: encryptField(ring, 'Charged twice for the annual fee', `FeedbackCase.summary:${caseNo}`),
      departmentCode: code,
      routingRuleId: 'test-rule',
      status,
      registeredAt: new Date(),
      workflowId: `feedback-${caseNo}`,
      policyVersion: DEFAULT_POLICY.version,
    },
  });
  return caseNo;
}

/** An OPEN (or closed) FEEDBACK_CASE task for `assignee`, as the feedback process opens one for a handler. */
async function caseTask(assignee: ApiStaff, status: 'OPEN' | 'DONE' = 'OPEN', createdAt = new Date()): Promise<void> {
  const id = `feedback:${randomUUID()}`;
  await db.task.create({
    data: { id, kind: 'FEEDBACK_CASE', subject: 'feedback case', assigneeStaffId: assignee.id, dueAt: new Date(Date.now() + 86_400_000), status, workflowId: id, policyVersion: DEFAULT_POLICY.version, createdAt },
  });
}

beforeAll(async () => {
  stack = await startApi({ ring });
  ({ db, baseUrl } = stack);
  const service: StaffRole[] = ['CUSTOMER_SERVICE'];
  await staffWithKeys<Exclude<Name, 'gone'>>(db, staff, {
    admin: ['ADMIN'],
    sup: ['SUPERVISOR'],
    sup2: ['SUPERVISOR', 'RELATIONSHIP_MANAGER'],
    cs: service,
    rm: ['RELATIONSHIP_MANAGER'],
    auditor: ['AUDITOR'],
    h1: service,
    h2: service,
    h3: service,
    head: ['SUPERVISOR'],
  });
  staff.gone = await staffWithKey(db, 'gone', ['SUPERVISOR'], { active: false });
});

afterAll(async () => {
  await stack?.stop();
});

// ─────────────────────────────────────── departments ───────────────────────────────────────

describe('departments (§5.2 routed to the responsible department)', () => {
  test('an ADMIN creates a department with its head: 201, listed and shown to anyone, audited once (department.create)', async () => {
    const code = newCode();
    const res = await call('POST', '/departments', { as: staff.admin, body: { code, name: '  Cards and payments ', headStaffId: staff.head.id } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      code,
      name: 'Cards and payments',
      active: true,
      head: { id: staff.head.id, name: 'Test head', email: `${staff.head.id}@bank.test`, active: true },
      members: [],
      openCases: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const listed = await call('GET', '/departments', { as: staff.rm });
    expect(listed.status).toBe(200);
    expect(listed.body.departments.map((d: { code: string }) => d.code)).toContain(code);
    expect((await call('GET', `/departments/${code}`, { as: staff.cs })).body).toEqual(res.body);

    const audit = await auditOf(code);
    expect(audit.map((a) => [a.action, a.entity, a.actorStaffId, a.changes])).toEqual([
      ['department.create', 'Department', staff.admin.id, { name: { before: null, after: 'Cards and payments' }, headStaffId: { before: null, after: staff.head.id }, active: { before: null, after: true } }],
    ]);
    expect(audit[0]!.requestId).toEqual(expect.any(String));
  });

  test.each([
    ['a lower-case code', { code: 'cards', name: 'Cards', headStaffId: 'HEAD' }, 'code', 'cards', /upper-case letters/],
    ['a one-letter code', { code: 'C', name: 'Cards', headStaffId: 'HEAD' }, 'code', 'C', /2–32 characters/],
    ['a blank name', { code: 'CARDS_X', name: '   ', headStaffId: 'HEAD' }, 'name', '   ', /must not be blank/],
    ['a name of 101 characters', { code: 'CARDS_X', name: 'n'.repeat(101), headStaffId: 'HEAD' }, 'name', 'n'.repeat(101), /at most 100/],
    ['a number as head', { code: 'CARDS_X', name: 'Cards', headStaffId: 42 }, 'headStaffId', 42, /staff id/],
    ['an unknown head', { code: 'CARDS_X', name: 'Cards', headStaffId: 'nobody-here' }, 'headStaffId', 'nobody-here', /no such staff member/],
    ['an inactive head', { code: 'CARDS_X', name: 'Cards', headStaffId: 'GONE' }, 'headStaffId', 'GONE', /inactive/],
    ['a NUL in the name', { code: 'CARDS_X', name: 'Ca\u0000rds', headStaffId: 'HEAD' }, 'name', 'Ca\u0000rds', /control character/],
  ])('%s → 400 naming the field, value and reason; nothing written', async (_what, raw, field, rawValue, reason) => {
    const fill = (v: unknown) => (v === 'HEAD' ? staff.head.id : v === 'GONE' ? staff.gone.id : v);
    const body = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, fill(v)]));
    const before = await written();
    const res = await call('POST', '/departments', { as: staff.admin, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.issues).toEqual([{ field, value: fill(rawValue), reason: expect.stringMatching(reason) }]);
    expect(await written()).toBe(before);
  });

  test('an unknown field, a missing field, and no body at all → 400; nothing written', async () => {
    const before = await written();
    const extra = await call('POST', '/departments', { as: staff.admin, body: { code: 'CARDS_Y', name: 'Cards', headStaffId: staff.head.id, budget: 1 } });
    expect([extra.status, extra.body.issues]).toEqual([400, [{ field: 'budget', reason: 'unknown field' }]]);
    const missing = await call('POST', '/departments', { as: staff.admin, body: { code: 'CARDS_Y', name: 'Cards' } });
    expect([missing.status, missing.body.issues.map((i: { field: string }) => i.field)]).toEqual([400, ['headStaffId']]);
    const none = await call('POST', '/departments', { as: staff.admin });
    expect(none.status).toBe(400);
    expect(await written()).toBe(before);
  });

  test('§3.1 only an ADMIN creates, renames, deactivates and reactivates (SUPERVISOR, CUSTOMER_SERVICE → 403); no key → 401; nothing written', async () => {
    const code = await department();
    const before = await written();
    const body = { code: newCode(), name: 'Loans', headStaffId: staff.head.id };
    for (const as of [staff.sup, staff.cs, staff.auditor]) {
      const res = await call('POST', '/departments', { as, body });
      expect([res.status, res.body.error]).toEqual([403, 'forbidden']);
      expect(res.body.message).toContain('requires one of the roles ADMIN');
    }
    expect((await call('PATCH', `/departments/${code}`, { as: staff.sup, body: { name: 'x' } })).status).toBe(403);
    expect((await call('POST', `/departments/${code}/deactivate`, { as: staff.sup, body: { reason: 'x' } })).status).toBe(403);
    expect((await call('POST', `/departments/${code}/reactivate`, { as: staff.sup, body: { reason: 'x' } })).status).toBe(403);
    expect((await call('POST', '/departments', { body })).status).toBe(401);
    expect((await call('GET', '/departments')).status).toBe(401);
    expect(await written()).toBe(before);
  });

  test('a code that exists → 409 with the existing department; nothing written', async () => {
    const code = await department();
    const before = await written();
    const res = await call('POST', '/departments', { as: staff.admin, body: { code, name: 'Another', headStaffId: staff.sup.id } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'conflict', message: `department ${code} already exists`, existing: { code, name: `Department ${code}`, head: { id: staff.head.id } } });
    expect(await written()).toBe(before);
  });

  test('PATCH sets the head and renames: audited with before and after; the same again changes and records nothing; unknown → 404; nothing to change → 400', async () => {
    const code = await department();
    const res = await call('PATCH', `/departments/${code}`, { as: staff.admin, body: { headStaffId: staff.sup.id, name: 'Cards' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code, name: 'Cards', head: { id: staff.sup.id } });
    const again = await call('PATCH', `/departments/${code}`, { as: staff.admin, body: { headStaffId: staff.sup.id } });
    expect([again.status, again.body.head.id]).toEqual([200, staff.sup.id]);
    expect((await auditOf(code)).map((a) => [a.action, a.changes])).toEqual([
      ['department.create', expect.anything()],
      ['department.update', { name: { before: `Department ${code}`, after: 'Cards' }, headStaffId: { before: staff.head.id, after: staff.sup.id } }],
    ]);

    const before = await written();
    const unknown = await call('PATCH', '/departments/NO_SUCH_DEPT', { as: staff.admin, body: { name: 'x' } });
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'not_found', message: 'department NO_SUCH_DEPT does not exist' }]);
    const empty = await call('PATCH', `/departments/${code}`, { as: staff.admin, body: {} });
    expect([empty.status, empty.body.issues]).toEqual([400, [{ field: '(body)', value: {}, reason: 'give name, headStaffId or both' }]]);
    const inactiveHead = await call('PATCH', `/departments/${code}`, { as: staff.admin, body: { headStaffId: staff.gone.id } });
    expect([inactiveHead.status, inactiveHead.body.issues]).toEqual([400, [{ field: 'headStaffId', value: staff.gone.id, reason: 'staff member is inactive' }]]);
    expect(await written()).toBe(before);
  });

  test('the OpenAPI document lists the department and rota routes, each naming its roles', async () => {
    const doc = await call('GET', '/docs/json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/departments',
        '/departments/{code}',
        '/departments/{code}/deactivate',
        '/departments/{code}/reactivate',
        '/departments/{code}/members/{staffId}',
        '/rota/shifts',
        '/rota/shifts/{id}',
        '/rota/shifts/{id}/end',
        '/rota/on-duty',
      ]),
    );
    expect(doc.body.paths['/departments'].post.description).toContain('Roles: ADMIN (§3.1).');
    expect(doc.body.paths['/departments/{code}/members/{staffId}'].put.description).toContain('Roles: ADMIN, SUPERVISOR (§3.1).');
    expect(doc.body.paths['/rota/shifts'].post.requestBody.content['application/json'].schema.required).toEqual(['staffId', 'startsAt', 'endsAt']);
  });

  test('GET /departments/:code of an unknown department → 404; includeInactive other than true|false → 400', async () => {
    expect((await call('GET', '/departments/NOPE_NOPE', { as: staff.rm })).status).toBe(404);
    const bad = await call('GET', '/departments?includeInactive=yes', { as: staff.rm });
    expect([bad.status, bad.body.issues]).toEqual([400, [{ field: 'includeInactive', value: 'yes', reason: 'true or false' }]]);
  });
});

describe('department members and their load', () => {
  test('ADMIN or SUPERVISOR add members (201 ADDED), change handlesFeedback (200 UPDATED), the same again is UNCHANGED and unrecorded; remove (200); each change audited once', async () => {
    const code = await department();
    const added = await call('PUT', `/departments/${code}/members/${staff.h1.id}`, { as: staff.sup });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ departmentCode: code, change: 'ADDED', member: { staffId: staff.h1.id, name: 'Test h1', active: true, handlesFeedback: true, since: expect.any(String), openCases: 0 } });
    const same = await call('PUT', `/departments/${code}/members/${staff.h1.id}`, { as: staff.admin, body: { handlesFeedback: true } });
    expect([same.status, same.body.change]).toEqual([200, 'UNCHANGED']);
    const updated = await call('PUT', `/departments/${code}/members/${staff.h1.id}`, { as: staff.admin, body: { handlesFeedback: false } });
    expect([updated.status, updated.body.change, updated.body.member.handlesFeedback]).toEqual([200, 'UPDATED', false]);
    expect((await call('PUT', `/departments/${code}/members/${staff.head.id}`, { as: staff.admin, body: { handlesFeedback: false } })).status).toBe(201);

    const shown = await call('GET', `/departments/${code}`, { as: staff.cs });
    expect(shown.body.members.map((m: { staffId: string; handlesFeedback: boolean }) => [m.staffId, m.handlesFeedback])).toEqual(
      [
        [staff.h1.id, false],
        [staff.head.id, false],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );

    const removed = await call('DELETE', `/departments/${code}/members/${staff.h1.id}`, { as: staff.sup });
    expect([removed.status, removed.body]).toEqual([200, { departmentCode: code, staffId: staff.h1.id, removed: true, openCasesStillAssigned: 0 }]);
    const again = await call('DELETE', `/departments/${code}/members/${staff.h1.id}`, { as: staff.sup });
    expect([again.status, again.body.message]).toEqual([404, `staff member ${staff.h1.id} is not a member of department ${code}`]);

    const h1 = await auditOf(`${code}:${staff.h1.id}`);
    expect(h1.map((a) => [a.action, a.actorStaffId, a.changes])).toEqual([
      ['department.member.add', staff.sup.id, { departmentCode: { before: null, after: code }, staffId: { before: null, after: staff.h1.id }, handlesFeedback: { before: null, after: true } }],
      ['department.member.update', staff.admin.id, { handlesFeedback: { before: true, after: false } }],
      ['department.member.remove', staff.sup.id, { member: { before: { handlesFeedback: false, since: added.body.member.since }, after: null } }],
    ]);
  });

  test('refusals: 403 for other roles, 404 unknown department or staff member, 409 an inactive staff member, 400 a bad body; nothing written', async () => {
    const code = await department();
    const before = await written();
    for (const as of [staff.cs, staff.rm, staff.auditor]) {
      expect((await call('PUT', `/departments/${code}/members/${staff.h2.id}`, { as })).status).toBe(403);
      expect((await call('DELETE', `/departments/${code}/members/${staff.h2.id}`, { as })).status).toBe(403);
    }
    const noDept = await call('PUT', `/departments/NO_SUCH/members/${staff.h2.id}`, { as: staff.admin });
    expect([noDept.status, noDept.body.message]).toEqual([404, 'department NO_SUCH does not exist']);
    const noStaff = await call('PUT', `/departments/${code}/members/nobody-at-all`, { as: staff.admin });
    expect([noStaff.status, noStaff.body.message]).toEqual([404, 'staff member nobody-at-all does not exist']);
    const inactive = await call('PUT', `/departments/${code}/members/${staff.gone.id}`, { as: staff.admin });
    expect([inactive.status, inactive.body.message]).toEqual([409, `staff member ${staff.gone.id} is inactive: an inactive staff member cannot join a department`]);
    const bad = await call('PUT', `/departments/${code}/members/${staff.h2.id}`, { as: staff.admin, body: { handlesFeedback: 'yes' } });
    expect([bad.status, bad.body.issues]).toEqual([400, [{ field: 'handlesFeedback', value: 'yes', reason: 'true or false' }]]);
    const ctl = await call('PUT', `/departments/${code}/members/${encodeURIComponent('h\u0000')}`, { as: staff.admin });
    expect([ctl.status, ctl.body.issues?.[0]?.field]).toEqual([400, 'params.staffId']);
    expect(await written()).toBe(before);
  });

  test('each member’s load is their OPEN FEEDBACK_CASE tasks; a new case goes to the least-loaded active handler (ties: the one assigned longest ago, never first)', async () => {
    const code = await department();
    for (const [who, handles] of [
      [staff.h1, true],
      [staff.h2, true],
      [staff.h3, true],
      [staff.sup2, false],
    ] as const) {
      expect((await call('PUT', `/departments/${code}/members/${who.id}`, { as: staff.admin, body: { handlesFeedback: handles } })).status).toBe(201);
    }
    // h1: 2 open (and 1 done); h2: 1 open; h3: 1 open, assigned earlier than h2's; sup2 (not a handler): none.
    await caseTask(staff.h1);
    await caseTask(staff.h1);
    await caseTask(staff.h1, 'DONE');
    await caseTask(staff.h2, 'OPEN', new Date(Date.now() - 60_000));
    await caseTask(staff.h3, 'OPEN', new Date(Date.now() - 3_600_000));
    const openCase = await feedbackCase(code, 'IN_PROGRESS');
    await feedbackCase(code, 'CLOSED');

    const shown = await call('GET', `/departments/${code}`, { as: staff.rm });
    expect(shown.body.openCases).toBe(1);
    const load = Object.fromEntries(shown.body.members.map((m: { staffId: string; openCases: number }) => [m.staffId, m.openCases]));
    expect(load).toEqual({ [staff.h1.id]: 2, [staff.h2.id]: 1, [staff.h3.id]: 1, [staff.sup2.id]: 0 });
    const listed = await call('GET', '/departments', { as: staff.rm });
    expect(listed.body.departments.find((d: { code: string }) => d.code === code)).toEqual(shown.body);

    // h3 and h2 tie at 1; h3's last case is older. sup2 has none but does not handle feedback.
    expect(await leastLoadedHandler(db, code)).toBe(staff.h3.id);
    await caseTask(staff.h3);
    expect(await leastLoadedHandler(db, code)).toBe(staff.h2.id);
    await caseTask(staff.h2);
    await caseTask(staff.h2);
    await caseTask(staff.h3);
    // h1 2, h2 3, h3 3 → h1; once h1 is inactive it is skipped.
    expect(await leastLoadedHandler(db, code)).toBe(staff.h1.id);
    await db.staffMember.update({ where: { id: staff.h1.id }, data: { active: false } });
    try {
      expect(await leastLoadedHandler(db, code)).toBe(staff.h2.id);
    } finally {
      await db.staffMember.update({ where: { id: staff.h1.id }, data: { active: true } });
    }
    const removed = await call('DELETE', `/departments/${code}/members/${staff.h1.id}`, { as: staff.admin });
    expect(removed.body.openCasesStillAssigned).toBe(2);
    expect(await leastLoadedHandler(db, 'NO_SUCH_DEPT')).toBeNull();
    expect(openCase).toMatch(/^FB-2026-\d{6}$/);
  });
});

describe('deactivating and reactivating a department', () => {
  test('refused (409, naming the cases) while it has cases needing work; then deactivated (audited), hidden from the list, refuses new members; reactivation needs an active head', async () => {
    const head = await staffWithKey(db, 'head2', ['SUPERVISOR']);
    const code = await department(newCode(), head);
    const open = await feedbackCase(code, 'WAITING_ON_CUSTOMER');
    await feedbackCase(code, 'RESOLVED');

    let before = await written();
    const refused = await call('POST', `/departments/${code}/deactivate`, { as: staff.admin, body: { reason: 'merged into CARDS' } });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(`department ${code} has 1 open feedback case(s) (${open}): re-route or resolve them before deactivating it`);
    expect(refused.body.existing).toMatchObject({ code, active: true, openCases: 1 });
    const noReason = await call('POST', `/departments/${code}/deactivate`, { as: staff.admin, body: {} });
    expect([noReason.status, noReason.body.issues[0].field]).toEqual([400, 'reason']);
    expect(await written()).toBe(before);

    await db.feedbackCase.update({ where: { caseNo: open }, data: { status: 'CLOSED' } });
    const done = await call('POST', `/departments/${code}/deactivate`, { as: staff.admin, body: { reason: 'merged into CARDS' } });
    expect([done.status, done.body.active]).toEqual([200, false]);
    expect((await call('GET', '/departments', { as: staff.cs })).body.departments.map((d: { code: string }) => d.code)).not.toContain(code);
    expect((await call('GET', '/departments?includeInactive=true', { as: staff.cs })).body.departments.map((d: { code: string }) => d.code)).toContain(code);

    before = await written();
    const twice = await call('POST', `/departments/${code}/deactivate`, { as: staff.admin, body: { reason: 'again' } });
    expect([twice.status, twice.body.message]).toEqual([409, `department ${code} is inactive already`]);
    const member = await call('PUT', `/departments/${code}/members/${staff.h2.id}`, { as: staff.sup });
    expect([member.status, member.body.message]).toEqual([409, `department ${code} is inactive: reactivate it before adding members`]);
    await db.staffMember.update({ where: { id: head.id }, data: { active: false } });
    const headless = await call('POST', `/departments/${code}/reactivate`, { as: staff.admin, body: { reason: 'un-merged' } });
    expect([headless.status, headless.body.message]).toEqual([409, `the head of department ${code}, ${head.id}, is inactive: set a new head (headStaffId) before reactivating it`]);
    expect(await written()).toBe(before);

    expect((await call('PATCH', `/departments/${code}`, { as: staff.admin, body: { headStaffId: staff.head.id } })).status).toBe(200);
    const back = await call('POST', `/departments/${code}/reactivate`, { as: staff.admin, body: { reason: 'un-merged' } });
    expect([back.status, back.body.active, back.body.head.id]).toEqual([200, true, staff.head.id]);
    const active = await call('POST', `/departments/${code}/reactivate`, { as: staff.admin, body: { reason: 'again' } });
    expect([active.status, active.body.message]).toEqual([409, `department ${code} is active already`]);

    expect((await auditOf(code)).map((a) => [a.action, a.changes])).toEqual([
      ['department.create', expect.anything()],
      ['department.deactivate', { active: { before: true, after: false }, reason: { before: null, after: 'merged into CARDS' } }],
      ['department.update', { headStaffId: { before: head.id, after: staff.head.id } }],
      ['department.reactivate', { active: { before: false, after: true }, reason: { before: null, after: 'un-merged' } }],
    ]);
  });
});

// ───────────────────────────────────────── the rota ─────────────────────────────────────────

const HOUR = 3_600_000;
/** Hours from now as an ISO instant; each test works in its own far-apart slice of the future. */
const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();
let slice = 0;
/** A fresh 1000-hour stretch of future no other test's shifts touch. */
const nextSlice = () => 1000 * ++slice;

async function shift(as: ApiStaff, exec: ApiStaff, fromH: number, toH: number): Promise<ApiResponse> {
  return call('POST', '/rota/shifts', { as, body: { staffId: exec.id, startsAt: inHours(fromH), endsAt: inHours(toH) } });
}

describe('the executive-on-duty rota (§5.2 the escalation after the deadline goes to the executive on duty)', () => {
  test('a SUPERVISOR puts an executive on duty (201, audited); on-duty at an instant in the shift names them; shifts may touch but not overlap (409 naming the shift)', async () => {
    const base = nextSlice();
    const first = await shift(staff.sup, staff.head, base, base + 12);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      staffId: staff.head.id,
      staffName: 'Test head',
      startsAt: expect.any(String),
      endsAt: expect.any(String),
      state: 'UPCOMING',
      createdByStaffId: staff.sup.id,
      createdAt: expect.any(String),
      endedEarlyAt: null,
      endedEarlyBy: null,
    });
    expect(Date.parse(first.body.endsAt) - Date.parse(first.body.startsAt)).toBe(12 * HOUR);
    expect((await auditOf(first.body.id)).map((a) => [a.action, a.actorStaffId, a.changes])).toEqual([
      ['rota.shift.create', staff.sup.id, { staffId: { before: null, after: staff.head.id }, startsAt: { before: null, after: first.body.startsAt }, endsAt: { before: null, after: first.body.endsAt } }],
    ]);

    const at = new Date(Date.parse(first.body.startsAt) + HOUR).toISOString();
    const duty = await call('GET', `/rota/on-duty?at=${encodeURIComponent(at)}`, { as: staff.cs });
    expect(duty.status).toBe(200);
    expect(duty.body).toEqual({
      at,
      source: 'ROTA',
      shift: expect.objectContaining({ id: first.body.id, staffId: staff.head.id, state: 'UPCOMING' }),
      escalateTo: [{ id: staff.head.id, name: 'Test head', email: `${staff.head.id}@bank.test`, active: true }],
      reason: null,
    });

    const before = await written();
    const overlap = await call('POST', '/rota/shifts', { as: staff.admin, body: { staffId: staff.sup2.id, startsAt: new Date(Date.parse(first.body.endsAt) - HOUR).toISOString(), endsAt: inHours(base + 20) } });
    expect(overlap.status).toBe(409);
    expect(overlap.body.message).toBe(
      `overlaps shift ${first.body.id} of ${staff.head.id} (Test head) from ${first.body.startsAt} to ${first.body.endsAt}: only one executive is on duty at a time (a shift may start when another ends)`,
    );
    expect(overlap.body.existing).toMatchObject({ id: first.body.id });
    const inside = await call('POST', '/rota/shifts', { as: staff.admin, body: { staffId: staff.sup2.id, startsAt: at, endsAt: new Date(Date.parse(at) + HOUR).toISOString() } });
    expect(inside.status).toBe(409);
    expect(await written()).toBe(before);

    // Touching: the next shift starts the millisecond the first ends; at that instant the second is on duty.
    const next = await call('POST', '/rota/shifts', { as: staff.admin, body: { staffId: staff.sup2.id, startsAt: first.body.endsAt, endsAt: inHours(base + 24) } });
    expect(next.status).toBe(201);
    const handover = await call('GET', `/rota/on-duty?at=${encodeURIComponent(first.body.endsAt)}`, { as: staff.cs });
    expect([handover.body.source, handover.body.escalateTo.map((s: { id: string }) => s.id)]).toEqual(['ROTA', [staff.sup2.id]]);

    const listed = await call('GET', `/rota/shifts?from=${encodeURIComponent(inHours(base - 1))}&to=${encodeURIComponent(inHours(base + 30))}`, { as: staff.rm });
    expect(listed.status).toBe(200);
    expect(listed.body.shifts.map((s: { id: string }) => s.id)).toEqual([first.body.id, next.body.id]);
    expect(listed.body.truncated).toBe(false);
    const mine = await call('GET', `/rota/shifts?from=${encodeURIComponent(inHours(base - 1))}&to=${encodeURIComponent(inHours(base + 30))}&staffId=${staff.sup2.id}`, { as: staff.rm });
    expect(mine.body.shifts.map((s: { id: string }) => s.id)).toEqual([next.body.id]);
  });

  test('nobody on the rota → the fallback: every active SUPERVISOR, with the reason; an inactive executive on the rota → the same fallback, saying so', async () => {
    const base = nextSlice();
    const gap = await call('GET', `/rota/on-duty?at=${encodeURIComponent(inHours(base + 500))}`, { as: staff.rm });
    expect(gap.status).toBe(200);
    const supervisors = await db.staffMember.findMany({ where: { active: true, roles: { has: 'SUPERVISOR' } }, orderBy: { id: 'asc' } });
    expect(gap.body).toEqual({
      at: expect.any(String),
      source: 'FALLBACK_SUPERVISORS',
      shift: null,
      escalateTo: supervisors.map((s) => ({ id: s.id, name: s.name, email: s.email, active: true })),
      reason: 'nobody is on the rota at this time: escalations go to every active SUPERVISOR',
    });
    expect(gap.body.escalateTo.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([staff.sup.id, staff.sup2.id, staff.head.id]));
    expect(gap.body.escalateTo.map((s: { id: string }) => s.id)).not.toContain(staff.gone.id);

    const exec = await staffWithKey(db, 'exec', ['SUPERVISOR']);
    const s = await shift(staff.admin, exec, base, base + 8);
    expect(s.status).toBe(201);
    await db.staffMember.update({ where: { id: exec.id }, data: { active: false } });
    const left = await executiveOnDutyAt(db, new Date(Date.parse(s.body.startsAt) + HOUR));
    expect(left.source).toBe('FALLBACK_SUPERVISORS');
    expect(left.shift?.id).toBe(s.body.id);
    expect(left.reason).toBe(`the executive on the rota, ${exec.id}, is inactive: escalations go to every active SUPERVISOR`);
    expect(left.escalateTo.map((p) => p.id)).not.toContain(exec.id);
  });

  test('with no active SUPERVISOR the fallback is every active ADMIN; with neither, nobody — and it says so', async () => {
    const at = new Date(Date.now() + nextSlice() * HOUR);
    const rolledBack = new Error('rolled back on purpose');
    await expect(
      db.$transaction(async (tx) => {
        await tx.staffMember.updateMany({ where: { roles: { has: 'SUPERVISOR' } }, data: { active: false } });
        const admins = await executiveOnDutyAt(tx, at);
        expect(admins.source).toBe('FALLBACK_ADMINS');
        expect(admins.escalateTo.map((p) => p.id)).toContain(staff.admin.id);
        expect(admins.reason).toBe('nobody is on the rota at this time and no SUPERVISOR is active: escalations go to every active ADMIN');
        await tx.staffMember.updateMany({ where: { roles: { has: 'ADMIN' } }, data: { active: false } });
        expect(await executiveOnDutyAt(tx, at)).toEqual({
          at: at.toISOString(),
          source: 'NOBODY',
          shift: null,
          escalateTo: [],
          reason: 'nobody is on the rota at this time and no SUPERVISOR or ADMIN is active: an escalation has no recipient',
        });
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await db.staffMember.count({ where: { id: staff.sup.id, active: true } })).toBe(1);
  });

  test.each([
    ['an end before its start', (b: number) => ({ staffId: 'SUP', startsAt: inHours(b + 5), endsAt: inHours(b + 1) }), 'endsAt', 'must be after startsAt'],
    ['an end at its start', (b: number) => ({ staffId: 'SUP', startsAt: inHours(b), endsAt: inHours(b) }), 'endsAt', 'must be after startsAt'],
    ['a length over 31 days', (b: number) => ({ staffId: 'SUP', startsAt: inHours(b), endsAt: inHours(b + 24 * 31 + 1) }), 'endsAt', 'a shift is at most 31 days'],
    ['a start in the past', () => ({ staffId: 'SUP', startsAt: inHours(-2), endsAt: inHours(5) }), 'startsAt', /^is in the past \(now .*\): the rota records who is on duty; it is not changed after the fact$/],
    ['an instant without a zone', (b: number) => ({ staffId: 'SUP', startsAt: inHours(b).replace('Z', ''), endsAt: inHours(b + 1) }), 'startsAt', /ISO instant with a zone/],
    ['a date, not an instant', () => ({ staffId: 'SUP', startsAt: '2031-01-01', endsAt: '2031-01-02T00:00:00Z' }), 'startsAt', /ISO instant with a zone/],
    ['an executive without the SUPERVISOR role', (b: number) => ({ staffId: 'CS', startsAt: inHours(b), endsAt: inHours(b + 1) }), 'staffId', 'an executive on duty holds the SUPERVISOR role; this staff member has CUSTOMER_SERVICE'],
    ['an unknown executive', (b: number) => ({ staffId: 'nobody-x', startsAt: inHours(b), endsAt: inHours(b + 1) }), 'staffId', 'no such staff member'],
    ['an inactive executive', (b: number) => ({ staffId: 'GONE', startsAt: inHours(b), endsAt: inHours(b + 1) }), 'staffId', 'staff member is inactive'],
  ])('a shift with %s → 400 naming the field; nothing written', async (_what, make, field, reason) => {
    const raw = make(nextSlice());
    const body = { ...raw, staffId: raw.staffId === 'SUP' ? staff.sup.id : raw.staffId === 'CS' ? staff.cs.id : raw.staffId === 'GONE' ? staff.gone.id : raw.staffId };
    const before = await written();
    const res = await call('POST', '/rota/shifts', { as: staff.admin, body });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ field, value: (body as Record<string, unknown>)[field], reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) }]);
    expect(await written()).toBe(before);
  });

  test('§3.1 only ADMIN or SUPERVISOR change the rota (others 403, nothing written); anyone reads it', async () => {
    const base = nextSlice();
    const s = await shift(staff.admin, staff.sup, base, base + 1);
    expect(s.status).toBe(201);
    const before = await written();
    for (const as of [staff.cs, staff.rm, staff.auditor]) {
      expect((await shift(as, staff.sup, base + 10, base + 11)).status).toBe(403);
      expect((await call('DELETE', `/rota/shifts/${s.body.id}`, { as })).status).toBe(403);
      expect((await call('POST', `/rota/shifts/${s.body.id}/end`, { as, body: { reason: 'x' } })).status).toBe(403);
      expect((await call('GET', '/rota/on-duty', { as })).status).toBe(200);
      expect((await call('GET', '/rota/shifts', { as })).status).toBe(200);
    }
    expect(await written()).toBe(before);
  });

  test('twelve concurrent requests for overlapping shifts: exactly one is on the rota, the others 409', async () => {
    const base = nextSlice();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => shift(i % 2 ? staff.sup : staff.admin, i % 2 ? staff.sup2 : staff.head, base + i, base + i + 20)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(11);
    const stored = await db.executiveOnDutyShift.count({ where: { startsAt: { gte: new Date(inHours(base - 1)), lt: new Date(inHours(base + 40)) } } });
    expect(stored).toBe(1);
  });

  test('the database refuses an overlapping or inverted shift from any writer, not only the use case', async () => {
    const base = nextSlice();
    const s = await shift(staff.admin, staff.sup, base, base + 4);
    expect(s.status).toBe(201);
    const row = (from: number, to: number) => ({ staffId: staff.sup2.id, startsAt: new Date(inHours(from)), endsAt: new Date(inHours(to)), createdByStaffId: staff.admin.id });
    await expect(db.executiveOnDutyShift.create({ data: row(base + 3, base + 6) })).rejects.toThrow(/overlaps shift/);
    await expect(db.executiveOnDutyShift.create({ data: row(base + 9, base + 8) })).rejects.toThrow(/must be after startsAt/);
    await expect(db.executiveOnDutyShift.update({ where: { id: s.body.id }, data: { endsAt: new Date(inHours(base - 1)) } })).rejects.toThrow(/must be after startsAt/);
  });

  test('delete a shift that has not started (audited; again → 404); one that has started → 409: end it early instead (audited), then a new shift can start at once', async () => {
    const base = nextSlice();
    const future = await shift(staff.sup, staff.sup2, base, base + 2);
    const deleted = await call('DELETE', `/rota/shifts/${future.body.id}`, { as: staff.sup });
    expect([deleted.status, deleted.body.deleted.id]).toEqual([200, future.body.id]);
    expect((await auditOf(future.body.id)).map((a) => [a.action, a.changes])).toEqual([
      ['rota.shift.create', expect.anything()],
      ['rota.shift.delete', { shift: { before: { staffId: staff.sup2.id, startsAt: future.body.startsAt, endsAt: future.body.endsAt }, after: null } }],
    ]);
    expect((await call('DELETE', `/rota/shifts/${future.body.id}`, { as: staff.sup })).status).toBe(404);
    const notUuid = await call('DELETE', '/rota/shifts/not-a-shift', { as: staff.sup });
    expect([notUuid.status, notUuid.body.message]).toEqual([404, 'rota shift not-a-shift does not exist']);

    // A shift in progress now (started a minute ago: within the grace for "now").
    const running = await call('POST', '/rota/shifts', { as: staff.admin, body: { staffId: staff.head.id, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: inHours(3) } });
    expect([running.status, running.body.state]).toEqual([201, 'ON_DUTY']);
    expect((await call('GET', '/rota/on-duty', { as: staff.rm })).body).toMatchObject({ source: 'ROTA', shift: { id: running.body.id } });
    let before = await written();
    const started = await call('DELETE', `/rota/shifts/${running.body.id}`, { as: staff.admin });
    expect(started.status).toBe(409);
    expect(started.body.message).toBe(
      `rota shift ${running.body.id} started at ${running.body.startsAt}: a shift that has started is the record of who was on duty; cut it short with POST /rota/shifts/${running.body.id}/end (ccm rota end ${running.body.id})`,
    );
    expect(await written()).toBe(before);
    const futureEnd = await shift(staff.sup, staff.sup2, base + 10, base + 11);
    before = await written();
    const notStarted = await call('POST', `/rota/shifts/${futureEnd.body.id}/end`, { as: staff.sup, body: { reason: 'x' } });
    expect([notStarted.status, notStarted.body.message]).toEqual([409, `rota shift ${futureEnd.body.id} has not started (it starts at ${futureEnd.body.startsAt}): delete it instead`]);
    const noReason = await call('POST', `/rota/shifts/${running.body.id}/end`, { as: staff.sup, body: { reason: ' ' } });
    expect([noReason.status, noReason.body.issues]).toEqual([400, [{ field: 'reason', value: ' ', reason: 'must not be blank: say why' }]]);
    expect(await written()).toBe(before);

    const ended = await call('POST', `/rota/shifts/${running.body.id}/end`, { as: staff.sup, body: { reason: 'called away' } });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id: running.body.id, state: 'ENDED', endedEarlyBy: staff.sup.id, endsAt: ended.body.endedEarlyAt });
    expect(Math.abs(Date.parse(ended.body.endsAt) - Date.now())).toBeLessThan(10_000);
    expect((await auditOf(running.body.id)).map((a) => [a.action, a.actorStaffId, a.changes])).toEqual([
      ['rota.shift.create', staff.admin.id, expect.anything()],
      ['rota.shift.end', staff.sup.id, { endsAt: { before: running.body.endsAt, after: ended.body.endsAt }, reason: { before: null, after: 'called away' } }],
    ]);
    const endedAgain = await call('POST', `/rota/shifts/${running.body.id}/end`, { as: staff.sup, body: { reason: 'again' } });
    expect([endedAgain.status, endedAgain.body.message]).toEqual([409, `rota shift ${running.body.id} ended at ${ended.body.endsAt} already`]);
    const deleteEnded = await call('DELETE', `/rota/shifts/${running.body.id}`, { as: staff.admin });
    expect(deleteEnded.status).toBe(409);
    expect(deleteEnded.body.message).toBe(`rota shift ${running.body.id} ended at ${ended.body.endsAt}: a shift that has started is the record of who was on duty`);

    const replacement = await call('POST', '/rota/shifts', { as: staff.sup, body: { staffId: staff.sup2.id, startsAt: new Date().toISOString(), endsAt: inHours(3) } });
    expect(replacement.status).toBe(201);
    expect((await call('GET', '/rota/on-duty', { as: staff.rm })).body).toMatchObject({ source: 'ROTA', escalateTo: [{ id: staff.sup2.id }] });
    await db.executiveOnDutyShift.delete({ where: { id: replacement.body.id } }); // the next tests expect no shift now
  });

  test('bad rota queries → 400 naming the parameter', async () => {
    const cases: [string, string, string | RegExp][] = [
      ['/rota/on-duty?at=tomorrow', 'at', /a date YYYY-MM-DD or an ISO instant/],
      ['/rota/on-duty?when=now', 'when', 'unknown field'],
      ['/rota/shifts?from=2031-01-10&to=2031-01-01', 'to', /^must be after from/],
      ['/rota/shifts?from=2031-01-01&to=2032-06-01', 'to', 'the window is at most 366 days'],
    ];
    for (const [path, field, reason] of cases) {
      const res = await call('GET', path, { as: staff.rm });
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.issues[0]).toMatchObject({ field, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });
    }
    const byDate = await call('GET', '/rota/on-duty?at=2031-03-01', { as: staff.rm });
    expect([byDate.status, byDate.body.at]).toEqual([200, '2031-03-01T05:00:00.000Z']); // midnight in New York (EST)
  });
});
