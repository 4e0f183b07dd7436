/**
 * The staff console's customer, supervisor and reports pages (issue 12), on real parts: a browser's
 * requests (session cookie, CSRF token from the page, form posts) → the console → the same use cases
 * as the JSON API → this file's PostgreSQL database; the feedback case's workflow on the Temporal dev
 * server with a worker running the real activities. Pages are asserted by their text as a user reads
 * it. Clause ids: ../shared/policy.md.
 *   §3.1 a RELATIONSHIP_MANAGER opens their own customers only (another's: the 404 page, nothing read
 *        or recorded); identity numbers masked, revealed only by a POST with the page's CSRF token, to
 *        the roles the API allows, each reveal recorded; every section of the customer page recorded
 *        as the API's reads are;
 *   §2.1/§4 segment and tier history, §6 rating history and measures in force, §6.2 products, §5.1
 *        contact history, §5.2 feedback cases, and the open processes linked into the Temporal UI;
 *   §5.2 the supervisor sees escalated cases by department and overdue tasks by team, and reassigns a
 *        case (the handler changes; a missing reason is shown next to the field, nothing changed);
 *   reports for the roles the API allows (SLA: SUPERVISOR, ADMIN; §7.2 staff: SUPERVISOR, AUDITOR),
 *        each with its CSV download (headers, contents).
 */
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { aad } from '../../src/customers/encrypted-fields';
import { encryptCreditBureau } from '../../src/customers/credit-bureau';
import { SLA_CSV_COLUMNS } from '../../src/feedback/sla-report';
import { formatBankTime } from '../../src/mail/render';
import { bankTimeZone, DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { encryptField } from '../../src/security/crypto';
import { developmentKeyRing } from '../../src/security/keyring';
import { caseStateQuery, feedbackWorkflowId } from '../../workflows/feedback/definitions';
import { staffWithKey, until } from '../support/api';
import { ConsoleBrowser } from '../support/console-browser';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';

const MAIL_FROM = 'care@bank.test';
const TEMPORAL_UI = 'https://temporal.bank.example';
// Case numbers prefixed FBPAGE: the integration files share one Temporal namespace (feedback-<caseNo>).
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-94', feedback: { ...DEFAULT_POLICY.feedback, caseNumberPrefix: 'FBPAGE' } });
const ring = developmentKeyRing();
const zone = bankTimeZone(policy);
const DAY = 86_400_000;

let stack: ApiStack;
let db: Db;
let baseUrl: string;

interface Staff {
  id: string;
  key: string;
}
type Who = 'admin' | 'supervisor' | 'auditor' | 'risk' | 'cs' | 'rmA' | 'rmB' | 'h1' | 'h2' | 'head';
const staff = {} as Record<Who, Staff>;

const makeStaff = (prefix: string, roles: StaffRole[], name?: string): Promise<Staff> =>
  staffWithKey(db, prefix, roles, { label: 'console-pages test', ...(name ? { name } : {}) });

/** A signed-in browser per staff member (its own session cookie), as they would keep one open. */
const browsers = new Map<Who, ConsoleBrowser>();
const as = async (who: Who) => {
  if (!browsers.has(who)) {
    const b = new ConsoleBrowser(baseUrl);
    expect((await b.signIn(staff[who].key)).status).toBe(200);
    browsers.set(who, b);
  }
  return browsers.get(who)!;
};

// ── The customers ─────────────────────────────────────────────────────────────────────────────

const IDENTITY = '078051120';
let ada: string; // rmA's, individual, rated MEDIUM, with history
let other: string; // rmB's
let acme: string; // enterprise, rated D, no manager
let caseNo: string;

async function individual(manager: Staff, displayName: string, extra: { riskRating?: string; segment?: string } = {}): Promise<string> {
  const id = unique('cus');
  await db.customer.create({
    data: {
      id,
      type: 'INDIVIDUAL',
      status: 'APPROVED',
      displayName,
      email: `${id}@example.com`,
      contactPreferences: { email: true, sms: false, phone: true, marketingOptOut: false },
      channel: 'BRANCH',
      createdByStaffId: staff.cs.id,
      relationshipManagerId: manager.id,
      segment: extra.segment ?? 'VIP',
      serviceTier: extra.segment ?? 'VIP',
      classificationPolicyVersion: policy.version,
      riskRating: extra.riskRating ?? null,
      identity: {
        create: { kind: 'SSN', numberCiphertext: encryptField(ring, IDENTITY, aad.identityNumber(id)), numberBlindIndex: unique('bi'), last4: IDENTITY.slice(-4), keyId: ring.currentKeyId, issuingCountry: 'US' },
      },
      individualProfile: {
        create: {
          firstName: displayName.split(' ')[0]!,
          lastName: displayName.split(' ')[1] ?? 'X',
          dateOfBirthCiphertext: encryptField(ring, '1980-02-03', aad.dateOfBirth(id)),
          creditBureauCiphertext: encryptCreditBureau(ring, id, { score: 712, delinquencies: 1, defaults: 0, reportedOn: '2026-10-01' }),
        },
      },
    },
  });
  return id;
}

beforeAll(async () => {
  // TEMPORAL_UI_URL: the customer page's process links open the deployment's Temporal UI (the browser test checks the default).
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring, api: { temporalUiUrl: TEMPORAL_UI } });
  ({ db, baseUrl } = stack);
  staff.admin = await makeStaff('adm', ['ADMIN']);
  staff.supervisor = await makeStaff('sup', ['SUPERVISOR']);
  staff.auditor = await makeStaff('aud', ['AUDITOR']);
  staff.risk = await makeStaff('risk', ['RISK_OFFICER']);
  staff.cs = await makeStaff('cs', ['CUSTOMER_SERVICE']);
  staff.rmA = await makeStaff('rma', ['RELATIONSHIP_MANAGER'], 'Rita Manager');
  staff.rmB = await makeStaff('rmb', ['RELATIONSHIP_MANAGER'], 'Bob Manager');
  staff.head = await makeStaff('head', ['RELATIONSHIP_MANAGER'], 'Hedda Head');
  staff.h1 = await makeStaff('h1', ['RELATIONSHIP_MANAGER'], 'Hal One');
  staff.h2 = await makeStaff('h2', ['RELATIONSHIP_MANAGER'], 'Hanna Two');
  await db.department.create({ data: { code: 'CARDS', name: 'Cards', headStaffId: staff.head.id } });
  await db.department.create({ data: { code: 'COMPLAINTS', name: 'Complaints unit', headStaffId: staff.head.id } });
  await db.department.create({ data: { code: 'CUSTOMER_SERVICE', name: 'Customer service', headStaffId: staff.head.id } });
  await db.departmentMember.createMany({
    data: [
      { departmentCode: 'CARDS', staffId: staff.h1.id },
      { departmentCode: 'CARDS', staffId: staff.h2.id },
      { departmentCode: 'COMPLAINTS', staffId: staff.h2.id },
      { departmentCode: 'CUSTOMER_SERVICE', staffId: staff.h1.id },
    ],
  });

  ada = await individual(staff.rmA, 'Ada Lovelace', { riskRating: 'LOW', segment: 'VIP' });
  other = await individual(staff.rmB, 'Otto Other', { segment: 'REGULAR' });
  acme = unique('cus');
  await db.customer.create({
    data: { id: acme, type: 'ENTERPRISE', status: 'APPROVED', displayName: 'Acme Tools LLC', contactPreferences: { email: true }, channel: 'BRANCH', createdByStaffId: staff.cs.id, segment: 'SMALL', serviceTier: 'SMALL', riskRating: 'D' },
  });

  // §2.1/§4 segment history and coverage, §6 ratings and a measure, §5.1 contacts, the lifecycle.
  const now = Date.now();
  await db.segmentChange.createMany({
    data: [
      { customerId: ada, fromSegment: null, toSegment: 'REGULAR', reason: 'total assets below the VIP threshold', policyVersion: policy.version, changedAt: new Date(now - 400 * DAY) },
      { customerId: ada, fromSegment: 'REGULAR', toSegment: 'VIP', reason: 'total assets reached the VIP threshold', policyVersion: policy.version, changedAt: new Date(now - 30 * DAY), actorStaffId: staff.rmA.id },
    ],
  });
  await db.relationshipAssignment.create({ data: { customerId: ada, staffId: staff.rmA.id, role: 'RELATIONSHIP_MANAGER', assignedAt: new Date(now - 30 * DAY) } });
  const first = await db.riskAssessment.create({
    data: { customerId: ada, runKey: 'initial', trigger: 'INITIAL', customerType: 'INDIVIDUAL', rating: 'MEDIUM', previousRating: null, total: 40, factors: [], groups: [], reasons: ['income varies'], policyVersion: policy.version, assessedAt: new Date(now - 200 * DAY) },
  });
  const second = await db.riskAssessment.create({
    data: { customerId: ada, runKey: 'q3', trigger: 'QUARTERLY', customerType: 'INDIVIDUAL', rating: 'LOW', previousRating: 'MEDIUM', total: 20, factors: [], groups: [], reasons: ['stable employment for 8 years'], policyVersion: policy.version, assessedAt: new Date(now - 10 * DAY) },
  });
  await db.riskMeasure.create({ data: { customerId: ada, kind: 'CLOSE_MONITORING', rating: 'MEDIUM', detail: {}, appliedAt: new Date(now - 200 * DAY), appliedByAssessmentId: first.id, liftedAt: new Date(now - 10 * DAY), liftedByAssessmentId: second.id, policyVersion: policy.version } });
  await db.riskMeasure.create({ data: { customerId: ada, kind: 'PREFERENTIAL_TERMS', rating: 'LOW', detail: {}, appliedAt: new Date(now - 10 * DAY), appliedByAssessmentId: second.id, policyVersion: policy.version } });
  await db.contactEvent.create({ data: { id: `birthday:${ada}:2026`, customerId: ada, kind: 'BIRTHDAY_GREETING', channel: 'EMAIL', status: 'SENT', at: new Date(now - 5 * DAY), policyVersion: policy.version } });
  await db.customerLifecycle.create({ data: { customerId: ada, workflowId: `customer-${ada}`, status: 'REVIEW_DUE', lastReviewAt: new Date(now - 300 * DAY), nextReviewAt: new Date(now + 20 * DAY), policyVersion: policy.version } });
  // §3.2 an overdue periodic review of Ada (rmA's), and of Otto (rmB's): the supervisor's overdue work and the report.
  for (const [customerId, who, daysLate] of [[ada, staff.rmA, 10], [other, staff.rmB, 45]] as const) {
    await db.task.create({
      data: { id: `review:${customerId}:1`, kind: 'PERIODIC_REVIEW', subject: `periodic review of ${customerId}`, customerId, assigneeStaffId: who.id, dueAt: new Date(now - daysLate * DAY), overdueAt: new Date(now - (daysLate - 1) * DAY), workflowId: `customer-${customerId}`, policyVersion: policy.version },
    });
  }

  // §6.2 a product, opened through the API as the relationship manager (LOW: at once).
  const product = await fetch(`${baseUrl}/customers/${ada}/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.rmA.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ productCode: 'CREDIT_LINE', amountUsd: 25_000 }),
  });
  expect(product.status).toBe(201);

  // §5.2 a case about Ada's card, through the API; its process assigns a handler in CARDS.
  const res = await fetch(`${baseUrl}/feedback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${staff.cs.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'HOTLINE', customerId: ada, category: 'CARD', severity: 'MEDIUM', complexity: 'SIMPLE', summary: 'Card declined abroad' }),
  });
  expect(res.status).toBe(201);
  caseNo = ((await res.json()) as { caseNo: string }).caseNo;
  await until(`${caseNo} begun`, async () => {
    const c = await db.feedbackCase.findUnique({ where: { caseNo } });
    if (!(c?.status === 'IN_PROGRESS' && c.handlerStaffId)) return undefined;
    return stack.temporal.workflow.getHandle(feedbackWorkflowId(caseNo)).query(caseStateQuery);
  });
});

afterAll(async () => {
  await stack?.stop();
});

const readsOf = (actor: Staff, customerId: string) =>
  db.auditLog.findMany({ where: { actorStaffId: actor.id, customerId }, select: { action: true, entity: true }, orderBy: { id: 'asc' } });

// ── The customer page ─────────────────────────────────────────────────────────────────────────

describe('customer page (§3.1 scope, masking, audited reveal)', () => {
  test('the relationship manager reads their customer: every section, identity masked, no reveal button; each section recorded as the API records it', async () => {
    const b = await as('rmA');
    const page = await b.get(`/console/customers/${ada}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const t = page.text;
    expect(t).toContain(`Ada Lovelace (${ada})`);
    expect(t).toContain('SSN •••••1120');
    expect(t).not.toContain(IDENTITY);
    expect(t).toContain('Credit bureau (§6.1) •••••');
    expect(t).not.toContain('score 712');
    expect(t).not.toContain('Reveal identity number');
    // §2.1/§4 segment and tier history, newest first, with the rule; coverage.
    expect(t).toContain('Tier in force: VIP (§4.1)');
    expect(t).toContain(`REGULAR VIP REGULAR → VIP total assets reached the VIP threshold ${policy.version} ${staff.rmA.id}`);
    expect(t.indexOf('total assets reached the VIP threshold')).toBeLessThan(t.indexOf('total assets below the VIP threshold'));
    expect(t).toMatch(new RegExp(`${staff.rmA.id} RELATIONSHIP_MANAGER — .* in force`));
    // §6 rating history and the measures in force (the lifted one is not among them).
    expect(t).toContain('Rating in force: LOW');
    expect(t).toContain('MEDIUM LOW QUARTERLY stable employment for 8 years');
    expect(t).toContain('— MEDIUM INITIAL income varies');
    const measures = between(t, 'Measures in force (§6.2)', 'Risk rating history');
    expect(measures).toContain('PREFERENTIAL_TERMS LOW');
    expect(measures).not.toContain('CLOSE_MONITORING');
    // §6.2 products, §5.1 contacts, the lifecycle linked into the Temporal UI. §5.2 the case is not
    // theirs to see (GET /feedback: their departments' and their own), so neither is its process.
    expect(t).toContain('Revolving credit line (CREDIT_LINE) OPEN');
    expect(t).toContain(`BIRTHDAY_GREETING EMAIL SENT`);
    expect(between(t, 'Feedback cases (§5.2) you may see', 'Open processes')).toContain('No feedback cases.');
    expect(t).not.toContain(caseNo);
    expect(t).toContain(`customer-${ada} CUSTOMER_LIFECYCLE REVIEW_DUE ${formatBankTime((await db.customerLifecycle.findUniqueOrThrow({ where: { customerId: ada } })).nextReviewAt!, zone)} Open customer-${ada} in the Temporal UI (opens in a new tab)`);
    expect(page.html).toContain(`href="${TEMPORAL_UI}/namespaces/default/workflows/customer-${encodeURIComponent(ada)}"`);

    expect((await readsOf(staff.rmA, ada)).filter((r) => r.action === 'customer.read').map((r) => r.entity).sort()).toEqual(
      ['ContactEvent', 'Customer', 'CustomerProduct', 'Process', 'RiskAssessment', 'SegmentChange'],
    );
  });

  test("another relationship manager's customer is the 404 page: nothing shown, nothing read or recorded", async () => {
    const b = await as('rmA');
    const page = await b.get(`/console/customers/${other}`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('Not found');
    expect(page.text).not.toContain('Otto');
    expect(await readsOf(staff.rmA, other)).toEqual([]);
  });

  test('an auditor reveals the identity number with the page’s form: shown once, recorded; a POST without the token reveals nothing', async () => {
    const b = await as('auditor');
    const page = await b.get(`/console/customers/${ada}`);
    expect(page.text).toContain('Reveal identity number');
    expect(page.text).toContain('Reveal credit bureau figures');
    // An auditor sees every feedback case (§5.2), and the case's process with its Temporal UI link.
    expect(page.text).toMatch(new RegExp(`${caseNo} IN_PROGRESS CARD MEDIUM CARDS`));
    expect(page.text).toContain(`feedback-${caseNo} FEEDBACK ${caseNo} IN_PROGRESS`);
    expect(page.html).toContain(`href="${TEMPORAL_UI}/namespaces/default/workflows/feedback-${caseNo}"`);

    const forged = await b.submit(page, `/console/customers/${ada}/reveal`, { field: 'identity' }, { csrf: false });
    expect(forged.status).toBe(403);
    expect(forged.text).not.toContain(IDENTITY);
    expect((await readsOf(staff.auditor, ada)).filter((r) => r.action === 'customer.identity.read')).toEqual([]);

    const revealed = await b.submit(page, `/console/customers/${ada}/reveal`, { field: 'identity' });
    expect(revealed.status).toBe(200);
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    expect(revealed.text).toContain(`SSN ${IDENTITY} Revealed — this view was recorded.`);
    expect((await readsOf(staff.auditor, ada)).filter((r) => r.action === 'customer.identity.read')).toEqual([{ action: 'customer.identity.read', entity: 'IdentityDocument' }]);

    const again = await b.get(`/console/customers/${ada}`);
    expect(again.text).toContain('SSN •••••1120');
    expect(again.text).not.toContain(IDENTITY);
  });

  test('a risk officer reveals the §6.1 credit bureau figures; recorded', async () => {
    const b = await as('risk');
    const page = await b.get(`/console/customers/${ada}`);
    const revealed = await b.submit(page, `/console/customers/${ada}/reveal`, { field: 'creditBureau' });
    expect(revealed.text).toContain('score 712, 1 delinquencies, 0 defaults, reported 2026-10-01 Revealed — this view was recorded.');
    expect((await readsOf(staff.risk, ada)).filter((r) => r.action === 'customer.credit_bureau.read')).toHaveLength(1);
  });

  test('customer service has no reveal button, and its reveal POST is the 403 page: nothing revealed or recorded', async () => {
    const b = await as('cs');
    const page = await b.get(`/console/customers/${ada}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('Reveal identity number');
    const refused = await b.submit(page, `/console/customers/${ada}/reveal`, { field: 'identity' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Not allowed');
    expect(refused.text).not.toContain(IDENTITY);
    expect((await readsOf(staff.cs, ada)).filter((r) => r.action === 'customer.identity.read')).toEqual([]);
  });

  test('the customer list: a relationship manager sees their own; open by id goes to the page; a bad filter is shown next to its field', async () => {
    const b = await as('rmA');
    const list = await b.get('/console/customers');
    expect(list.status).toBe(200);
    expect(list.text).toContain('1 customer, newest first');
    expect(list.text).toContain(`Ada Lovelace ${ada} INDIVIDUAL APPROVED VIP SSN •••••1120 ${staff.rmA.id}`);
    expect(list.text).not.toContain('Otto');

    const opened = await b.get(`/console/customers?id=${encodeURIComponent(ada)}`);
    expect(opened.text).toContain(`Ada Lovelace (${ada})`);

    const admin = await as('admin');
    const all = await admin.get('/console/customers?type=ENTERPRISE');
    expect(all.text).toContain('1 customer, newest first');
    expect(all.text).toContain('Acme Tools LLC');
    const bad = await admin.get('/console/customers?status=ASLEEP');
    expect(bad.status).toBe(400);
    expect(between(bad.text, 'Status', 'Relationship manager')).toContain('one of PENDING_REVIEW');
  });
});

// ── The supervisor page ───────────────────────────────────────────────────────────────────────

describe('supervisor page (§5.2 escalations, overdue work, reassign)', () => {
  beforeAll(async () => {
    // The case missed its response deadline and went to the department head (as the workflow's ladder records it).
    await db.feedbackCase.update({ where: { caseNo }, data: { targetAt: new Date(Date.now() - 2 * 3_600_000), escalationLevel: 1 } });
  });

  test('a relationship manager may not open it', async () => {
    const page = await (await as('rmA')).get('/console/supervisor');
    expect(page.status).toBe(403);
    expect(page.text).toContain('Not allowed');
  });

  test('the supervisor sees the escalated case under its department and the overdue reviews under "assigned"', async () => {
    const page = await (await as('supervisor')).get('/console/supervisor');
    expect(page.status).toBe(200);
    const handler = (await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).handlerStaffId!;
    expect(page.text).toContain('1 case escalated or past the response deadline.');
    expect(page.text).toMatch(new RegExp(`Department CARDS: 1 case .* ${caseNo} IN_PROGRESS \\(deadline missed\\) department head ${handler} `));
    expect(page.text).toContain('2 open tasks past the overdue time.');
    expect(page.text).toMatch(new RegExp(`Team assigned: 2 overdue tasks .*review:${other}:1 PERIODIC_REVIEW ${staff.rmB.id} .*review:${ada}:1 PERIODIC_REVIEW ${staff.rmA.id}`));
  });

  test('reassign: without a reason the form says so next to the field and nothing changes; with one the handler changes', async () => {
    const b = await as('supervisor');
    const before = (await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).handlerStaffId!;
    const target = before === staff.h1.id ? staff.h2 : staff.h1;
    const page = await b.get('/console/supervisor');

    const refused = await b.submit(page, `/console/supervisor/cases/${caseNo}/reassign`, { departmentCode: '', toStaffId: target.id, reason: '' });
    expect(refused.status).toBe(400);
    expect(between(refused.text, `Reassign ${caseNo}`, 'Overdue tasks by team')).toMatch(/Reason must not be blank: say why/);
    expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).handlerStaffId).toBe(before);

    const done = await b.submit(refused, `/console/supervisor/cases/${caseNo}/reassign`, { departmentCode: '', toStaffId: target.id, reason: 'evening out the load' });
    expect(done.status).toBe(200);
    expect(done.text).toContain(`Case ${caseNo} reassigned to ${target.id} in department CARDS.`);
    expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).handlerStaffId).toBe(target.id);
    await until('the reassignment recorded', async () => (await db.auditLog.count({ where: { action: 'feedback.reassign', actorStaffId: staff.supervisor.id } })) === 1);
  });

  test('issue 12: an overdue task’s own reassign form lists who may take it; without a reason the row’s form says so, nothing changes; with one the task moves', async () => {
    // §5.1 a contact by phone for a customer of rmA's whose relationship team has rmB; a §7.1 trainee's module.
    const now = Date.now();
    const cus = await individual(staff.rmA, 'Carla Contact');
    await db.relationshipAssignment.create({ data: { customerId: cus, staffId: staff.rmB.id, role: 'TEAM_MEMBER', expertise: 'RELATIONSHIP_TEAM' } });
    const taskId = `contact:${cus}:BIRTHDAY_GREETING:2026`;
    const moduleId = `training:${staff.h1.id}:FOUNDATION:M2`;
    await db.task.create({ data: { id: taskId, kind: 'CUSTOMER_CONTACT', subject: `BIRTHDAY_GREETING to customer ${cus} by PHONE (§5.1)`, customerId: cus, assigneeStaffId: staff.rmA.id, dueAt: new Date(now - 3 * DAY), overdueAt: new Date(now - 2 * DAY), workflowId: `customer-${cus}`, policyVersion: policy.version } });
    await db.task.create({ data: { id: moduleId, kind: 'TRAINING_MODULE', subject: 'module M2', assigneeStaffId: staff.h1.id, dueAt: new Date(now - 3 * DAY), overdueAt: new Date(now - 2 * DAY), workflowId: `training-${staff.h1.id}-FOUNDATION`, policyVersion: policy.version } });
    try {
      const b = await as('supervisor');
      const page = await b.get('/console/supervisor');
      const row = between(page.html, `Reassign ${taskId}</summary>`, '</form>');
      expect(row).toContain('<label for="t-');
      expect(row).toContain(`Bob Manager (${staff.rmB.id}, `);
      // Not the assignee, not managers who do not look after the customer (§3.1), not a risk officer.
      for (const other of [staff.rmA, staff.h1, staff.h2, staff.head, staff.risk]) expect(row).not.toContain(`(${other.id}, `);
      expect(page.text).toContain("Not reassignable: it is a module of one trainee's own course (§7.1)");

      const action = `/console/supervisor/tasks/${encodeURIComponent(taskId)}/reassign`;
      const refused = await b.submit(page, action, { toStaffId: staff.rmB.id, reason: '' });
      expect(refused.status).toBe(400);
      const form = between(refused.html, `Reassign ${taskId}</summary>`, '</form>');
      expect(form).toMatch(/<p class="field-error" id="t-[^"]+-reason-error">must not be blank: say why<\/p>/);
      expect(form).toMatch(/name="reason"[^>]*aria-invalid="true"/);
      expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).assigneeStaffId).toBe(staff.rmA.id);

      const done = await b.submit(refused, action, { toStaffId: staff.rmB.id, reason: 'Rita is on leave' });
      expect(done.status).toBe(200);
      expect(done.text).toContain(`Task ${taskId} reassigned to ${staff.rmB.id}.`);
      expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).assigneeStaffId).toBe(staff.rmB.id);
      expect(await db.auditLog.count({ where: { action: 'task.reassign', entityId: taskId, actorStaffId: staff.supervisor.id } })).toBe(1);
    } finally {
      // The reports below count open overdue work and active customers: these are this test's only.
      await db.task.updateMany({ where: { id: { in: [taskId, moduleId] } }, data: { status: 'CANCELLED', closedAt: new Date() } });
      await db.customer.update({ where: { id: cus }, data: { status: 'CLOSED' } });
    }
  });
});

// ── Reports ───────────────────────────────────────────────────────────────────────────────────

describe('reports (tables, charts, CSV; roles as the API)', () => {
  beforeAll(async () => {
    // The reassignment recomputed the deadline: the case has missed it again (no first response).
    await db.feedbackCase.update({ where: { caseNo }, data: { targetAt: new Date(Date.now() - 3_600_000), firstResponseAt: null } });
  });

  test('a relationship manager may not open them, nor download a CSV', async () => {
    const b = await as('rmA');
    expect((await b.get('/console/reports')).status).toBe(403);
    expect((await b.get('/console/reports/sla.csv')).status).toBe(403);
  });

  test('the supervisor sees all four, with chart data in a JSON block and the Chart.js asset', async () => {
    const b = await as('supervisor');
    const page = await b.get('/console/reports');
    expect(page.status).toBe(200);
    const t = page.text;
    expect(t).toMatch(/SLA: feedback response times \(§5\.2\) Cases registered from .* 1 , 1 breached \(100\.0 %\)/);
    expect(t).toContain('Department CARDS — Cards 1 1 100.0 %');
    expect(t).toContain('2 periodic reviews overdue');
    expect(t).toMatch(/Overdue reviews by customer segment.* REGULAR 1 0 0 1 0 VIP 1 0 1 0 0/);
    expect(t).toContain('3 active customers.');
    expect(t).toMatch(/Individuals by segment and rating \(2\) Segment LOW MEDIUM HIGH NOT_RATED Total REGULAR 0 0 0 1 1 VIP 1 0 0 0 1/);
    expect(t).toMatch(/Enterprises by segment and rating \(1\) .* SMALL 0 0 0 1 0 1/);
    expect(t).toMatch(/Staff assessments \(§7\.2\) Period \d{4}-Q[1-4] : 0 assessments\./);
    const charts = JSON.parse(/<script type="application\/json" id="report-charts">([\s\S]*?)<\/script>/.exec(page.html)![1]!);
    expect(Object.keys(charts).sort()).toEqual(['overdue-reviews', 'risk-distribution', 'sla', 'staff']);
    expect(charts.sla.labels).toEqual(['CARDS']);
    expect(page.html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const asset = await fetch(`${baseUrl}/console/assets/vendor/chart.umd.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await asset.text()).length).toBeGreaterThan(10_000);
  });

  test('an admin sees the SLA but not the §7.2 staff report (SUPERVISOR, AUDITOR), and its CSV is refused', async () => {
    const b = await as('admin');
    const page = await b.get('/console/reports');
    expect(page.text).toContain('Staff assessments (§7.2) Your role may not see this report: it is for SUPERVISOR, AUDITOR.');
    expect(page.text).toContain('Department CARDS — Cards');
    expect((await b.get('/console/reports/staff.csv')).status).toBe(403);
  });

  test('a risk officer sees the risk distribution only', async () => {
    const b = await as('risk');
    const page = await b.get('/console/reports');
    expect(page.text).toContain('3 active customers.');
    expect(page.text).toContain('SLA: feedback response times (§5.2) Your role may not see this report: it is for SUPERVISOR, ADMIN.');
    expect((await b.get('/console/reports/sla.csv')).status).toBe(403);
  });

  test('CSV downloads: attachment, text/csv, the header row and the rows the tables show', async () => {
    const b = await as('supervisor');
    const sla = await b.get('/console/reports/sla.csv?from=2026-01-01&to=2027-01-01');
    expect(sla.status).toBe(200);
    expect(sla.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(sla.headers.get('content-disposition')).toMatch(/^attachment; filename="sla-report_\d{8}T\d{6}Z_\d{8}T\d{6}Z\.csv"$/);
    const slaLines = sla.html.trimEnd().split('\r\n');
    expect(slaLines[0]).toBe(SLA_CSV_COLUMNS.join(','));
    expect(slaLines[1]).toMatch(/^overall,,,1,/);
    expect(slaLines).toContainEqual(expect.stringMatching(/^department,CARDS,Cards,1,/));

    const risk = await b.get('/console/reports/risk-distribution.csv');
    expect(risk.headers.get('content-disposition')).toMatch(/^attachment; filename="risk-distribution_\d{4}-\d{2}-\d{2}\.csv"$/);
    const riskLines = risk.html.trimEnd().split('\r\n');
    expect(riskLines[0]).toBe('customerType,segment,rating,customers,shareOfSegment');
    expect(riskLines).toEqual(expect.arrayContaining(['INDIVIDUAL,ALL,LOW,1,0.5', 'INDIVIDUAL,ALL,NOT_RATED,1,0.5', 'INDIVIDUAL,VIP,LOW,1,1', 'ENTERPRISE,SMALL,D,1,1']));

    const overdue = await b.get('/console/reports/overdue-reviews.csv');
    // One each: by staff id (rma-… before rmb-…).
    expect(overdue.html.trimEnd().split('\r\n')).toEqual([
      'group,key,name,overdueReviews,0–7 days,8–30 days,31–90 days,> 90 days',
      'overall,,,2,0,1,1,0',
      `assignee,${staff.rmA.id},Rita Manager,1,0,1,0,0`,
      `assignee,${staff.rmB.id},Bob Manager,1,0,0,1,0`,
      'segment,REGULAR,,1,0,0,1,0',
      'segment,VIP,,1,0,1,0,0',
    ]);

    const staffCsv = await b.get('/console/reports/staff.csv?period=2026-Q3');
    expect(staffCsv.headers.get('content-disposition')).toBe('attachment; filename="staff-assessment-2026-Q3.csv"');
    expect(staffCsv.html.split('\r\n')[0]).toMatch(/^period,staffId,name,score,grade,coverage,/);
  });

  test('a bad period is shown next to its field; the other reports still show', async () => {
    const page = await (await as('supervisor')).get('/console/reports?period=2026-Q9');
    expect(page.status).toBe(400);
    expect(between(page.text, 'Staff assessment period', 'Show')).toContain('a quarter YYYY-Qn (e.g. 2026-Q4) or a year YYYY (e.g. 2026)');
    expect(page.text).toContain('3 active customers.');
  });
});

/** The text between two markers (exclusive), for assertions about one part of a page. */
function between(text: string, from: string, to: string): string {
  const start = text.indexOf(from);
  if (start < 0) throw new Error(`"${from}" not on the page: ${text.slice(0, 300)}`);
  const end = text.indexOf(to, start + from.length);
  return text.slice(start + from.length, end < 0 ? undefined : end);
}
