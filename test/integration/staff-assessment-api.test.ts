/**
 * §7.2 staff assessment end to end on real parts: HTTP → use cases → PostgreSQL, the period's run
 * `staff-assessment-<period>` on the Temporal dev server with a worker running the real activities,
 * and a real SMTP server. A quarter's assessment of a relationship manager is computed from what was
 * done through the API in it:
 *   - two VIP customers entered by the manager and approved, the second referred by the first (§7.2
 *     loyalty: referredByCustomerId at first contact, validated);
 *   - three products opened for them, two with an amount (growth, repeat purchase);
 *   - a hotline case routed to the manager's department, answered in time, resolved, and its survey
 *     answered through the emailed link (satisfaction, SLA); a supervisor's phone follow-ups;
 *   - a periodic review done on time (§3.2, the lifecycle restarted as a migrated customer's so that
 *     it falls due at once, as in lifecycle-api.test.ts).
 * Then: the run records every assessed staff member (the manager's inputs, indicators, score and
 * grade as computed by hand; a customer-service colleague with no data: NO_DATA), opens each
 * manager's guidance task with its reminder; guidance written through the API closes the task and
 * the staff member receives their result by email; the run ends once every result is out. A
 * supervisor's recompute is idempotent (same inputs: one record, unchanged, nothing audited) and
 * follows changed inputs (revision 2, audited); GET /staff/:id/assessments and GET /reports/staff
 * (JSON, CSV) with their roles (§3.1).
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/client';
import { ensureLifecycles } from '../../src/lifecycle/ensure-lifecycles';
import { DEFAULT_POLICY, parsePolicy } from '../../src/policy/policy';
import { developmentKeyRing } from '../../src/security/keyring';
import { systemClock } from '../../src/shared/clock';
import { periodContaining } from '../../src/staff-assessment/period';
import { describeStaffSchedule, ensureStaffSchedules } from '../../src/staff-assessment/schedule';
import { customerWorkflowId } from '../../workflows/lifecycle/definitions';
import { staffAssessmentWorkflowId, type StaffAssessmentState } from '../../workflows/staff-assessment/definitions';
import { apiCaller, approvedCustomer, staffWithKeys, until, vipBody, type ApiStaff } from '../support/api';
import { ccmRunner, cliKeys } from '../support/cli';
import { unique } from '../support/fixtures';
import { startApiStack, type ApiStack } from '../support/stack';
import { devServerAddress } from '../support/temporal';

const MAIL_FROM = 'care@bank.test';
// Case numbers under their own prefix: the test files share one Temporal namespace (feedback-<caseNo>).
const policy = parsePolicy({ ...DEFAULT_POLICY, version: '2026.12-95', feedback: { ...DEFAULT_POLICY.feedback, caseNumberPrefix: 'FBSTA' } });
const ring = developmentKeyRing();
const TZ = policy.onboarding.timeZone;
const period = periodContaining(new Date(), 'QUARTER', TZ).id;

let stack: ApiStack;
let db: Db;
let baseUrl: string;
let temporal: Client;

const staff = {} as Record<'rm' | 'cs' | 'head' | 'auditor' | 'supervisor' | 'admin', ApiStaff>;
const call = apiCaller(() => baseUrl);

/** POST /customers by the manager, approval by the AUDITOR, the lifecycle running; staff.rm, the only relationship manager, manages it (§4.1). */
async function approved(body: Record<string, unknown>): Promise<{ id: string; email: string }> {
  const { id, managerId } = await approvedCustomer({ call, db, temporal }, body, { maker: staff.rm, checker: staff.auditor });
  expect(managerId).toBe(staff.rm.id);
  return { id, email: body.email as string };
}

const assessmentAudits = () => db.auditLog.count({ where: { action: { startsWith: 'staff.' } } });
const recordOf = (staffId: string) => db.staffAssessment.findUnique({ where: { staffId_period: { staffId, period } } });

let a: { id: string; email: string };
let b: { id: string; email: string };
let caseNo: string;

beforeAll(async () => {
  stack = await startApiStack({ policy, mailFrom: MAIL_FROM, ring });
  ({ db, temporal, baseUrl } = stack);
  await staffWithKeys(db, staff, { rm: ['RELATIONSHIP_MANAGER'], cs: ['CUSTOMER_SERVICE'], head: ['RISK_OFFICER'], auditor: ['AUDITOR'], supervisor: ['SUPERVISOR'], admin: ['ADMIN'] });
  // The manager handles the CARDS department's cases; its head writes the manager's guidance (§7.2).
  await db.department.create({ data: { code: 'CARDS', name: 'Cards', headStaffId: staff.head.id } });
  await db.departmentMember.create({ data: { departmentCode: 'CARDS', staffId: staff.rm.id } });
});

afterAll(async () => {
  await stack?.stop();
});

describe('§7.2 what the quarter is made of, through the API', () => {
  test('referrals are recorded at first contact: an unknown referrer → 400 naming referredByCustomerId, nothing written; a known one is kept', async () => {
    a = await approved(vipBody());
    const before = await db.customer.count();
    const refused = await call('POST', '/customers', { as: staff.rm, body: vipBody({ referredByCustomerId: 'cus_nobody' }) });
    expect([refused.status, refused.body.issues]).toEqual([400, [{ field: 'referredByCustomerId', value: 'cus_nobody', reason: 'no customer with this id: a referral names an existing customer' }]]);
    expect(await db.customer.count()).toBe(before);
    b = await approved(vipBody({ referredByCustomerId: a.id }));
    expect((await call('GET', `/customers/${b.id}`, { as: staff.rm })).body.referredByCustomerId).toBe(a.id);
  });

  test('products, a feedback case answered in time with its survey, a periodic review on time, phone follow-ups', async () => {
    for (const [customer, body] of [
      [a, { productCode: 'DEPOSIT_ACCOUNT', amountUsd: 10_000 }],
      [a, { productCode: 'DEBIT_CARD' }],
      [b, { productCode: 'TERM_DEPOSIT', amountUsd: 50_000 }],
    ] as const) {
      const opened = await call('POST', `/customers/${customer.id}/products`, { as: staff.rm, body });
      expect([opened.status, opened.body.status]).toEqual([201, 'OPEN']);
    }

    const registered = await call('POST', '/feedback', {
      as: staff.cs,
      body: { channel: 'HOTLINE', customerId: a.id, category: 'CARD', severity: 'MEDIUM', complexity: 'SIMPLE', summary: 'Card declined abroad' },
    });
    expect(registered.status).toBe(201);
    caseNo = registered.body.caseNo;
    await until('the case assigned to the manager', async () => (await db.feedbackCase.findUnique({ where: { caseNo } }))?.handlerStaffId === staff.rm.id);
    await until('the case IN_PROGRESS', async () => (await db.feedbackCase.findUnique({ where: { caseNo } }))?.status === 'IN_PROGRESS');
    expect((await call('POST', `/feedback/${caseNo}/respond`, { as: staff.rm, body: { body: 'We have lifted the block.' } })).status).toBe(200);
    expect((await call('POST', `/feedback/${caseNo}/resolve`, { as: staff.rm, body: { resolution: 'A new card is on its way.' } })).status).toBe(200);
    const toA = (m: { to: string[]; text: string }) => m.to.includes(a.email) && m.text.includes('/survey/');
    const resolution = (await stack.smtp.waitFor((m) => m.some(toA))).find(toA);
    const token = /\/survey\/([^\s"<>]+)/.exec(resolution!.text)![1]!;
    const answered = await fetch(`${baseUrl}/survey/${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ score: 4 }) });
    expect(answered.status).toBe(200);

    // §3.2 the review of customer A falls due at once (a migrated customer's lifecycle) and is done on time.
    await temporal.workflow.getHandle(customerWorkflowId(a.id)).terminate('test: restarted as a migrated customer’s');
    const ensured = await ensureLifecycles({ db, temporal, taskQueue: stack.taskQueue, policy, clock: systemClock }, { staffId: staff.admin.id, roles: ['ADMIN'] }, { customerId: a.id, lastReviewAt: new Date(Date.now() - 185 * 86_400_000).toISOString() });
    expect(ensured.started).toEqual([a.id]);
    await until('the review task', () => db.task.findFirst({ where: { customerId: a.id, kind: 'PERIODIC_REVIEW', status: 'OPEN', assigneeStaffId: staff.rm.id } }));
    const version = (await db.customer.findUniqueOrThrow({ where: { id: a.id } })).version;
    const reviewed = await call('POST', `/customers/${a.id}/reviews/complete`, { as: staff.rm, body: { findings: { basicData: 'ok', financialSituation: 'ok', changedNeeds: 'none' }, version } });
    expect([reviewed.status, reviewed.body.message]).toEqual([200, undefined]);

    // Phone follow-ups: a SUPERVISOR only; REACHED needs a score, the others none (400 naming the field, nothing written).
    const followUps = await db.phoneFollowUp.count();
    expect((await call('POST', `/feedback/${caseNo}/phone-follow-ups`, { as: staff.rm, body: { outcome: 'REACHED', score: 5 } })).status).toBe(403);
    const noScore = await call('POST', `/feedback/${caseNo}/phone-follow-ups`, { as: staff.supervisor, body: { outcome: 'REACHED' } });
    expect([noScore.status, noScore.body.issues]).toEqual([400, [{ field: 'score', reason: 'required when the customer was REACHED: their satisfaction 1–5' }]]);
    const badScore = await call('POST', `/customers/${b.id}/phone-follow-ups`, { as: staff.supervisor, body: { outcome: 'NO_ANSWER', score: 3 } });
    expect([badScore.status, badScore.body.issues?.[0]?.field]).toEqual([400, 'score']);
    expect(await db.phoneFollowUp.count()).toBe(followUps);
    const reached = await call('POST', `/feedback/${caseNo}/phone-follow-ups`, { as: staff.supervisor, body: { outcome: 'REACHED', score: 5 } });
    expect([reached.status, reached.body]).toEqual([201, expect.objectContaining({ caseNo, customerId: a.id, staffId: staff.rm.id, outcome: 'REACHED', score: 5, recordedByStaffId: staff.supervisor.id })]);
    const missed = await call('POST', `/customers/${b.id}/phone-follow-ups`, { as: staff.supervisor, body: { outcome: 'NO_ANSWER' } });
    expect([missed.status, missed.body.staffId]).toEqual([201, staff.rm.id]);
    expect(await db.auditLog.count({ where: { action: 'staff.phone_follow_up.record' } })).toBe(2);
  });
});

describe('§7.2 the quarter’s run: records, guidance, result emails', () => {
  test('a supervisor starts the run (others 403; a second start answers RUNNING); every assessed staff member gets a record, each manager a guidance task with its reminder', async () => {
    expect((await call('POST', '/reports/staff/runs', { as: staff.rm, body: { period } })).status).toBe(403);
    const bad = await call('POST', '/reports/staff/runs', { as: staff.supervisor, body: { period: '2026-Q5' } });
    expect([bad.status, bad.body.issues?.[0]?.field]).toEqual([400, 'period']);
    const started = await call('POST', '/reports/staff/runs', { as: staff.supervisor, body: { period } });
    expect([started.status, started.body]).toEqual([202, { workflowId: staffAssessmentWorkflowId(period), period, status: 'STARTED' }]);
    const again = await call('POST', '/reports/staff/runs', { as: staff.supervisor, body: { period } });
    expect(again.body.status).toBe('RUNNING');

    const guidanceTask = await until('the head’s guidance task', () => db.task.findUnique({ where: { id: `staff-guidance:${period}:${staff.head.id}` } }));
    expect(guidanceTask).toMatchObject({ kind: 'STAFF_GUIDANCE', status: 'OPEN', assigneeStaffId: staff.head.id, workflowId: staffAssessmentWorkflowId(period) });
    expect(await db.reminder.findUnique({ where: { key: `staff-guidance:${period}:${staff.head.id}` } })).toMatchObject({ staffId: staff.head.id, escalationStaffId: staff.supervisor.id, status: 'SCHEDULED', taskId: guidanceTask.id });
    await until('the supervisor’s guidance task (for the colleague without a department)', () => db.task.findUnique({ where: { id: `staff-guidance:${period}:${staff.supervisor.id}` } }));
    // Only the assessed roles (RELATIONSHIP_MANAGER, CUSTOMER_SERVICE) are assessed.
    expect((await db.staffAssessment.findMany({ where: { period }, orderBy: { staffId: 'asc' } })).map((r) => r.staffId).sort()).toEqual([staff.cs.id, staff.rm.id].sort());
  });

  test('GET /staff/:id/assessments: the manager’s quarter — inputs, every indicator, score and grade as computed by hand, the policy version', async () => {
    const res = await call('GET', `/staff/${staff.rm.id}/assessments`, { as: staff.rm });
    expect([res.status, res.headers.get('cache-control'), res.body.assessments.length]).toEqual([200, 'no-store', 1]);
    const mine = res.body.assessments[0];
    expect(mine.inputs).toEqual({
      surveyScores: [4],
      phoneFollowUps: [
        { outcome: 'REACHED', score: 5 },
        { outcome: 'NO_ANSWER', score: null },
      ],
      portfolio: 2,
      productHolders: 2,
      repeatBuyers: 1,
      referrers: 1,
      newCustomers: 2,
      productsOpened: 3,
      productsWithAmount: 2,
      volumeUsd: 60_000,
      reviews: { onTime: 1, late: 0 },
      slaCases: { met: 1, breached: 0 },
      investigations: { onTime: 0, late: 0 },
      riskEvents: 0,
    });
    expect(Object.fromEntries(mine.indicators.map((i: any) => [i.id, [i.value, i.score]]))).toEqual({
      surveyScore: [4, 85.7],
      phoneFollowUpScore: [5, 100],
      repeatPurchaseRate: [0.5, 100],
      referralRate: [0.5, 100],
      newCustomers: [2, 20],
      productsOpened: [3, 20],
      productVolumeUsd: [60_000, 6],
      reviewsOnTimeRate: [1, 100],
      slaMetRate: [1, 100],
      investigationsOnTimeRate: [null, null], // no risk tasks: no data, not a perfect score
      riskEventRate: [0, 100],
    });
    expect(mine.groups.map((g: any) => [g.group, g.score])).toEqual([
      ['satisfaction', 90.5],
      ['loyalty', 100],
      ['growth', 15.3],
      ['riskControl', 100],
    ]);
    expect(mine).toMatchObject({ period, periodKind: 'QUARTER', score: 74.4, grade: 'SATISFACTORY', coverage: 0.9375, policyVersion: policy.version, managerStaffId: staff.head.id, guidanceNotes: null, revision: 1, computedByStaffId: null });

    // The colleague in customer service handled nothing this quarter: NO_DATA, no score.
    const cs = (await call('GET', `/staff/${staff.cs.id}/assessments?period=${period}`, { as: staff.cs })).body.assessments[0];
    expect([cs.score, cs.grade, cs.managerStaffId]).toEqual([null, 'NO_DATA', staff.supervisor.id]);
  });

  test('§3.1 who may read: self, the manager (department head), SUPERVISOR, AUDITOR; an ADMIN 403; an unknown staff member 404; a bad period 400', async () => {
    for (const who of [staff.head, staff.supervisor, staff.auditor]) expect((await call('GET', `/staff/${staff.rm.id}/assessments`, { as: who })).status).toBe(200);
    const admin = await call('GET', `/staff/${staff.rm.id}/assessments`, { as: staff.admin });
    expect([admin.status, admin.body.message]).toEqual([403, expect.stringContaining('only they, their manager, a SUPERVISOR or an AUDITOR may')]);
    expect((await call('GET', `/staff/${staff.cs.id}/assessments`, { as: staff.rm })).status).toBe(403);
    expect((await call('GET', '/staff/nobody/assessments', { as: staff.supervisor })).status).toBe(404);
    const bad = await call('GET', `/staff/${staff.rm.id}/assessments?period=2026-13`, { as: staff.rm });
    expect([bad.status, bad.body.issues?.[0]?.field]).toEqual([400, 'period']);
  });

  test('guidance: not by the staff member or a stranger; the manager’s notes close their task and the result email arrives with them; then final (409)', async () => {
    const path = `/staff/${staff.rm.id}/assessments/${period}/guidance`;
    const notes = 'Strong service and risk discipline; grow the book: two new customers a month.';
    expect((await call('POST', path, { as: staff.rm, body: { notes } })).status).toBe(403);
    expect((await call('POST', path, { as: staff.auditor, body: { notes } })).status).toBe(403);
    const blank = await call('POST', path, { as: staff.head, body: { notes: '   ' } });
    expect([blank.status, blank.body.issues?.[0]?.field]).toEqual([400, 'notes']);

    const written = await call('POST', path, { as: staff.head, body: { notes } });
    expect([written.status, written.body]).toEqual([200, expect.objectContaining({ guidanceNotes: notes, guidanceByStaffId: staff.head.id, taskClosed: `staff-guidance:${period}:${staff.head.id}` })]);
    expect(await db.task.findUnique({ where: { id: `staff-guidance:${period}:${staff.head.id}` } })).toMatchObject({ status: 'DONE', closedByStaffId: staff.head.id });
    expect((await db.reminder.findUnique({ where: { key: `staff-guidance:${period}:${staff.head.id}` } }))?.status).toBe('CANCELLED'); // answered before it fell due

    const result = (m: { to: string[]; subject: string }) => m.to.includes(staff.rm.email) && m.subject.startsWith('Your assessment');
    const email = (await stack.smtp.waitFor((m) => m.some(result))).find(result);
    expect(email!.subject).toBe(`Your assessment for ${period}: SATISFACTORY (§7.2)`);
    expect(email!.text).toContain('74.4 of 100, grade SATISFACTORY');
    expect(email!.text).toContain(`Guidance from ${staff.head.id}:`);
    expect(email!.text).toContain(notes);
    expect(email!.text).toContain('Risk control: risk investigations on time: no data');
    expect(email!.raw).toMatch(/Content-Type: text\/html/i); // and an HTML part
    await until('the result marked emailed', async () => (await recordOf(staff.rm.id))?.resultEmailedAt);

    const late = await call('POST', path, { as: staff.head, body: { notes: 'changed my mind' } });
    expect([late.status, late.body.message]).toEqual([409, expect.stringContaining('its guidance is final')]);
    expect((await recordOf(staff.rm.id))!.guidanceNotes).toBe(notes);
  });

  test('the last notes (a SUPERVISOR for the colleague without a department): every result out, the run completes', async () => {
    const written = await call('POST', `/staff/${staff.cs.id}/assessments/${period}/guidance`, { as: staff.supervisor, body: { notes: 'Take the hotline shifts next quarter.' } });
    expect(written.status).toBe(200);
    await stack.smtp.waitFor((m) => m.some((x) => x.to.includes(staff.cs.email) && x.subject === `Your assessment for ${period}: NO_DATA (§7.2)`));
    const state = (await temporal.workflow.getHandle(staffAssessmentWorkflowId(period)).result()) as StaffAssessmentState;
    expect(state).toMatchObject({ phase: 'COMPLETED', assessed: 2, emailed: 2, kind: 'QUARTER', policyVersion: policy.version });
    expect(stack.smtp.to(staff.rm.email).filter((m) => m.subject.startsWith('Your assessment'))).toHaveLength(1);
    const ended = await call('POST', '/reports/staff/runs', { as: staff.supervisor, body: { period } });
    expect([ended.status, ended.body.message]).toEqual([409, expect.stringContaining('recompute the period instead')]);
  });
});

describe('§7.2 recompute and the staff report', () => {
  test('recompute with the same inputs: one record each, unchanged, nothing audited; a new follow-up → the manager’s record updated (revision 2), audited with what changed', async () => {
    expect((await call('POST', '/reports/staff/recompute', { as: staff.head, body: { period } })).status).toBe(403);
    const audits = await assessmentAudits();
    const same = await call('POST', '/reports/staff/recompute', { as: staff.supervisor, body: { period } });
    expect([same.status, same.body.created, same.body.updated, same.body.unchanged]).toEqual([200, 0, 0, 2]);
    expect(await assessmentAudits()).toBe(audits);
    expect((await recordOf(staff.rm.id))!.revision).toBe(1);

    await call('POST', `/feedback/${caseNo}/phone-follow-ups`, { as: staff.supervisor, body: { outcome: 'REACHED', score: 1 } });
    const changed = await call('POST', '/reports/staff/recompute', { as: staff.supervisor, body: { period, staffId: staff.rm.id } });
    expect(changed.body).toEqual({ period, created: 0, updated: 1, unchanged: 0, assessments: [{ staffId: staff.rm.id, outcome: 'UPDATED', score: 69.8, grade: 'SATISFACTORY', revision: 2 }] });
    expect(await db.staffAssessment.count({ where: { staffId: staff.rm.id, period } })).toBe(1);
    const record = (await recordOf(staff.rm.id))!;
    expect([record.guidanceNotes !== null, record.resultEmailedAt !== null, record.computedByStaffId]).toEqual([true, true, staff.supervisor.id]);
    const [audit] = await db.auditLog.findMany({ where: { action: 'staff.assessment.update', entityId: record.id } });
    expect(audit).toMatchObject({ actorStaffId: staff.supervisor.id, changes: expect.objectContaining({ revision: { before: 1, after: 2 }, score: { before: 74.4, after: 69.8 } }) });
    expect((audit!.changes as any)['inputs.phoneFollowUps'].after).toHaveLength(3);

    const notAssessed = await call('POST', '/reports/staff/recompute', { as: staff.supervisor, body: { period, staffId: staff.head.id } });
    expect([notAssessed.status, notAssessed.body.issues?.[0]?.field]).toEqual([422, 'staffId']);
    const future = await call('POST', '/reports/staff/recompute', { as: staff.supervisor, body: { period: '2099-Q1' } });
    expect([future.status, future.body.issues?.[0]?.reason]).toEqual([400, expect.stringContaining('has not begun yet')]);
  });

  test('GET /reports/staff: SUPERVISOR and AUDITOR; best first, NO_DATA last; CSV as an attachment; period required', async () => {
    expect((await call('GET', `/reports/staff?period=${period}`, { as: staff.rm })).status).toBe(403);
    const json = await call('GET', `/reports/staff?period=${period}`, { as: staff.auditor });
    expect(json.status).toBe(200);
    expect(json.body.rows.map((r: any) => [r.staffId, r.score, r.grade, r.guidanceWritten, r.resultEmailed])).toEqual([
      [staff.rm.id, 69.8, 'SATISFACTORY', true, true],
      [staff.cs.id, null, 'NO_DATA', true, true],
    ]);
    expect(json.body.byGrade).toEqual({ EXCELLENT: 0, GOOD: 0, SATISFACTORY: 1, NEEDS_IMPROVEMENT: 0, NO_DATA: 1 });
    expect(json.body.rows[0].indicators.phoneFollowUpScore).toEqual({ value: 3, score: 57.1 }); // REACHED 5 and 1; the NO_ANSWER has no score

    const csv = await call('GET', `/reports/staff?period=${period}&format=csv`, { as: staff.supervisor });
    expect([csv.status, csv.headers.get('content-type'), csv.headers.get('content-disposition')]).toEqual([200, 'text/csv; charset=utf-8', `attachment; filename="staff-assessment-${period}.csv"`]);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['period', 'staffId', 'name', 'score', 'grade', 'coverage']);
    expect(lines[1]!.split(',').slice(0, 6)).toEqual([period, staff.rm.id, 'Test rm', '69.8', 'SATISFACTORY', '0.9375']);
    expect(lines[2]!.split(',').slice(0, 6)).toEqual([period, staff.cs.id, 'Test cs', '', 'NO_DATA', '0.1667']);

    const missing = await call('GET', '/reports/staff', { as: staff.supervisor });
    expect([missing.status, missing.body.issues]).toEqual([400, [{ field: 'period', reason: 'required: a quarter YYYY-Qn (e.g. 2026-Q4) or a year YYYY (e.g. 2026)' }]]);
  });
});

describe('ccm staff-assessment (the same use cases from the command line)', () => {
  const ccm = ccmRunner({ keys: cliKeys('rk-1'), env: { TEMPORAL_ADDRESS: devServerAddress() } });


  test('report --csv prints the CSV; show refused to an ADMIN with one line and exit 1', async () => {
    const [report, refused] = await Promise.all([
      ccm(['--as', staff.supervisor.id, 'staff-assessment', 'report', '--period', period, '--csv']),
      ccm(['--as', staff.admin.id, 'staff-assessment', 'show', staff.rm.id]),
    ]);
    expect([report.code, report.stderr]).toEqual([0, '']);
    expect(report.stdout.trimEnd().split('\r\n').map((l) => l.split(',').slice(1, 5))).toEqual([
      ['staffId', 'name', 'score', 'grade'],
      [staff.rm.id, 'Test rm', '69.8', 'SATISFACTORY'],
      [staff.cs.id, 'Test cs', '', 'NO_DATA'],
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`ccm: staff member ${staff.admin.id} may not read ${staff.rm.id}'s assessments: only they, their manager, a SUPERVISOR or an AUDITOR may (§3.1, §7.2)\n`);
  });
});

describe('§7.2 the Schedules (src/staff-assessment/schedule.ts)', () => {
  test('ensure creates the quarterly and the annual Schedule at 03:00 in the bank’s time zone; again: UPDATED, a pause kept', async () => {
    const ids = { QUARTER: unique('sa-quarterly'), YEAR: unique('sa-annual') };
    const setup = { policy, taskQueue: stack.taskQueue, scheduleIds: ids };
    try {
      const created = await ensureStaffSchedules(temporal, setup);
      expect(created.map((c) => [c.scheduleId, c.outcome, c.paused, c.timezone])).toEqual([
        [ids.QUARTER, 'CREATED', false, TZ],
        [ids.YEAR, 'CREATED', false, TZ],
      ]);
      // The next firings are local 03:00 on a quarter's (a year's) first day: 07:00 or 08:00 UTC (EDT/EST).
      for (const c of created) {
        for (const at of c.nextRuns.slice(0, 2)) expect(at).toMatch(/^\d{4}-(01|04|07|10)-01T0[78]:00:00\.000Z$/);
      }
      expect(created[1]!.nextRuns[0]).toMatch(/^\d{4}-01-01T08:00:00\.000Z$/);
      await temporal.schedule.getHandle(ids.YEAR).pause('test: paused by an operator');
      const again = await ensureStaffSchedules(temporal, setup);
      expect(again.map((c) => [c.outcome, c.paused])).toEqual([
        ['UPDATED', false],
        ['UPDATED', true],
      ]);
      expect((await describeStaffSchedule(temporal, 'QUARTER', ids.QUARTER)).calendar).toEqual(['§7.2 the quarter just ended: day 1 of JANUARY, APRIL, JULY, OCTOBER at 03:00']);
    } finally {
      for (const id of Object.values(ids)) await temporal.schedule.getHandle(id).delete().catch(() => undefined);
    }
  });
});
