/**
 * §5.2 feedback and complaints through the API, end to end on real parts: HTTP → use cases
 * (src/feedback/) → PostgreSQL, the case's workflow `feedback-<caseNo>` on the Temporal dev server with a
 * worker running the real activities, and a real SMTP server. Clause ids: ../shared/policy.md.
 *   §5.2 registered (case number, classification, routing decision and rule recorded), the process
 *        started (handler assigned, task opened, SLA computed), the response emailed to the customer
 *        (first response recorded), pauses and resumes with who and why, reassignment by a supervisor,
 *        reclassification, notes marked internal, the resolution, the suggestion-box batch;
 *   §3.1 who may do what (403), personal data encrypted at rest and every change audited, bad input
 *        refused with the field named and nothing written (no case, no case number taken, no process),
 *        transitions that do not apply refused with the workflow's reason (409).
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import type { StaffRole } from '../../src/db/generated/client';
import { caseYear } from '../../src/domain/case-number';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { caseStateQuery, feedbackWorkflowId } from '../../workflows/feedback/definitions';
import { apiCaller, staffWithKeys, until, type ApiResponse, type ApiStaff } from '../support/api';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';

const MAIL_FROM = 'care@bank.test';
// Case numbers prefixed FBAPI: the test files share one Temporal namespace, and a case's process is
// `feedback-<caseNo>`, so each file that registers cases numbers them under its own prefix.
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-95', feedback: { ...DEFAULT_POLICY.feedback, caseNumberPrefix: 'FBAPI' } });
const ring = developmentKeyRing();

let stack: ApiStack;
let db: Db;
let baseUrl: string;
let temporal: Client;

const staff = {} as Record<'admin' | 'cs' | 'supervisor' | 'head' | 'h1' | 'h2' | 'complaints' | 'outsider' | 'auditor', ApiStaff>;
const call = apiCaller(() => baseUrl);

/** The case's process has begun: a handler assigned (IN_PROGRESS), its task open, the SLA stored, the workflow's state answering. */
const begun = (caseNo: string) =>
  until(`${caseNo} begun`, async () => {
    const c = await db.feedbackCase.findUnique({ where: { caseNo } });
    const task = await db.task.findFirst({ where: { workflowId: feedbackWorkflowId(caseNo), status: 'OPEN' } });
    if (!(c?.status === 'IN_PROGRESS' && c.targetAt && task)) return undefined;
    return (await temporal.workflow.getHandle(feedbackWorkflowId(caseNo)).query(caseStateQuery)) ? c : undefined;
  });

/** Row counts of everything a refused registration must not touch. */
async function registrationState() {
  const [cases, events, audit, starts, counters] = await Promise.all([
    db.feedbackCase.count(),
    db.feedbackEvent.count(),
    db.auditLog.count({ where: { action: { not: 'feedback.read' } } }),
    db.workflowStart.count(),
    db.caseNumberCounter.findMany({ orderBy: { year: 'asc' } }),
  ]);
  return JSON.stringify({ cases, events, audit, starts, counters });
}

let customer: { id: string; email: string };
const year = () => caseYear(new Date(), policy);
const seq = (n: number) => `${policy.feedback.caseNumberPrefix}-${year()}-${String(n).padStart(6, '0')}`;

/** A hotline call from the known customer about a card: routed to CARDS by rule `cards`. */
const cardCall = (extra: Record<string, unknown> = {}) => ({
  channel: 'HOTLINE',
  customerId: customer.id,
  category: 'CARD',
  severity: 'MEDIUM',
  complexity: 'SIMPLE',
  summary: 'Card declined abroad',
  description: 'The card was declined twice in Lisbon on 3 December.',
  ...extra,
});

/** Someone who is not a customer yet, by the online platform. */
const prospect = (extra: Record<string, unknown> = {}) => ({
  channel: 'ONLINE',
  contact: { name: 'Paula Prospect', email: `${unique('paula')}@example.com`, phone: '+12125550142' },
  customerType: 'INDIVIDUAL',
  category: 'CARD',
  severity: 'LOW',
  complexity: 'SIMPLE',
  summary: 'Question about card fees',
  ...extra,
});

async function registered(body: unknown, as: ApiStaff = staff.cs): Promise<string> {
  const res = await call('POST', '/feedback', { as, body });
  expect([res.status, res.body?.issues, res.body?.message]).toEqual([201, undefined, undefined]);
  return res.body.caseNo as string;
}

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring });
  ({ db, temporal, baseUrl } = stack);
  const rm: StaffRole[] = ['RELATIONSHIP_MANAGER'];
  await staffWithKeys(db, staff, { admin: ['ADMIN'], cs: ['CUSTOMER_SERVICE'], supervisor: ['SUPERVISOR'], head: rm, h1: rm, h2: rm, complaints: rm, outsider: rm, auditor: ['AUDITOR'] });
  await db.department.create({ data: { code: 'CARDS', name: 'Cards', headStaffId: staff.head.id } });
  await db.department.create({ data: { code: 'COMPLAINTS', name: 'Complaints unit', headStaffId: staff.head.id } });
  await db.department.create({ data: { code: 'CUSTOMER_SERVICE', name: 'Customer service', headStaffId: staff.head.id } });
  await db.departmentMember.createMany({
    data: [
      { departmentCode: 'CARDS', staffId: staff.h1.id },
      { departmentCode: 'CARDS', staffId: staff.h2.id },
      { departmentCode: 'CARDS', staffId: staff.head.id, handlesFeedback: false },
      { departmentCode: 'COMPLAINTS', staffId: staff.complaints.id },
      { departmentCode: 'CUSTOMER_SERVICE', staffId: staff.complaints.id },
    ],
  });
  const id = unique('cus');
  customer = { id, email: `${id}@example.com` };
  await db.customer.create({
    data: { id, type: 'INDIVIDUAL', status: 'APPROVED', displayName: 'Carla Customer', email: customer.email, contactPreferences: { email: true }, channel: 'BRANCH', createdByStaffId: staff.cs.id },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('register (§5.2 classified, registered, routed)', () => {
  let caseNo: string;

  test('a hotline call → 201 <prefix>-<year>-000001, routed to CARDS by rule cards, encrypted at rest, audited; the process assigns a handler and opens the task', async () => {
    const before = await db.caseNumberCounter.findUnique({ where: { year: year() } });
    expect(before).toBeNull();
    const res = await call('POST', '/feedback', { as: staff.cs, body: cardCall() });
    expect([res.status, res.body?.issues]).toEqual([201, undefined]);
    caseNo = res.body.caseNo;
    expect(caseNo).toBe(seq(1));
    expect(res.body).toMatchObject({
      channel: 'HOTLINE',
      status: 'REGISTERED',
      customerId: customer.id,
      customerType: 'INDIVIDUAL', // from the customer's row
      contact: null,
      category: 'CARD',
      severity: 'MEDIUM',
      complexity: 'SIMPLE',
      summary: 'Card declined abroad',
      departmentCode: 'CARDS',
      routingRuleId: 'cards',
      registeredByStaffId: staff.cs.id,
      policyVersion: policy.version,
      workflowId: `feedback-${caseNo}`,
    });
    expect(res.body.timeline.map((e: any) => [e.kind, e.data])).toEqual([
      ['REGISTERED', { channel: 'HOTLINE', category: 'CARD', severity: 'MEDIUM', complexity: 'SIMPLE', customerType: 'INDIVIDUAL' }],
      ['ROUTED', { departmentCode: 'CARDS', routingRuleId: 'cards', policyVersion: policy.version }],
    ]);

    const row = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } });
    expect(row.summaryCiphertext).toMatch(/^v1\./);
    expect(row.descriptionCiphertext).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('Lisbon');
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: 'feedback.register', entityId: caseNo } });
    expect(audit).toMatchObject({ actorStaffId: staff.cs.id, customerId: customer.id });
    expect((audit.changes as any).summary).toBe('changed');
    expect((audit.changes as any).departmentCode).toEqual({ before: null, after: 'CARDS' });
    expect(JSON.stringify(audit.changes)).not.toContain('Lisbon');

    const started = await begun(caseNo);
    expect([staff.h1.id, staff.h2.id]).toContain(started.handlerStaffId); // least-loaded member who handles feedback (not the head)
    expect((await db.workflowStart.findUniqueOrThrow({ where: { workflowId: `feedback-${caseNo}` } })).startedAt).not.toBeNull();
    const description = await temporal.workflow.getHandle(`feedback-${caseNo}`).describe();
    expect(description.status.name).toBe('RUNNING');
  });

  test('GET shows the case in clear, its timeline and the live state from the workflow (deadline 24 clock hours, remaining time)', async () => {
    const res = await call('GET', `/feedback/${caseNo}`, { as: staff.h1 });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.description).toBe('The card was declined twice in Lisbon on 3 December.');
    expect(res.body.timeline.map((e: any) => e.kind)).toEqual(['REGISTERED', 'ROUTED', 'ASSIGNED']);
    const live = res.body.live;
    expect(live).toMatchObject({ source: 'workflow', status: 'IN_PROGRESS', departmentCode: 'CARDS', slaKind: 'INDIVIDUAL', clock: 'WALL', paused: false, escalationLevel: 0, firstResponseAt: null });
    const registeredAt = Date.parse(res.body.registeredAt);
    expect(Date.parse(live.deadline)).toBe(registeredAt + 24 * 3_600_000);
    expect(live.remainingMs).toBeGreaterThan(23 * 3_600_000);
    expect(live.remainingMs).toBeLessThanOrEqual(24 * 3_600_000);
    expect(await db.auditLog.count({ where: { action: 'feedback.read', entityId: caseNo, actorStaffId: staff.h1.id } })).toBe(1);
  });

  test('someone who is not a customer, online by any authenticated staff member: contact encrypted with a blind index; explicit handler honoured', async () => {
    const body = prospect({ handlerStaffId: staff.h2.id });
    const res = await call('POST', '/feedback', { as: staff.outsider, body });
    expect([res.status, res.body?.issues]).toEqual([201, undefined]);
    expect(res.body).toMatchObject({ channel: 'ONLINE', customerId: null, registeredByStaffId: null, contact: body.contact, departmentCode: 'CARDS', handlerStaffId: staff.h2.id });
    const row = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: res.body.caseNo } });
    expect(row.contactEmailCiphertext).toMatch(/^v1\./);
    expect(row.contactEmailBlindIndex).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain('Paula');
    const c = await begun(res.body.caseNo);
    expect(c.handlerStaffId).toBe(staff.h2.id);
  });

  test('a rule’s department that does not exist → the default department (rule default, the matched rule recorded); with the default inactive too → 409, nothing written', async () => {
    // LOAN → LENDING (rule loans), which does not exist here.
    const res = await call('POST', '/feedback', { as: staff.cs, body: cardCall({ category: 'LOAN' }) });
    expect([res.status, res.body?.departmentCode, res.body?.routingRuleId]).toEqual([201, 'CUSTOMER_SERVICE', 'default']);
    expect(res.body.timeline[1].data).toEqual({
      departmentCode: 'CUSTOMER_SERVICE',
      routingRuleId: 'default',
      policyVersion: policy.version,
      fallbackFrom: { departmentCode: 'LENDING', routingRuleId: 'loans', reason: 'department LENDING does not exist' },
    });

    await db.department.update({ where: { code: 'CUSTOMER_SERVICE' }, data: { active: false } });
    try {
      const before = await registrationState();
      const refused = await call('POST', '/feedback', { as: staff.cs, body: cardCall({ category: 'LOAN' }) });
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/no department can take this case: the policy's rule loans routes it to department LENDING, which does not exist, and the default department CUSTOMER_SERVICE is inactive/);
      expect(await registrationState()).toBe(before);
    } finally {
      await db.department.update({ where: { code: 'CUSTOMER_SERVICE' }, data: { active: true } });
    }
  });

  test('bad input → 400 naming every bad field, and nothing written: no case, no case number taken, no process', async () => {
    // The cases registered above have begun (each has its task, written with its assignment, if any, in
    // one transaction), so what follows is ours alone. A case may stay REGISTERED: no handler to assign.
    await until('earlier cases begun', async () => {
      const cases = await db.feedbackCase.findMany({ select: { workflowId: true } });
      const begun = await db.task.findMany({ where: { workflowId: { in: cases.map((c) => c.workflowId) } }, distinct: ['workflowId'], select: { workflowId: true } });
      return begun.length === cases.length;
    });
    const before = await registrationState();
    const bad = await call('POST', '/feedback', { as: staff.cs, body: { channel: 'FAX', category: 'CARDS', severity: 'URGENT', complexity: 'EASY', summary: '  ', surprise: 1 } });
    expect(bad.status).toBe(400);
    const fields = (bad.body.issues as { field: string }[]).map((i) => i.field).sort();
    expect(fields).toEqual(['category', 'channel', 'complexity', 'customerId', 'severity', 'summary', 'surprise']);
    expect(bad.body.issues.find((i: any) => i.field === 'category').reason).toBe(`one of the policy's categories: ${policy.feedback.categories.join(', ')}`);

    const cases: [string, unknown, string, RegExp][] = [
      ['contact without customer type', prospect({ customerType: undefined }), 'customerType', /required for someone who is not a customer/],
      ['contact without email or phone', prospect({ contact: { name: 'Paula Prospect' } }), 'contact.email', /an email address or a phone number is required/],
      ['both customer and contact', cardCall({ contact: { name: 'X Y', email: 'x@example.com' } }), 'contact', /not both/],
      ['unknown customer', cardCall({ customerId: 'cus_nobody' }), 'customerId', /no such customer/],
      ['customer type disagreeing with the customer', cardCall({ customerType: 'ENTERPRISE' }), 'customerType', /is INDIVIDUAL: leave customerType out, or give INDIVIDUAL/],
      ['handler outside the routed department', cardCall({ handlerStaffId: staff.complaints.id }), 'handlerStaffId', /not a member of department CARDS/],
      ['handler who takes no cases', cardCall({ handlerStaffId: staff.head.id }), 'handlerStaffId', /does not handle feedback in department CARDS/],
      ['summary too long', cardCall({ summary: 'x'.repeat(201) }), 'summary', /at most 200 characters/],
    ];
    for (const [what, body, field, reason] of cases) {
      const res = await call('POST', '/feedback', { as: staff.cs, body });
      const issue = (res.body?.issues ?? []).find((i: any) => i.field === field);
      expect([what, res.status, issue?.reason]).toEqual([what, 400, expect.stringMatching(reason)]);
    }
    // Personal data is never echoed (§3.1).
    const echoed = await call('POST', '/feedback', { as: staff.cs, body: prospect({ contact: { name: 'Paula 123', email: 'paula-at-example' } }) });
    expect(echoed.status).toBe(400);
    expect(echoed.text).not.toContain('Paula 123');
    expect(echoed.text).not.toContain('paula-at-example');

    expect(await registrationState()).toBe(before);
    await expect(temporal.workflow.getHandle(`feedback-${seq(4)}`).describe()).rejects.toThrow(/not found/i);
  });

  test('§3.1 roles: the hotline is CUSTOMER_SERVICE’s (403 first, whatever the body); a case is seen by its department and the service roles only', async () => {
    const before = await registrationState();
    const refused = await call('POST', '/feedback', { as: staff.outsider, body: { channel: 'HOTLINE', summary: 1 } });
    expect([refused.status, refused.body.message]).toEqual([403, expect.stringMatching(/the service hotline is entered by CUSTOMER_SERVICE, SUPERVISOR, ADMIN/)]);
    expect(await registrationState()).toBe(before);

    expect((await call('GET', `/feedback/${caseNo}`, { as: staff.outsider })).status).toBe(403);
    expect((await call('GET', `/feedback/${caseNo}`, { as: staff.complaints })).status).toBe(403);
    for (const who of [staff.cs, staff.auditor, staff.supervisor, staff.head, staff.h2]) expect([who.id, (await call('GET', `/feedback/${caseNo}`, { as: who })).status]).toEqual([who.id, 200]);
    expect((await call('GET', `/feedback/${seq(999)}`, { as: staff.cs })).status).toBe(404);

    const handling = [
      ['respond', { body: 'Hello' }],
      ['note', { body: 'Hello' }],
      ['pause', { reason: 'x' }],
      ['resolve', { resolution: 'x' }],
    ] as const;
    for (const [what, body] of handling) {
      for (const who of [staff.outsider, staff.cs, staff.auditor]) {
        const res = await call('POST', `/feedback/${caseNo}/${what}`, { as: who, body });
        expect([what, who.id, res.status]).toEqual([what, who.id, 403]);
      }
    }
    const reassign = await call('POST', `/feedback/${caseNo}/reassign`, { as: staff.h1, body: { toStaffId: staff.h2.id, reason: 'x' } });
    expect(reassign.status).toBe(403);
    expect(await registrationState()).toBe(before);
  });

  test('Idempotency-Key: the same POST twice registers one case and replays the first answer', async () => {
    const key = unique('idem');
    const body = cardCall({ summary: 'Retried registration' });
    const first = await call('POST', '/feedback', { as: staff.cs, body, headers: { 'idempotency-key': key } });
    const again = await call('POST', '/feedback', { as: staff.cs, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    expect([again.status, again.headers.get('idempotent-replayed'), again.body.caseNo]).toEqual([201, 'true', first.body.caseNo]);
    expect(await db.feedbackEvent.count({ where: { caseNo: first.body.caseNo, kind: 'REGISTERED' } })).toBe(1);
  });
});

describe('handling a case (§5.2)', () => {
  test('respond → the customer’s email arrives; GET shows firstResponseAt, RESPONDED and the response in the timeline; the deadline is met (no remaining time)', async () => {
    const caseNo = await registered(cardCall({ summary: 'Respond to me' }));
    const c = await begun(caseNo);
    const handler = c.handlerStaffId === staff.h1.id ? staff.h1 : staff.h2;
    const res = await call('POST', `/feedback/${caseNo}/respond`, { as: handler, body: { body: 'We have lifted the block; please try again.' } });
    expect([res.status, res.body?.message]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({ caseNo, eventId: expect.stringMatching(/^\d+$/), live: { source: 'workflow', status: 'RESPONDED', remainingMs: null } });
    expect(res.body.live.firstResponseAt).not.toBeNull();

    const [mail] = await stack.smtp.waitFor((m) => m.some((x) => x.to.includes(customer.email) && x.subject.includes(caseNo)));
    const email = stack.smtp.to(customer.email).find((m) => m.subject.includes(caseNo))!;
    expect(mail).toBeDefined();
    expect(email.subject).toBe(`Your feedback ${caseNo}: our response`);
    expect(email.text).toContain('We have lifted the block; please try again.');

    const shown = await call('GET', `/feedback/${caseNo}`, { as: handler });
    expect(shown.body).toMatchObject({ status: 'RESPONDED', breached: false });
    expect(shown.body.firstResponseAt).toBe(res.body.live.firstResponseAt);
    const response = shown.body.timeline.find((e: any) => e.kind === 'RESPONSE');
    expect(response).toMatchObject({ id: res.body.eventId, actorStaffId: handler.id, internal: false, body: 'We have lifted the block; please try again.' });
    const row = await db.feedbackEvent.findUniqueOrThrow({ where: { id: BigInt(res.body.eventId) } });
    expect(row.bodyCiphertext).toMatch(/^v1\./);
    expect(row.idempotencyKey).toMatch(new RegExp(`^${caseNo}:RESPONSE:[0-9a-f-]{36}$`));
    expect(await db.auditLog.count({ where: { action: 'feedback.response.record', entityId: caseNo, actorStaffId: handler.id } })).toBe(1);
  });

  test('a non-customer’s response goes to the contact address left with the case', async () => {
    const body = prospect();
    const caseNo = await registered(body);
    await begun(caseNo);
    const res = await call('POST', `/feedback/${caseNo}/respond`, { as: staff.supervisor, body: { body: 'Our card fees are listed at bank.example/fees.' } });
    expect(res.status).toBe(200);
    await stack.smtp.waitFor(() => stack.smtp.to(body.contact.email).some((m) => m.subject === `Your feedback ${caseNo}: our response`));
  });

  test('pause → WAITING_ON_CUSTOMER (clock paused); again → 409; resume → running with a new deadline; again → 409; every pause and resume with who and why', async () => {
    const caseNo = await registered(cardCall({ summary: 'Pause me' }));
    await begun(caseNo);
    const paused = await call('POST', `/feedback/${caseNo}/pause`, { as: staff.h1, body: { reason: 'Waiting for the card statement' } });
    expect([paused.status, paused.body?.message]).toEqual([200, undefined]);
    expect(paused.body.live).toMatchObject({ status: 'WAITING_ON_CUSTOMER', paused: true });

    const again = await call('POST', `/feedback/${caseNo}/pause`, { as: staff.h1, body: { reason: 'again' } });
    expect([again.status, again.body.message]).toEqual([409, `case ${caseNo} is WAITING_ON_CUSTOMER: the clock is already paused`]);

    await new Promise((r) => setTimeout(r, 1_100)); // a pause of a second: the deadline moves by it
    const resumed = await call('POST', `/feedback/${caseNo}/resume`, { as: staff.h2, body: { reason: 'Statement received' } });
    expect([resumed.status, resumed.body?.message]).toEqual([200, undefined]);
    expect(resumed.body.live).toMatchObject({ status: 'IN_PROGRESS', paused: false });
    const c = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } });
    expect(Date.parse(resumed.body.live.deadline) - (c.registeredAt.getTime() + 24 * 3_600_000)).toBeGreaterThanOrEqual(1_000);

    const notPaused = await call('POST', `/feedback/${caseNo}/resume`, { as: staff.h1, body: { reason: 'again' } });
    expect([notPaused.status, notPaused.body.message]).toEqual([409, `case ${caseNo} is IN_PROGRESS: only a case waiting on the customer can resume`]);

    const timeline = (await call('GET', `/feedback/${caseNo}`, { as: staff.h1 })).body.timeline.filter((e: any) => ['PAUSED', 'RESUMED'].includes(e.kind));
    expect(timeline.map((e: any) => [e.kind, e.actorStaffId, e.reason])).toEqual([
      ['PAUSED', staff.h1.id, 'Waiting for the card statement'],
      ['RESUMED', staff.h2.id, 'Statement received'],
    ]);
    const missingReason = await call('POST', `/feedback/${caseNo}/pause`, { as: staff.h1, body: {} });
    expect([missingReason.status, missingReason.body.issues.map((i: any) => i.field)]).toEqual([400, ['reason']]);
  });

  test('reassign by a SUPERVISOR: to the other handler (the task moves, REASSIGNED with who and why); to a non-member → 400; to where it is → 409; to another department', async () => {
    const caseNo = await registered(cardCall({ summary: 'Reassign me', handlerStaffId: staff.h1.id }));
    await begun(caseNo);
    const bad = await call('POST', `/feedback/${caseNo}/reassign`, { as: staff.supervisor, body: { toStaffId: staff.complaints.id, reason: 'x' } });
    expect([bad.status, bad.body.issues]).toEqual([400, [{ field: 'toStaffId', value: staff.complaints.id, reason: 'not a member of department CARDS' }]]);
    const same = await call('POST', `/feedback/${caseNo}/reassign`, { as: staff.supervisor, body: { toStaffId: staff.h1.id, reason: 'x' } });
    expect(same.status).toBe(409);
    const none = await call('POST', `/feedback/${caseNo}/reassign`, { as: staff.supervisor, body: { reason: 'x' } });
    expect([none.status, none.body.issues[0].field]).toEqual([400, 'toStaffId']);

    const res = await call('POST', `/feedback/${caseNo}/reassign`, { as: staff.supervisor, body: { toStaffId: staff.h2.id, reason: 'h1 is on leave' } });
    expect([res.status, res.body?.message]).toEqual([200, undefined]);
    expect(res.body.live).toMatchObject({ handlerStaffId: staff.h2.id, departmentCode: 'CARDS' });
    expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } })).handlerStaffId).toBe(staff.h2.id);
    expect((await db.task.findFirstOrThrow({ where: { workflowId: feedbackWorkflowId(caseNo), status: 'OPEN' } })).assigneeStaffId).toBe(staff.h2.id);
    const shown = await call('GET', `/feedback/${caseNo}`, { as: staff.supervisor });
    expect(shown.body.timeline.find((e: any) => e.kind === 'REASSIGNED')).toMatchObject({ actorStaffId: staff.supervisor.id, reason: 'h1 is on leave' });

    const moved = await call('POST', `/feedback/${caseNo}/reassign`, { as: staff.admin, body: { departmentCode: 'COMPLAINTS', reason: 'It is a complaint' } });
    expect([moved.status, moved.body?.message]).toEqual([200, undefined]);
    expect(moved.body.live).toMatchObject({ departmentCode: 'COMPLAINTS', handlerStaffId: staff.complaints.id });
    // Now the complaints unit's: CARDS' members no longer handle it.
    expect((await call('POST', `/feedback/${caseNo}/note`, { as: staff.h1, body: { body: 'still here?' } })).status).toBe(403);
  });

  test('reclassify: the columns, RECLASSIFIED with the codes before and after, audited; the same classification again writes nothing', async () => {
    const caseNo = await registered(cardCall({ summary: 'Reclassify me' }));
    await begun(caseNo);
    const res = await call('POST', `/feedback/${caseNo}/reclassify`, { as: staff.h1, body: { severity: 'HIGH', complexity: 'COMPLEX', reason: 'Fraud suspected' } });
    expect([res.status, res.body?.message, res.body?.changed]).toEqual([200, undefined, true]);
    const row = await db.feedbackCase.findUniqueOrThrow({ where: { caseNo } });
    expect([row.severity, row.complexity]).toEqual(['HIGH', 'COMPLEX']);
    const event = await db.feedbackEvent.findFirstOrThrow({ where: { caseNo, kind: 'RECLASSIFIED' } });
    expect([event.actorStaffId, event.reason, event.data]).toEqual([
      staff.h1.id,
      'Fraud suspected',
      { before: { category: 'CARD', severity: 'MEDIUM', complexity: 'SIMPLE', customerType: 'INDIVIDUAL' }, after: { category: 'CARD', severity: 'HIGH', complexity: 'COMPLEX', customerType: 'INDIVIDUAL' } },
    ]);
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: 'feedback.reclassify', entityId: caseNo } });
    expect(audit.changes).toEqual({ severity: { before: 'MEDIUM', after: 'HIGH' }, complexity: { before: 'SIMPLE', after: 'COMPLEX' } });

    const events = await db.feedbackEvent.count({ where: { caseNo } });
    const again = await call('POST', `/feedback/${caseNo}/reclassify`, { as: staff.h1, body: { severity: 'HIGH', reason: 'again' } });
    expect([again.status, again.body.changed, again.body.eventId]).toEqual([200, false, null]);
    expect(await db.feedbackEvent.count({ where: { caseNo } })).toBe(events);

    const bad = await call('POST', `/feedback/${caseNo}/reclassify`, { as: staff.h1, body: { customerType: 'ENTERPRISE', severity: 'NOPE', reason: 'x' } });
    expect([bad.status, bad.body.issues.map((i: any) => i.field)]).toEqual([400, ['severity']]);
    const nothing = await call('POST', `/feedback/${caseNo}/reclassify`, { as: staff.h1, body: { reason: 'x' } });
    expect([nothing.status, nothing.body.issues.map((i: any) => i.field)]).toEqual([400, ['category']]);
  });

  test('notes: internal by default, marked in the timeline; no workflow message; 201', async () => {
    const caseNo = await registered(cardCall({ summary: 'Note me' }));
    const internal = await call('POST', `/feedback/${caseNo}/note`, { as: staff.h2, body: { body: 'Customer sounded upset' } });
    const shared = await call('POST', `/feedback/${caseNo}/note`, { as: staff.h2, body: { body: 'Called back, no answer', internal: false } });
    expect([internal.status, internal.body.internal, shared.status, shared.body.internal]).toEqual([201, true, 201, false]);
    const timeline = (await call('GET', `/feedback/${caseNo}`, { as: staff.cs })).body.timeline.filter((e: any) => e.kind === 'NOTE');
    expect(timeline.map((e: any) => [e.body, e.internal, e.actorStaffId])).toEqual([
      ['Customer sounded upset', true, staff.h2.id],
      ['Called back, no answer', false, staff.h2.id],
    ]);
  });

  test('resolve → RESOLVED and the resolution emailed with the survey link; then resolve, respond, pause → 409 with the reason and nothing written', async () => {
    const caseNo = await registered(cardCall({ summary: 'Resolve me' }));
    await begun(caseNo);
    const res = await call('POST', `/feedback/${caseNo}/resolve`, { as: staff.h1, body: { resolution: 'A new card is on its way.' } });
    expect([res.status, res.body?.message]).toEqual([200, undefined]);
    expect(res.body.live.status).toBe('RESOLVED');
    await stack.smtp.waitFor(() => stack.smtp.to(customer.email).some((m) => m.subject === `Your feedback ${caseNo} has been resolved` && m.text.includes('A new card is on its way.')));

    const events = await db.feedbackEvent.count({ where: { caseNo } });
    const audits = await db.auditLog.count({ where: { entityId: caseNo, action: { not: 'feedback.read' } } });
    for (const [what, body] of [
      ['resolve', { resolution: 'again' }],
      ['respond', { body: 'again' }],
      ['pause', { reason: 'again' }],
    ] as const) {
      const refused = await call('POST', `/feedback/${caseNo}/${what}`, { as: staff.h1, body });
      expect([what, refused.status, refused.body.message]).toEqual([what, 409, expect.stringMatching(new RegExp(`^case ${caseNo} is RESOLVED`))]);
    }
    expect(await db.feedbackEvent.count({ where: { caseNo } })).toBe(events);
    expect(await db.auditLog.count({ where: { entityId: caseNo, action: { not: 'feedback.read' } } })).toBe(audits);
  });
});

describe('the suggestion box and the lists', () => {
  test('batch: one bad item → 400 listing every bad item’s index and field, nothing written; a good batch → all registered, consecutive numbers', async () => {
    const slip = (summary: string, extra: Record<string, unknown> = {}) => ({ customerId: customer.id, category: 'DIGITAL', severity: 'LOW', complexity: 'SIMPLE', summary, ...extra });
    const before = await registrationState();
    const bad = await call('POST', '/feedback/batch', { as: staff.auditor, body: { items: [slip('fine'), slip('bad category', { category: 'X' }), slip('bad customer', { customerId: 'cus_nobody' }), { summary: 'who?' }] } });
    expect(bad.status).toBe(400);
    expect((bad.body.issues as any[]).map((i) => i.field).sort()).toEqual(['items.1.category', 'items.3.category', 'items.3.complexity', 'items.3.customerId', 'items.3.severity']);
    // items.2 passes the schema; its customer is checked only once every item's fields are valid.
    expect(await registrationState()).toBe(before);
    const unknownCustomer = await call('POST', '/feedback/batch', { as: staff.auditor, body: { items: [slip('fine'), slip('bad customer', { customerId: 'cus_nobody' })] } });
    expect([unknownCustomer.status, unknownCustomer.body.issues]).toEqual([400, [{ field: 'items.1.customerId', value: 'cus_nobody', reason: 'no such customer' }]]);
    expect(await registrationState()).toBe(before);

    await db.department.create({ data: { code: 'DIGITAL', name: 'Digital', headStaffId: staff.head.id } });
    await db.departmentMember.create({ data: { departmentCode: 'DIGITAL', staffId: staff.h1.id } });
    const ok = await call('POST', '/feedback/batch', { as: staff.auditor, body: { items: [slip('App crashes'), slip('Login slow', { contact: undefined })] } });
    expect([ok.status, ok.body?.issues]).toEqual([201, undefined]);
    expect(ok.body.registered).toBe(2);
    const [a, b] = ok.body.cases;
    expect(a).toMatchObject({ departmentCode: 'DIGITAL', routingRuleId: 'digital', status: 'REGISTERED' });
    expect(Number(b.caseNo.slice(-6))).toBe(Number(a.caseNo.slice(-6)) + 1);
    await begun(a.caseNo);
    await begun(b.caseNo);
    expect((await db.feedbackCase.findUniqueOrThrow({ where: { caseNo: a.caseNo } })).channel).toBe('SUGGESTION_BOX');
  });

  test('list: newest first, keyset pages without repeats or gaps; filters by department, status, customer, breached; scoped for other staff', async () => {
    const all = await db.feedbackCase.findMany({ where: { departmentCode: 'CARDS' }, orderBy: [{ registeredAt: 'desc' }, { caseNo: 'desc' }] });
    expect(all.length).toBeGreaterThanOrEqual(6);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ApiResponse = await call('GET', `/feedback?department=CARDS&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { as: staff.cs });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i: any) => i.caseNo));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(seen).toEqual(all.map((c) => c.caseNo));
    const item = (await call('GET', '/feedback?limit=1', { as: staff.cs })).body.items[0];
    expect(Object.keys(item).sort()).toEqual(
      ['breached', 'caseNo', 'category', 'channel', 'complexity', 'customerId', 'customerType', 'departmentCode', 'escalationLevel', 'firstResponseAt', 'handlerStaffId', 'hardLimitAt', 'pausedAt', 'registeredAt', 'resolvedAt', 'severity', 'status', 'targetAt'].sort(),
    );

    const resolved = await call('GET', '/feedback?status=RESOLVED', { as: staff.supervisor });
    expect(resolved.body.items.length).toBeGreaterThanOrEqual(1);
    expect(resolved.body.items.every((i: any) => i.status === 'RESOLVED')).toBe(true);
    const open = await call('GET', '/feedback?status=OPEN&limit=100', { as: staff.supervisor });
    expect(open.body.items.some((i: any) => i.status === 'RESOLVED')).toBe(false);
    const mine = await call('GET', `/feedback?customerId=${customer.id}&limit=100`, { as: staff.auditor });
    expect(mine.body.items.length).toBe(await db.feedbackCase.count({ where: { customerId: customer.id } }));

    // A case whose deadline passed without a response is breached; a response in time is not.
    const late = all.find((c) => c.firstResponseAt === null && c.status === 'IN_PROGRESS')!;
    await db.feedbackCase.update({ where: { caseNo: late.caseNo }, data: { targetAt: new Date(Date.now() - 60_000) } });
    const breached = await call('GET', '/feedback?breached=true&limit=100', { as: staff.cs });
    expect(breached.body.items.map((i: any) => i.caseNo)).toEqual([late.caseNo]);
    expect(breached.body.items[0].breached).toBe(true);
    const notBreached = await call('GET', '/feedback?breached=false&limit=100', { as: staff.cs });
    expect(notBreached.body.items.map((i: any) => i.caseNo)).not.toContain(late.caseNo);
    expect(notBreached.body.items.length).toBe((await db.feedbackCase.count()) - 1);

    // Other staff: their departments' cases only.
    const h1 = await call('GET', '/feedback?limit=100', { as: staff.h1 });
    expect(h1.body.items.every((i: any) => ['CARDS', 'DIGITAL'].includes(i.departmentCode) || i.handlerStaffId === staff.h1.id)).toBe(true);
    expect((await call('GET', '/feedback?department=COMPLAINTS', { as: staff.h1 })).status).toBe(403);
    expect((await call('GET', '/feedback', { as: staff.outsider })).body.items).toEqual([]);

    const bad = await call('GET', '/feedback?status=LOST&breached=maybe&limit=0&cursor=nope', { as: staff.cs });
    expect([bad.status, bad.body.issues.map((i: any) => i.field).sort()]).toEqual([400, ['breached', 'limit', 'status']]);
    expect((await call('GET', '/feedback?cursor=nope', { as: staff.cs })).body.issues[0].field).toBe('cursor');
  });
});

describe('the inbox (GET /tasks)', () => {
  test('a case nobody in its department handles waits on the department team: its members and head see it in their inbox, others do not', async () => {
    await db.departmentMember.update({ where: { departmentCode_staffId: { departmentCode: 'COMPLAINTS', staffId: staff.complaints.id } }, data: { handlesFeedback: false } });
    try {
      const caseNo = await registered(cardCall({ severity: 'CRITICAL' })); // rule critical → COMPLAINTS
      const task = await until('the case task', () => db.task.findFirst({ where: { workflowId: `feedback-${caseNo}`, status: 'OPEN' } }));
      expect([task.kind, task.assigneeStaffId, task.team]).toEqual(['FEEDBACK_CASE', null, 'department:COMPLAINTS']);
      const inbox = async (as: ApiStaff) => ((await call('GET', '/tasks?kind=FEEDBACK_CASE', { as })).body.items as { id: string }[]).map((t) => t.id);
      expect(await inbox(staff.complaints)).toContain(task.id);
      expect(await inbox(staff.head)).toContain(task.id);
      expect(await inbox(staff.h1)).not.toContain(task.id);
    } finally {
      await db.departmentMember.update({ where: { departmentCode_staffId: { departmentCode: 'COMPLAINTS', staffId: staff.complaints.id } }, data: { handlesFeedback: true } });
    }
  });
});
